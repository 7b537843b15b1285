/* SPDX-License-Identifier: MIT */
/*
 * A 1 kHz control loop on a decoupled thread.
 *
 *   periodic [CPU [SECONDS]]
 *
 * The loop's thread is decoupled onto CPU's executive; each period it wakes
 * at an absolute deadline, does its "control" work, and records how late it
 * woke.  Everything else (argument parsing, printing) stays on Linux.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <decouple.h>

#define PERIOD_NS 1000000ull

struct loop {
	int cpu;
	uint64_t cycles;
	uint64_t worst_late_ns;
	uint64_t sum_late_ns;
	int error;
};

static void *control_loop(void *arg)
{
	struct loop *l = arg;
	l->error = dc_decouple(l->cpu, 50);
	if (l->error)
		return NULL;
	uint64_t next = dc_now() + PERIOD_NS;
	for (uint64_t i = 0; i < l->cycles; i++) {
		dc_sleep_until(next);
		uint64_t late = dc_now() - next;
		if (late > l->worst_late_ns)
			l->worst_late_ns = late;
		l->sum_late_ns += late;
		/* ... read sensors, compute, drive actuators ... */
		next += PERIOD_NS;
	}
	dc_recouple();
	return NULL;
}

int main(int argc, char **argv)
{
	struct loop l = { .cpu = argc > 1 ? atoi(argv[1]) : 1 };
	int seconds = argc > 2 ? atoi(argv[2]) : 2;
	if (seconds < 1) {
		fprintf(stderr, "usage: %s [CPU [SECONDS]]\n", argv[0]);
		return 2;
	}
	l.cycles = (uint64_t)seconds * (1000000000ull / PERIOD_NS);

	pthread_t t;
	pthread_create(&t, NULL, control_loop, &l);
	pthread_join(t, NULL);
	if (l.error) {
		fprintf(stderr, "dc_decouple(%d): %s\n", l.cpu, strerror(-l.error));
		return 1;
	}
	printf("%llu cycles at 1 kHz on CPU %d: average lateness %.3f us, worst %.3f us\n",
	       (unsigned long long)l.cycles, l.cpu, l.sum_late_ns / 1e3 / (double)l.cycles,
	       l.worst_late_ns / 1e3);
	return 0;
}
