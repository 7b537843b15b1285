/* SPDX-License-Identifier: MIT */
/*
 * Several decoupled threads on one executive: the highest priority runs
 * first, and equal priorities take turns at dc_yield().
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "decouple.h"
#include "harness.h"

#define NPRIO 4
#define NEQUAL 3
#define ROUNDS 4

static int cpu;
static uint64_t start_at;
static pthread_barrier_t decoupled;
static _Atomic int order_len;
static int order[NPRIO * 2];
static _Atomic int eq_len;
static int eq_order[NEQUAL * ROUNDS];
static _Atomic int perm_denied;

static void *prio_thread(void *arg)
{
	int prio = (int)(intptr_t)arg;
	/* Before decoupling: a barrier is a blocking Linux call. */
	pthread_barrier_wait(&decoupled);
	int err = dc_decouple(cpu, prio);
	if (err == -EPERM)
		perm_denied = 1;
	if (err)
		return NULL;
	dc_sleep_until(start_at);
	order[atomic_fetch_add(&order_len, 1)] = prio;
	dc_recouple();
	return NULL;
}

static void *equal_thread(void *arg)
{
	int id = (int)(intptr_t)arg;
	pthread_barrier_wait(&decoupled);
	int err = dc_decouple(cpu, 7);
	if (err)
		return NULL;
	dc_sleep_until(start_at);
	for (int i = 0; i < ROUNDS; i++) {
		eq_order[atomic_fetch_add(&eq_len, 1)] = id;
		dc_yield();
	}
	dc_recouple();
	return NULL;
}

static void run(void *(*fn)(void *), int n, const int *args)
{
	pthread_t t[NPRIO];
	pthread_barrier_init(&decoupled, NULL, (unsigned)n + 1);
	/* Far enough ahead for every thread to be decoupled and asleep. */
	start_at = dc_now() + 200000000ull;
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, fn, (void *)(intptr_t)args[i]);
	pthread_barrier_wait(&decoupled);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&decoupled);
}

int main(void)
{
	cpu = test_decoupled_main();

	const int prios[NPRIO] = { 10, 40, 20, 30 };
	run(prio_thread, NPRIO, prios);
	if (perm_denied)
		SKIP("no permission for SCHED_FIFO");
	CHECK_EQ(order_len, NPRIO);
	const int expect[NPRIO] = { 40, 30, 20, 10 };
	for (int i = 0; i < NPRIO; i++)
		CHECK(order[i] == expect[i], "position %d ran priority %d, expected %d", i, order[i], expect[i]);

	const int ids[NEQUAL] = { 1, 2, 3 };
	run(equal_thread, NEQUAL, ids);
	CHECK_EQ(eq_len, NEQUAL * ROUNDS);
	/* Round robin: the first NEQUAL are distinct and the pattern repeats. */
	for (int i = 0; i < NEQUAL; i++)
		for (int j = i + 1; j < NEQUAL; j++)
			CHECK(eq_order[i] != eq_order[j], "thread %d ran twice in round one", eq_order[i]);
	for (int i = NEQUAL; i < NEQUAL * ROUNDS; i++)
		CHECK(eq_order[i] == eq_order[i - NEQUAL], "turn %d went to %d, expected %d",
		      i, eq_order[i], eq_order[i - NEQUAL]);
	return test_done();
}
