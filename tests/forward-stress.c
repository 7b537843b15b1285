/* SPDX-License-Identifier: MIT */
/*
 * 1,000,000 forwarded calls from 4 decoupled threads on one executive, half
 * trapped, half through dc_linux_syscall().  Each call is lseek(fd, seq,
 * SEEK_SET) on a file of the thread's own, whose answer is seq itself: a
 * lost call hangs, a wrong or repeated answer shows.  DC_STRESS_CALLS sets
 * the total.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "decouple.h"
#include "harness.h"

#define NTHREADS 4

static int cpu;
static long per_thread;
static pthread_barrier_t ready;
static _Atomic int denied;

struct worker {
	pthread_t pt;
	int fd, tid, prio;
	long wrong, done, tid_wrong;
	long final_pos;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	w->tid = (int)syscall(SYS_gettid);
	if (test_thread_decouple(&ready, cpu, w->prio, &denied))
		return NULL;
	for (long seq = 1; seq <= per_thread; seq++) {
		long r;
		if (seq & 1)
			r = (long)lseek(w->fd, (off_t)seq, SEEK_SET);
		else
			r = dc_linux_syscall(SYS_lseek, w->fd, seq, SEEK_SET);
		if (r != seq)
			w->wrong++;
		w->done++;
		/* Now and then: the thread's identity is still its own. */
		if ((seq & 4095) == 0 && (int)syscall(SYS_gettid) != w->tid)
			w->tid_wrong++;
	}
	w->final_pos = (long)lseek(w->fd, 0, SEEK_CUR);
	dc_recouple();
	return NULL;
}

int main(void)
{
	cpu = test_decoupled_main();
	long total = 1000000;
	const char *env = getenv("DC_STRESS_CALLS");
	if (env)
		total = atol(env);
	if (*test_sanitizer())
		total /= 4;	/* the sanitizers' runtime makes each call slower, not different */
	per_thread = total / NTHREADS;

	struct worker w[NTHREADS];
	pthread_barrier_init(&ready, NULL, NTHREADS + 1);
	for (int i = 0; i < NTHREADS; i++) {
		char path[] = "/tmp/dc-stress-XXXXXX";
		/* Mixed priorities: preemption and forwarding interleave. */
		w[i] = (struct worker){ .fd = mkstemp(path), .prio = 10 + i % 3 };
		CHECK(w[i].fd >= 0, "mkstemp");
		unlink(path);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&w[i].pt, NULL, work, &w[i]);
	uint64_t t0 = dc_now();
	pthread_barrier_wait(&ready);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(w[i].pt, NULL);
	uint64_t t1 = dc_now();
	if (denied)
		SKIP("no permission for SCHED_FIFO");
	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	if (!st.syscall_dispatch)
		SKIP("no Syscall User Dispatch: lseek() ran on the executive");

	long done = 0;
	for (int i = 0; i < NTHREADS; i++) {
		CHECK_EQ(w[i].wrong, 0);
		CHECK_EQ(w[i].tid_wrong, 0);
		CHECK_EQ(w[i].done, per_thread);
		CHECK_EQ(w[i].final_pos, per_thread);
		done += w[i].done;
		close(w[i].fd);
	}
	printf("%ld forwarded calls from %d threads in %.2f s: %.2f us each, %llu forwarded in all\n",
	       done, NTHREADS, (t1 - t0) / 1e9, (double)(t1 - t0) / (double)done / 1e3,
	       (unsigned long long)st.forwarded_calls);
	CHECK(st.forwarded_calls >= (uint64_t)done, "executive counted %llu forwards",
	      (unsigned long long)st.forwarded_calls);
	return test_done();
}
