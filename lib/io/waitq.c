/* SPDX-License-Identifier: MIT */
/*
 * Wait queues: how a thread sleeps until an object's condition holds.
 *
 * Decoupled waiters are woken by their executive's own loop, not by posts:
 * a waiter notes the queue's wake sequence, checks its condition once more
 * and blocks, leaving an entry {queue, sequence seen, thread} in its
 * executive's registry.  A waker changes the condition, bumps the sequence
 * and rings the doorbell of every executive that has a waiter in the queue
 * (each waiter advertises its executive and priority in a slot).  The
 * executive, each time round its loop, makes ready the blocked threads
 * whose queue's sequence moved.  So a wake-up costs the waker one shared
 * counter and a doorbell, nothing touches a thread but its own executive,
 * and no waker ever holds a pointer to a thread that may have gone.
 *
 * All the waiters of an executive that a wake concerns become ready; they
 * run in priority order, the first takes the events and the others, finding
 * none, block again.  Linux waiters sleep on the sequence as a futex.
 *
 * Lost wake-ups: the waiter reads the sequence, then the condition; the
 * waker changes the condition, then bumps the sequence (all seq_cst).  If
 * the waiter missed the change, the executive sees the bump.  The doorbell
 * pairs with the executive's `sleeping` flag as the inbox does.
 */
#include <errno.h>
#include <sys/syscall.h>

#include "io.h"
#include "scheduler.h"

/* An executive's blocked waiters: touched only on its own OS thread. */
struct reg_entry {
	struct dc_waitq *wq;
	uint32_t seen;
	struct dc_thread *th;
};

struct registry {
	int n;
	struct reg_entry e[DC_MAX_THREADS];
};

static struct registry *_Atomic registries[DC_MAX_CPUS];

static struct registry *registry_of(struct dc_executive *ex)
{
	struct registry *r = atomic_load_explicit(&registries[ex->cpu], memory_order_acquire);
	if (r)
		return r;
	/* First waiter of this CPU: threads of one executive are serialised here. */
	r = dc_obj_alloc(sizeof(*r));
	if (!r)
		return NULL;
	struct registry *none = NULL;
	if (!atomic_compare_exchange_strong(&registries[ex->cpu], &none, r)) {
		dc_obj_free(r, sizeof(*r));
		r = none;
	}
	return r;
}

/* Executive context (or decoupled, preemption off): make ready whom a wake concerns. */
int dc_wq_poll(struct dc_executive *ex)
{
	struct registry *r = atomic_load_explicit(&registries[ex->cpu], memory_order_acquire);
	int woke = 0;
	if (!r)
		return 0;
	for (int i = 0; i < r->n; i++) {
		struct reg_entry *e = &r->e[i];
		if (atomic_load_explicit(&e->wq->seq, memory_order_seq_cst) == e->seen ||
		    e->th->state != DC_TS_BLOCKED)
			continue;
		/*
		 * The read above left the queue's line shared with the waker;
		 * the waiter writes it first thing (its slot, the Irq's
		 * count, next to the sequence).  Ask for it now, so that the
		 * transfer overlaps with the switch-in instead of stalling it.
		 */
		dc_arch_prefetch_write(e->wq);
		dc_sched_wake_local(ex, e->th);
		woke = 1;
	}
	return woke;
}

/*
 * Whether dc_wq_poll() would make a thread ready, without doing it.  For the
 * scheduler's re-check after publishing running_prio: a wake-up that read
 * running_prio just before that sent no preemption signal.
 */
static int wq_pending(struct dc_executive *ex)
{
	struct registry *r = atomic_load_explicit(&registries[ex->cpu], memory_order_acquire);
	for (int i = 0; r && i < r->n; i++)
		if (atomic_load_explicit(&r->e[i].wq->seq, memory_order_seq_cst) != r->e[i].seen &&
		    r->e[i].th->state == DC_TS_BLOCKED)
			return 1;
	return 0;
}

static void unregister(struct registry *r, struct dc_thread *th)
{
	for (int i = 0; i < r->n; i++) {
		if (r->e[i].th == th) {
			r->e[i] = r->e[--r->n];
			return;
		}
	}
}

static int take_slot(struct dc_waitq *wq, struct dc_thread *th)
{
	for (int i = 0; i < DC_WQ_SLOTS; i++) {
		struct dc_executive *none = NULL;
		if (atomic_load_explicit(&wq->slot[i].ex, memory_order_relaxed))
			continue;
		/*
		 * The priority only once the slot is ours: stored before the
		 * CAS, a loser's store could land after the winner's.  A waker
		 * that reads the slot in between sees an old priority, which
		 * is harmless: the waiter reads `seq` after this store (both
		 * seq_cst), so a wake that could find it blocked reads ours.
		 */
		if (atomic_compare_exchange_strong_explicit(&wq->slot[i].ex, &none, th->exec,
							    memory_order_seq_cst,
							    memory_order_relaxed)) {
			atomic_store_explicit(&wq->slot[i].prio, th->prio, memory_order_seq_cst);
			return i;
		}
	}
	return -1;
}

