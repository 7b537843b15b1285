/* SPDX-License-Identifier: MIT */
/*
 * Wait queues: how a thread sleeps until an object's condition holds.
 *
 * A decoupled waiter publishes itself in a slot, checks the condition again
 * and blocks on its executive.  A waker claims the slot of the
 * highest-priority waiter (slot -> CLAIMED), wakes it, and releases the slot
 * (CLAIMED -> NULL) only once it has stopped touching the thread.  A waiter
 * leaving the queue either takes its own slot back or waits for the claimer
 * to release it: so no waker ever touches a thread that has returned, and
 * perhaps recoupled and freed its memory.
 *
 * Linux waiters sleep on a futex whose value wakers bump.  Both sides order
 * their two steps with seq_cst (publish, then read the condition; change the
 * condition, then read the waiters), so one of them always sees the other.
 */
#include <errno.h>

#include "object.h"
#include "scheduler.h"

#define CLAIMED ((struct dc_thread *)1)

static int take_slot(struct dc_waitq *wq, struct dc_thread *th)
{
	for (int i = 0; i < DC_WQ_SLOTS; i++) {
		struct dc_thread *none = NULL;
		if (atomic_load_explicit(&wq->slot[i], memory_order_relaxed))
			continue;
		atomic_store_explicit(&wq->prio[i], th->prio, memory_order_relaxed);
		if (atomic_compare_exchange_strong_explicit(&wq->slot[i], &none, th,
							    memory_order_seq_cst,
							    memory_order_relaxed))
			return i;
	}
	return -1;
}

/*
 * A bit of dc_thread.pending that the scheduler ignores: it keeps a thread
 * that sits in its executive's inbox marked as being there (so that no one
 * pushes it twice) while cancelling a wake-up it no longer needs.
 */
#define DC_POST_STALE (1u << 31)

static void leave_slot(struct dc_waitq *wq, int i, struct dc_thread *th)
{
	struct dc_thread *mine = th;
	if (atomic_compare_exchange_strong_explicit(&wq->slot[i], &mine, NULL,
						    memory_order_acq_rel, memory_order_acquire))
		return;
	/* Claimed: the waker is between claim and release, a few instructions. */
	while (atomic_load_explicit(&wq->slot[i], memory_order_acquire) == CLAIMED)
		dc_arch_relax();
	/*
	 * Its post may still wait in the inbox if something else (a timeout)
	 * woke us first.  We are running, so it is ours and unneeded: defuse
	 * it, or it would wake us from whatever we block in next.
	 */
	uint32_t p = atomic_load_explicit(&th->pending, memory_order_acquire);
	while ((p & DC_POST_WAKE) &&
	       !atomic_compare_exchange_weak_explicit(&th->pending, &p,
						      (p & ~DC_POST_WAKE) | DC_POST_STALE,
						      memory_order_acq_rel, memory_order_acquire))
		;
}

static int wait_decoupled(struct dc_waitq *wq, struct dc_thread *th, uint64_t deadline,
			  dc_wq_check_fn check, void *arg)
{
	for (;;) {
		int r = check(arg);
		if (r)
			return r;
		if (deadline != DC_FOREVER && dc_now() >= deadline)
			return -ETIMEDOUT;
		int i = take_slot(wq, th);
		if (i < 0)
			return -EBUSY;
		/*
		 * No preemption from here to the switch: a wake-up posted now is
		 * drained only after we are BLOCKED, so it cannot be lost.
		 */
		atomic_fetch_add_explicit(&th->preempt_off, 1, memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
		r = check(arg);
		if (!r) {
			th->deadline = deadline;
			dc_thread_switch_out(th, DC_TS_BLOCKED);
			th->deadline = DC_FOREVER;
		}
		atomic_signal_fence(memory_order_seq_cst);
		atomic_fetch_sub_explicit(&th->preempt_off, 1, memory_order_relaxed);
		leave_slot(wq, i, th);
		if (r)
			return r;
	}
}

static int wait_linux(struct dc_waitq *wq, uint64_t deadline, dc_wq_check_fn check, void *arg)
{
	for (;;) {
		int r = check(arg);
		if (r)
			return r;
		if (deadline != DC_FOREVER && dc_now() >= deadline)
			return -ETIMEDOUT;
		atomic_fetch_add_explicit(&wq->linux_waiters, 1, memory_order_seq_cst);
		uint32_t seq = atomic_load_explicit(&wq->seq, memory_order_seq_cst);
		r = check(arg);
		if (!r)
			dc_futex_wait(&wq->seq, seq, deadline);
		atomic_fetch_sub_explicit(&wq->linux_waiters, 1, memory_order_relaxed);
		if (r)
			return r;
	}
}

int dc_wq_wait(struct dc_waitq *wq, uint64_t deadline, dc_wq_check_fn check, void *arg)
{
	struct dc_thread *th = dc_self;
	if (th)
		return wait_decoupled(wq, th, deadline, check, arg);
	return wait_linux(wq, deadline, check, arg);
}

/* Make `th` runnable; `self` is the caller's decoupled thread or NULL. */
static void wake_thread(struct dc_waitq *wq, int i, struct dc_thread *th,
			struct dc_thread *self, struct dc_executive *exec)
{
	struct dc_executive *ex = th->exec;
	if (exec == ex) {
		/* Executive context on the waiter's own executive: nothing runs. */
		atomic_store_explicit(&wq->slot[i], NULL, memory_order_release);
		dc_sched_wake_local(ex, th);
	} else if (self && self->exec == ex) {
		/*
		 * Same executive: the waiter cannot run before we let it, so the
		 * slot may go first; the local wake may switch to the waiter.
		 */
		atomic_store_explicit(&wq->slot[i], NULL, memory_order_release);
		dc_sched_wake_local(ex, th);
	} else {
		dc_exec_post(ex, th, DC_POST_WAKE);
		atomic_store_explicit(&wq->slot[i], NULL, memory_order_release);
	}
}

void dc_wq_wake(struct dc_waitq *wq, int all, struct dc_executive *exec)
{
	/* In executive context dc_self is whichever thread's TLS is loaded. */
	struct dc_thread *self = exec ? NULL : dc_self;
	if (self)
		atomic_fetch_add_explicit(&self->preempt_off, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	int woke = 0;
	for (;;) {
		int best = -1, best_prio = -1;
		struct dc_thread *th = NULL;
		for (int i = 0; i < DC_WQ_SLOTS; i++) {
			struct dc_thread *t = atomic_load_explicit(&wq->slot[i], memory_order_seq_cst);
			if (!t || t == CLAIMED)
				continue;
			int p = atomic_load_explicit(&wq->prio[i], memory_order_relaxed);
			if (p > best_prio) {
				best = i;
				best_prio = p;
				th = t;
			}
		}
		if (best < 0)
			break;
		if (!atomic_compare_exchange_strong_explicit(&wq->slot[best], &th, CLAIMED,
							     memory_order_acq_rel,
							     memory_order_relaxed))
			continue;
		wake_thread(wq, best, th, self, exec);
		woke = 1;
		if (!all)
			break;
	}
	atomic_fetch_add_explicit(&wq->seq, 1, memory_order_seq_cst);
	if ((all || !woke) && atomic_load_explicit(&wq->linux_waiters, memory_order_seq_cst))
		dc_futex_wake(&wq->seq, all ? 0x7fffffff : 1);
	atomic_signal_fence(memory_order_seq_cst);
	if (self)
		atomic_fetch_sub_explicit(&self->preempt_off, 1, memory_order_relaxed);
}
