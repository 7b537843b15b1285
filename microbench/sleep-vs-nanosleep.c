/* SPDX-License-Identifier: MIT */
/*
 * dc_sleep_until() on a decoupled thread against clock_nanosleep() on a
 * SCHED_FIFO 99 Linux thread on the same CPU, alternating in one run.
 * Both are timed the same way: CLOCK_MONOTONIC read after the wake-up,
 * minus the absolute deadline.
 *
 *   sleep-vs-nanosleep [CPU [ROUNDS [LOOPS [INTERVAL_US]]]]
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decouple.h"

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double pct(const int64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

static void measure_decoupled(int cpu, int64_t *out, int loops, uint64_t interval)
{
	int err = dc_decouple(cpu, 99);
	if (err) {
		fprintf(stderr, "dc_decouple(%d): %s\n", cpu, strerror(-err));
		exit(1);
	}
	uint64_t next = dc_now() + interval;
	for (int i = 0; i < loops; i++) {
		dc_sleep_until(next);
		out[i] = (int64_t)(mono() - next);
		next += interval;
	}
	dc_recouple();
}

static void measure_linux(int cpu, int64_t *out, int loops, uint64_t interval)
{
	cpu_set_t set, old;
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	struct sched_param fifo = { .sched_priority = 99 }, other = { 0 };
	if (sched_setaffinity(0, sizeof(set), &set) || sched_setscheduler(0, SCHED_FIFO, &fifo)) {
		perror("SCHED_FIFO 99 on the real-time CPU");
		exit(1);
	}
	uint64_t next = mono() + interval;
	for (int i = 0; i < loops; i++) {
		struct timespec ts = { (time_t)(next / 1000000000ull), (long)(next % 1000000000ull) };
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		out[i] = (int64_t)(mono() - next);
		next += interval;
	}
	sched_setscheduler(0, SCHED_OTHER, &other);
	sched_setaffinity(0, sizeof(old), &old);
}

static void report(const char *name, int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	printf("%-22s n=%zu min=%.3f p50=%.3f p99=%.3f p99.9=%.3f p99.99=%.3f max=%.3f us\n", name, n,
	       v[0] / 1000.0, pct(v, n, 50), pct(v, n, 99), pct(v, n, 99.9), pct(v, n, 99.99),
	       v[n - 1] / 1000.0);
}

int main(int argc, char **argv)
{
	int cpu = argc > 1 ? atoi(argv[1]) : 1;
	int rounds = argc > 2 ? atoi(argv[2]) : 10;
	int loops = argc > 3 ? atoi(argv[3]) : 1000;
	uint64_t interval = (argc > 4 ? (uint64_t)atoi(argv[4]) : 200) * 1000;
	if (rounds < 1 || loops < 1 || interval == 0) {
		fprintf(stderr, "usage: %s [CPU [ROUNDS [LOOPS [INTERVAL_US]]]]\n", argv[0]);
		return 2;
	}
	struct dc_executive_attr attr = { .placement = DC_PLACEMENT_DEDICATED, .sched_priority = 98 };
	size_t n = (size_t)rounds * (size_t)loops;
	int64_t *dc = calloc(n, sizeof(*dc)), *lx = calloc(n, sizeof(*lx));
	if (!dc || !lx)
		return 1;
	for (int r = 0; r < rounds; r++) {
		if (dc_executive_configure(cpu, &attr)) {
			fprintf(stderr, "cannot configure the executive of CPU %d\n", cpu);
			return 1;
		}
		measure_decoupled(cpu, dc + (size_t)r * loops, loops, interval);
		measure_linux(cpu, lx + (size_t)r * loops, loops, interval);
	}
	int64_t early = 0;
	for (size_t i = 0; i < n; i++)
		if (-dc[i] > early)
			early = -dc[i];
	report("dc_sleep_until", dc, n);
	report("clock_nanosleep FIFO99", lx, n);
	printf("p50 ratio (nanosleep/decoupled): %.1f   p99 ratio: %.1f   earliest decoupled wake: %.3f us early\n",
	       pct(lx, n, 50) / pct(dc, n, 50), pct(lx, n, 99) / pct(dc, n, 99), early / 1000.0);
	return 0;
}
