/* SPDX-License-Identifier: MIT */
/*
 * The executive's inbox, the lock-free path by which Linux threads wake
 * decoupled ones: posts from many threads at once are coalesced, never lost.
 * Runs without an executive thread, so TSan checks the protocol itself.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core.h"
#include "scheduler.h"
#include "harness.h"

#define NTHREADS 8	/* decoupled threads being woken */
#define NPOSTERS 3
#define POSTS 200000

static struct dc_executive ex;
static struct dc_thread *th[NTHREADS];
static _Atomic uint64_t posted[NTHREADS];	/* bumped before each post */
static uint64_t seen[NTHREADS];			/* what the consumer saw at its last wake */
static _Atomic int posters_done;

static void *poster(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	for (int i = 0; i < POSTS; i++) {
		int k = (int)(rand_r(&seed) % NTHREADS);
		atomic_fetch_add(&posted[k], 1);
		dc_exec_post(&ex, th[k], DC_POST_WAKE);
	}
	atomic_fetch_add(&posters_done, 1);
	return NULL;
}

static uint64_t consume(void)
{
	uint64_t wakes = 0;
	dc_sched_drain_inbox(&ex);
	struct dc_thread *t;
	while ((t = dc_rq_pop(&ex.rq))) {
		int k = t->prio - 1;
		seen[k] = atomic_load(&posted[k]);
		t->state = DC_TS_BLOCKED;
		wakes++;
	}
	return wakes;
}

int main(void)
{
	for (int k = 0; k < NTHREADS; k++) {
		th[k] = calloc(1, sizeof(*th[k]));
		th[k]->prio = k + 1;
		th[k]->exec = &ex;
		th[k]->state = DC_TS_BLOCKED;
		th[k]->heap_index = -1;
		th[k]->deadline = DC_FOREVER;
	}
	pthread_t p[NPOSTERS];
	for (int i = 0; i < NPOSTERS; i++)
		pthread_create(&p[i], NULL, poster, (void *)(uintptr_t)(i + 1));
	uint64_t wakes = 0;
	while (atomic_load(&posters_done) < NPOSTERS)
		wakes += consume();
	for (int i = 0; i < NPOSTERS; i++)
		pthread_join(p[i], NULL);
	wakes += consume();

	uint64_t total = 0;
	for (int k = 0; k < NTHREADS; k++) {
		CHECK(seen[k] == atomic_load(&posted[k]),
		      "thread %d: last wake saw %llu posts of %llu", k,
		      (unsigned long long)seen[k], (unsigned long long)atomic_load(&posted[k]));
		total += atomic_load(&posted[k]);
	}
	CHECK_EQ(total, (uint64_t)NPOSTERS * POSTS);
	CHECK(wakes > 0 && wakes <= total, "%llu wakes for %llu posts",
	      (unsigned long long)wakes, (unsigned long long)total);
	CHECK(atomic_load(&ex.inbox) == NULL, "inbox not empty");
	printf("%llu posts coalesced into %llu wakes\n", (unsigned long long)total,
	       (unsigned long long)wakes);
	for (int k = 0; k < NTHREADS; k++)
		free(th[k]);
	return test_done();
}
