/* SPDX-License-Identifier: MIT */
/*
 * A forwarded call's answer preempts a lower-priority thread that computes.
 * The answer comes from the Linux context within a microsecond or so, often
 * while the executive is still switching into the lower thread; the
 * preemption signal then arrives before that thread has landed, and must be
 * acted on when it lands, not dropped (it was, once: the high thread then
 * waited for the low one to finish).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "decouple.h"
#include "harness.h"

#define CALLS		20000
#define LOW_LIMIT_NS	3000000000ull	/* the low thread gives up after this */

static int cpu;
static pthread_barrier_t ready;
static _Atomic int denied, high_done;
static uint64_t worst_ns, low_iterations;
static long wrong;

static void *low(void *arg)
{
	(void)arg;
	if (test_thread_decouple(&ready, cpu, 10, &denied))
		return NULL;
	uint64_t until = dc_now() + LOW_LIMIT_NS;
	/* Computes without a call or a yield until the high thread is done. */
	while (!atomic_load_explicit(&high_done, memory_order_relaxed) && dc_now() < until)
		low_iterations++;
	dc_recouple();
	return NULL;
}

static void *high(void *arg)
{
	(void)arg;
	long ppid = getppid();
	if (test_thread_decouple(&ready, cpu, 100, &denied))
		return NULL;
	for (int i = 0; i < CALLS; i++) {
		uint64_t t0 = dc_now();
		if (dc_linux_syscall(SYS_getppid) != ppid)
			wrong++;
		uint64_t dt = dc_now() - t0;
		if (dt > worst_ns)
			worst_ns = dt;
	}
	atomic_store(&high_done, 1);
	dc_recouple();
	return NULL;
}

int main(void)
{
	cpu = test_decoupled_main();
	pthread_t a, b;
	pthread_barrier_init(&ready, NULL, 3);
	pthread_create(&a, NULL, low, NULL);
	pthread_create(&b, NULL, high, NULL);
	uint64_t t0 = dc_now();
	pthread_barrier_wait(&ready);
	pthread_join(b, NULL);
	uint64_t t1 = dc_now();
	pthread_join(a, NULL);
	if (denied)
		SKIP("no permission for SCHED_FIFO");
	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	printf("%d forwarded calls against a computing lower thread in %.1f ms: worst %.1f us, "
	       "%llu preemptions\n", CALLS, (t1 - t0) / 1e6, worst_ns / 1e3,
	       (unsigned long long)st.preemptions);
	CHECK_EQ(wrong, 0);
	CHECK(low_iterations > 0, "the low thread never ran");
	/* A dropped preemption costs the rest of the low thread's 3 s. */
	CHECK(worst_ns < 100000000ull, "a forwarded call took %.1f ms", worst_ns / 1e6);
	CHECK(st.preemptions > 0, "no preemption counted");
	return test_done();
}
