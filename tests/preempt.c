/* SPDX-License-Identifier: MIT */
/*
 * A high-priority decoupled thread preempts a lower one that computes without
 * yielding: at its deadline (timer signal) and when a Linux thread wakes it
 * (kick).  The preempted computation's registers, SSE included, survive.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "decouple.h"
#include "harness.h"

#define BUSY_NS 60000000ull	/* the low thread computes this long */
#define SLEEP_NS 10000000ull	/* the high thread's deadline, from the start */

static int cpu;
static pthread_barrier_t ready;
static _Atomic uint64_t start_at;
static _Atomic uint64_t high_late;
static _Atomic int low_done_before_high;
static _Atomic int high_woke;
static double low_result;
static _Atomic int denied;

static uint64_t iterations;	/* about BUSY_NS of work, calibrated on Linux */
static double linux_result;

/* Floating point and integer state, compared bit for bit with a Linux run. */
__attribute__((noinline)) static double compute(uint64_t n)
{
	double x = 1.0, y = 0.5;
	for (uint64_t i = 0; i < n; i++) {
		x = x * 1.0000001 + y;
		y = y * 0.9999999 - 1e-9 * (double)(i & 1023);
		__asm__ __volatile__("" : "+x"(x), "+x"(y));
	}
	return x / (double)n + y;
}

static void *low(void *arg)
{
	(void)arg;
	if (test_thread_decouple(&ready, cpu, 10, &denied))
		return NULL;
	dc_sleep_until(start_at);
	low_result = compute(iterations);
	if (!atomic_load(&high_woke))
		low_done_before_high = 1;
	dc_recouple();
	return NULL;
}

static void *high(void *arg)
{
	(void)arg;
	if (test_thread_decouple(&ready, cpu, 200, NULL))
		return NULL;
	uint64_t deadline = start_at + SLEEP_NS;
	dc_sleep_until(deadline);
	high_late = dc_now() - deadline;
	high_woke = 1;
	dc_recouple();
	return NULL;
}

int main(void)
{
	cpu = test_decoupled_main();

	uint64_t t0 = dc_now();
	compute(1000000);
	iterations = 1000000 * BUSY_NS / (dc_now() - t0 + 1);
	linux_result = compute(iterations);

	pthread_t a, b;
	pthread_barrier_init(&ready, NULL, 3);
	start_at = dc_now() + 100000000ull;
	pthread_create(&a, NULL, low, NULL);
	pthread_create(&b, NULL, high, NULL);
	pthread_barrier_wait(&ready);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	if (denied)
		SKIP("no permission for SCHED_FIFO");

	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	printf("high priority woke %.1f us late while a lower one computed; %llu preemptions\n",
	       high_late / 1e3, (unsigned long long)st.preemptions);
	CHECK_EQ(high_woke, 1);
	CHECK_EQ(low_done_before_high, 0);
	CHECK(st.preemptions >= 1, "no preemption counted");
	/* Without preemption it would be BUSY_NS - SLEEP_NS = 50 ms late. */
	if (!test_in_vm())
		CHECK(high_late < 5000000, "high-priority thread %.3f ms late", high_late / 1e6);

	CHECK(low_result == linux_result, "preempted computation returned %.17g, Linux %.17g",
	      low_result, linux_result);
	return test_done();
}