static int wait_decoupled(struct dc_waitq *wq, struct dc_thread *th, uint64_t deadline,
			  dc_wq_check_fn check, void *arg)
{
	struct dc_executive *ex = th->exec;
	struct registry *reg = registry_of(ex);
	if (!reg)
		return -ENOMEM;
	for (;;) {
		int r = check(arg);
		if (r)
			return r;
		uint64_t now = dc_now();
		if (deadline != DC_FOREVER && now >= deadline)
			return -ETIMEDOUT;
		/*
		 * Switched in early by the timer lead: blocking again would
		 * only bounce through the scheduler until the deadline.
		 */
		if (deadline != DC_FOREVER && deadline - now <= ex->timer_lead_ns) {
			while (!(r = check(arg)) && dc_now() < deadline)
				;
			return r ? r : -ETIMEDOUT;
		}
		int i = take_slot(wq, th);
		if (i < 0)
			return -EBUSY;
		/* The registry is the executive's: no preemption while we use it. */
		atomic_fetch_add_explicit(&th->preempt_off, 1, memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
		uint32_t seen = atomic_load_explicit(&wq->seq, memory_order_seq_cst);
		r = check(arg);
		if (!r) {
			reg->e[reg->n++] = (struct reg_entry){ wq, seen, th };
			th->deadline = deadline;
			dc_thread_switch_out(th, DC_TS_BLOCKED);
			th->deadline = DC_FOREVER;
			unregister(reg, th);
		}
		atomic_store_explicit(&wq->slot[i].ex, NULL, memory_order_release);
		/* Not a plain decrement: a preemption noted meanwhile takes effect here. */
		dc_preempt_enable(th);
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

/*
 * Get executive `ex` to look at its registry: wake it, or preempt a lower thread.
 *
 * The doorbell is only rung where something waits on it: a Linux sleep
 * (`sleeping`) or umwait's monitor.  An executive that polls or runs a
 * thread reads the queue's sequence anyway (spin_until(), the scheduler
 * loop), so storing to the doorbell would only move its cache line to this
 * CPU and back before the executive could see the sequence: one cross-CPU
 * transfer on the wake-up path (two on hosts whose CPUs sit in different
 * core complexes).  No lost wake-up: the sequence was bumped (seq_cst)
 * before `sleeping` is read, and block_until() stores `sleeping` before it
 * polls the registry, so either we see it asleep or it sees the bump.
 */
static void ring(struct dc_executive *ex, int prio)
{
	if (atomic_load_explicit(&ex->sleeping, memory_order_seq_cst) != DC_SLEEP_AWAKE) {
		dc_exec_wake(ex);
		return;
	}
	if (dc_arch_has_user_wait())
		atomic_fetch_add_explicit(&ex->doorbell, 1, memory_order_seq_cst);
	/* seq_cst: Dekker with run() in scheduler.c, which publishes, then re-checks. */
	int running = atomic_load_explicit(&ex->running_prio, memory_order_seq_cst);
	if (running && prio > running && ex->preempt_timer >= 0)
		dc_preempt_send(ex);
}

void dc_wq_wake(struct dc_waitq *wq, int all, struct dc_executive *exec)
{
	dc_wq_wake_put(wq, all, exec, NULL);
}

void dc_wq_wake_put(struct dc_waitq *wq, int all, struct dc_executive *exec,
		    struct dc_object *put)
{
	/* In executive context dc_self is whichever thread's TLS is loaded. */
	struct dc_thread *self = exec ? NULL : dc_self;
	if (self)
		atomic_fetch_add_explicit(&self->preempt_off, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);

	atomic_fetch_add_explicit(&wq->seq, 1, memory_order_seq_cst);
	struct dc_executive *rung[DC_WQ_SLOTS];
	int prio[DC_WQ_SLOTS];
	int nrung = 0, local = 0;
	for (int i = 0; i < DC_WQ_SLOTS; i++) {
		struct dc_executive *ex = atomic_load_explicit(&wq->slot[i].ex, memory_order_seq_cst);
		if (!ex)
			continue;
		if (ex == exec || (self && self->exec == ex)) {
			local = 1;	/* we are on it: see below */
			continue;
		}
		int p = atomic_load_explicit(&wq->slot[i].prio, memory_order_seq_cst), seen = 0;
		for (int k = 0; k < nrung && !seen; k++)
			seen = rung[k] == ex;
		if (seen)
			continue;
		rung[nrung] = ex;
		prio[nrung++] = p;
	}
	if (atomic_load_explicit(&wq->linux_waiters, memory_order_seq_cst))
		dc_futex_wake(&wq->seq, all ? 0x7fffffff : 1);
	/*
	 * Done with the queue's cache line before any executive is told: the
	 * woken waiter writes that line next (its slot, the object's count),
	 * and a write of ours after the ring would pull it back across CPUs
	 * in the middle of the wake-up.  So drop the caller's reference now.
	 */
	if (put)
		dc_obj_put(put);
	/* Executives are never freed: touching one is always safe. */
	for (int k = 0; k < nrung; k++)
		ring(rung[k], prio[k]);
	if (local && exec)
		dc_wq_poll(exec);	/* the executive's loop: nothing runs */
	if (local && self) {
		/*
		 * Our own executive, which we occupy: make the waiters ready
		 * ourselves.  Under our preempt_off, so that a waiter that
		 * outranks us is switched to at its end (preempt_pending, see
		 * dc_sched_wake_local()), not in the middle of the registry.
		 */
		dc_wq_poll(self->exec);
	}
	atomic_signal_fence(memory_order_seq_cst);
	if (self)
		dc_preempt_enable(self);	/* a waiter that outranks us runs now */
}

/* Cross-executive wake-ups: an event source of the core. */
DC_PLUGIN(waitq_register)
{
	static const struct dc_event_source src = {
		.order = DC_SOURCE_ORDER_WAITQ,
		.poll = dc_wq_poll,
		.pending = wq_pending,
	};
	dc_core_add_source(&src);
}
