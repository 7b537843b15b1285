/* SPDX-License-Identifier: MIT */
/* The executive's run queue (priority, FIFO within one) and deadline heap. */
#include <stdlib.h>

#include "core.h"
#include "harness.h"

#define N 200

static struct dc_thread threads[N];

static void test_runqueue(void)
{
	struct dc_runqueue rq = { 0 };
	CHECK_EQ(dc_rq_top_prio(&rq), -1);
	CHECK(dc_rq_pop(&rq) == NULL, "empty queue popped a thread");
	for (int i = 0; i < N; i++) {
		threads[i].prio = 1 + (i * 37) % DC_PRIO_MAX;	/* spread over all four bitmap words */
		dc_rq_push(&rq, &threads[i]);
	}
	int last_prio = DC_NPRIO, last_index = -1, popped = 0;
	struct dc_thread *th;
	while ((th = dc_rq_pop(&rq))) {
		int idx = (int)(th - threads);
		CHECK(th->prio <= last_prio, "priority %d after %d", th->prio, last_prio);
		if (th->prio == last_prio)
			CHECK(idx > last_index, "FIFO broken within priority %d", th->prio);
		last_prio = th->prio;
		last_index = idx;
		popped++;
	}
	CHECK_EQ(popped, N);
}

static void test_timerq(void)
{
	static struct dc_timerq tq;
	unsigned seed = 7;
	for (int i = 0; i < N; i++) {
		threads[i].deadline = rand_r(&seed) % 1000;
		threads[i].heap_index = -1;
		dc_tq_insert(&tq, &threads[i]);
	}
	/* Remove every third one early, as an event before its timeout would. */
	for (int i = 0; i < N; i += 3)
		dc_tq_remove(&tq, &threads[i]);
	CHECK_EQ(tq.n, N - (N + 2) / 3);
	for (int i = 0; i < N; i += 3)
		CHECK_EQ(threads[i].heap_index, -1);
	uint64_t prev = 0;
	int n = 0;
	struct dc_thread *th;
	while ((th = dc_tq_pop(&tq))) {
		CHECK((th - threads) % 3 != 0, "removed thread %d came back", (int)(th - threads));
		CHECK(th->deadline >= prev, "deadline %llu after %llu",
		      (unsigned long long)th->deadline, (unsigned long long)prev);
		prev = th->deadline;
		n++;
	}
	CHECK_EQ(n, N - (N + 2) / 3);
	CHECK(dc_tq_next(&tq) == DC_FOREVER, "empty heap has a deadline");
}

int main(void)
{
	test_runqueue();
	test_timerq();
	return test_done();
}
