/* SPDX-License-Identifier: MIT */
/*
 * dc_now() preempted in the middle of re-anchoring (issue 20, defect 3).
 * A low-priority decoupled thread calls dc_now() without pause, so it is the
 * one that re-anchors the clock's map every 50 ms; a test point holds it in
 * the middle of publishing the new map for 20 ms, long enough for the
 * periodic higher-priority thread to preempt it.  The executive and the
 * high thread then read the clock while the writer is suspended: a reader
 * that waited for the writer would hang the executive for good.
 */
#include <stdint.h>
#include <time.h>

#include "core.h"
#include "harness.h"

static char *low_lo, *low_hi;
static _Atomic int hold, held, stop_low;
static _Atomic long high_loops;
static _Atomic int denied;
static pthread_barrier_t ready;
static int cpu;

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void dc_test_point(int where)
{
	char *sp = __builtin_frame_address(0);
	if (where != DC_TP_CLOCK_STORE || !atomic_load(&hold) || sp < low_lo || sp >= low_hi)
		return;
	/* The low thread, publishing a map: stay here while the high one preempts us. */
	held++;
	uint64_t until = mono() + 20000000;
	while (mono() < until)
		;
}

static void *low(void *arg)
{
	(void)arg;
	pthread_attr_t a;
	void *lo;
	size_t size;
	pthread_getattr_np(pthread_self(), &a);
	pthread_attr_getstack(&a, &lo, &size);
	pthread_attr_destroy(&a);
	low_lo = lo;
	low_hi = (char *)lo + size;
	if (test_thread_decouple(&ready, cpu, 10, &denied))
		return NULL;
	atomic_store(&hold, 1);
	while (!atomic_load(&stop_low))
		dc_now();
	atomic_store(&hold, 0);
	dc_recouple();
	return NULL;
}

static void *high(void *arg)
{
	(void)arg;
	if (test_thread_decouple(&ready, cpu, 50, &denied))
		return NULL;
	uint64_t next = dc_now();
	while (!atomic_load(&stop_low)) {
		next += 1000000;
		dc_sleep_until(next);
		high_loops++;
	}
	dc_recouple();
	return NULL;
}

int main(void)
{
	cpu = test_decoupled_main();
	if (!dc_clock_uses_tsc())
		SKIP("the clock is not the TSC's: no map to re-anchor");
	pthread_barrier_init(&ready, NULL, 3);
	pthread_t tl, th;
	pthread_create(&tl, NULL, low, NULL);
	pthread_create(&th, NULL, high, NULL);
	pthread_barrier_wait(&ready);
	long last = -1;
	int still = 0;
	for (int i = 0; i < 300 && atomic_load(&held) < 5; i++) {
		usleep(10000);
		if (atomic_load(&denied))
			SKIP("no permission for SCHED_FIFO");
		long now = atomic_load(&high_loops);
		still = now == last ? still + 1 : 0;
		last = now;
		if (still >= 100) {
			printf("executive hung: the high thread made no progress for 1 s "
			       "(%ld periods, the writer held %d times)\n", now, (int)held);
			fflush(stdout);
			_exit(1);
		}
	}
	atomic_store(&stop_low, 1);
	pthread_join(tl, NULL);
	pthread_join(th, NULL);
	printf("the writer was held %d times, the high thread ran %ld periods\n", (int)held,
	       (long)high_loops);
	CHECK(held >= 1, "the low thread never re-anchored the map");
	CHECK(high_loops > 100, "only %ld periods", (long)high_loops);
	return test_done();
}
