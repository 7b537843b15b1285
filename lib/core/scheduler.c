/* SPDX-License-Identifier: MIT */
/*
 * The executive's scheduler: fixed priorities, FIFO within a priority, and
 * absolute deadlines.  Everything here is executive context: no TLS of its
 * own, no errno, no locks, no allocation.
 */
#include "core.h"
#include "scheduler.h"

static void make_ready(struct dc_executive *ex, struct dc_thread *th)
{
	dc_tq_remove(&ex->tq, th);
	th->state = DC_TS_READY;
	dc_rq_push(&ex->rq, th);
}

void dc_sched_drain_inbox(struct dc_executive *ex)
{
	struct dc_thread *th = atomic_exchange_explicit(&ex->inbox, NULL, memory_order_acquire);
	while (th) {
		/*
		 * Everything we need of th before clearing `pending`: from then
		 * on a poster may reuse the link, and a thread that has left
		 * (a late answer's post, see thread.c) may be unmapped by its
		 * Linux side, which waits for exactly this exchange.
		 */
		struct dc_thread *next = atomic_load_explicit(&th->inbox_next, memory_order_relaxed);
		enum dc_thread_state state = th->state;
		uint32_t why = atomic_exchange_explicit(&th->pending, 0, memory_order_acq_rel);
		if (why & DC_POST_ARRIVE) {
			ex->nthreads++;
			th->heap_index = -1;
			make_ready(ex, th);
		} else if ((why & DC_POST_WAKE) && state == DC_TS_BLOCKED) {
			th->wake_reason = DC_POST_WAKE;
			make_ready(ex, th);
		}
		th = next;
	}
}

void dc_sched_expire(struct dc_executive *ex, uint64_t now)
{
	while (ex->tq.n && dc_tq_next(&ex->tq) <= now) {
		struct dc_thread *th = dc_tq_pop(&ex->tq);
		th->wake_reason = 0;
		th->state = DC_TS_READY;
		dc_rq_push(&ex->rq, th);
	}
}

/*
 * Make a blocked thread of this executive ready; executive or decoupled
 * context.  A woken thread that outranks the running one preempts it as
 * soon as it may: at once, or at the end of the bookkeeping section the
 * caller is in (a wake-up's registry walk, say), through preempt_pending.
 */
void dc_sched_wake_local(struct dc_executive *ex, struct dc_thread *th)
{
	struct dc_thread *cur = ex->current;
	if (cur)
		atomic_fetch_add_explicit(&cur->preempt_off, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	if (th->state == DC_TS_BLOCKED) {
		th->wake_reason = DC_POST_WAKE;
		make_ready(ex, th);
	}
	atomic_signal_fence(memory_order_seq_cst);
	if (cur) {
		if (th->state == DC_TS_READY && th->prio > cur->prio)
			atomic_store_explicit(&ex->preempt_pending, 1, memory_order_relaxed);
		dc_preempt_enable(cur);
	}
}

static void run(struct dc_executive *ex, struct dc_thread *th)
{
	/* One decoupled thread per executive, the common case, costs no kernel entry here. */
	if (th->tp != ex->cur_tp) {
		dc_arch_set_tp(th->tp);
		ex->cur_tp = th->tp;
	}
	th->state = DC_TS_RUNNING;
	ex->current = th;
	/* A preemption noted for an earlier thread is stale; one from here on is th's. */
	atomic_store_explicit(&ex->preempt_pending, 0, memory_order_relaxed);
	dc_preempt_arm(ex, th);
	/*
	 * A post or an Irq wake-up that came after the scheduler looked, but
	 * before arming published running_prio, sent no kick: th would run on
	 * while the thread it woke waits.  Have th yield the CPU back as soon
	 * as it lands.  Nothing outranks DC_PRIO_MAX: no kick to miss.
	 */
	if (th->prio < DC_PRIO_MAX &&
	    (atomic_load_explicit(&ex->inbox, memory_order_seq_cst) || dc_sources_pending(ex)))
		atomic_store_explicit(&ex->preempt_pending, 1, memory_order_relaxed);
	uint64_t t0 = dc_now();
	dc_hooks_switch_in(ex);
	dc_ctx_switch(&ex->sched_ctx, &th->ctx);
	dc_hooks_switch_out(ex);
	/* th->ctx is saved: a fork of it may proceed (forward_special.c). */
	__atomic_store_n(&ex->current, NULL, __ATOMIC_RELEASE);
	dc_preempt_disarm(ex);
	atomic_fetch_add_explicit(&ex->st_run_ns, dc_now() - t0, memory_order_relaxed);
	atomic_fetch_add_explicit(&ex->st_switches, 1, memory_order_relaxed);

	switch (th->state) {
	case DC_TS_SLEEPING:
		dc_tq_insert(&ex->tq, th);
		break;
	case DC_TS_BLOCKED:
		if (th->deadline != DC_FOREVER)
			dc_tq_insert(&ex->tq, th);
		break;
	case DC_TS_YIELDING:
		th->state = DC_TS_READY;
		dc_rq_push(&ex->rq, th);
		break;
	case DC_TS_PREEMPTED:
		th->state = DC_TS_READY;
		dc_rq_push_front(&ex->rq, th);
		break;
	case DC_TS_LEAVING:
		ex->nthreads--;
		/*
		 * Our FS base must never be a departed thread's: its TLS may
		 * be unmapped soon, or be in use on another executive.
		 */
		if (ex->cur_tp == th->tp) {
			dc_arch_set_tp(ex->own_tp);
			ex->cur_tp = ex->own_tp;
		}
		atomic_store_explicit(&th->park_word, DC_PARK_RESUME, memory_order_release);
		dc_futex_wake(&th->park_word, 1);
		/*
		 * The last touch: from here on `th` belongs to its Linux
		 * context, which unmaps it.  Without this it could do so
		 * before the wake above, which would then wake whatever
		 * futex a new mapping put at that address.
		 */
		atomic_store_explicit(&th->released, 1, memory_order_release);
		break;
	default:
		/* READY or RUNNING cannot come back from a switch. */
		__builtin_trap();
	}
}

void dc_sched_loop(struct dc_executive *ex)
{
	for (;;) {
		if (atomic_load_explicit(&ex->inbox, memory_order_relaxed))
			dc_sched_drain_inbox(ex);
		/*
		 * Sleepers due within the lead run now and spin the rest
		 * themselves.  Not while poll-mode sources exist: only the idle
		 * executive reads them.
		 */
		uint64_t lead = dc_sources_need_polling(ex) ? 0 : ex->timer_lead_ns;
		dc_sched_expire(ex, dc_now() + lead);
		dc_sources_poll(ex);	/* Irq and other waiters whose event came */
		struct dc_thread *th = dc_rq_pop(&ex->rq);
		if (th) {
			run(ex, th);
			continue;
		}
		if (atomic_load_explicit(&ex->stop, memory_order_acquire) && ex->nthreads == 0)
			return;
		uint64_t next = dc_tq_next(&ex->tq);
		if (next != DC_FOREVER)
			next = next > lead ? next - lead : 0;
		dc_idle(ex, next);
	}
}

/* Decoupled context: suspend `th` in state `st` and resume the scheduler. */
void dc_thread_switch_out(struct dc_thread *th, enum dc_thread_state st)
{
	/* No preemption between the state change and the switch, nor inside it. */
	atomic_fetch_add_explicit(&th->preempt_off, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	th->state = st;
	atomic_store_explicit(&th->exec->in_thread, 0, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	dc_ctx_switch(&th->ctx, &th->exec->sched_ctx);
	/* Back in the Linux context: the executive is busy with others now. */
	if (st == DC_TS_LEAVING)
		return;
	atomic_signal_fence(memory_order_seq_cst);
	atomic_store_explicit(&th->exec->in_thread, 1, memory_order_relaxed);
	dc_preempt_enable(th);
}

/*
 * Decoupled context: leave a preempt_off section.  The preemption signal
 * may have come while the section ran, or while the scheduler was still
 * switching in (it arms the timer first): the handler only noted it, and
 * it takes effect here.
 */
void dc_preempt_enable(struct dc_thread *th)
{
	atomic_signal_fence(memory_order_seq_cst);
	if (atomic_fetch_sub_explicit(&th->preempt_off, 1, memory_order_relaxed) != 1)
		return;
	atomic_signal_fence(memory_order_seq_cst);
	struct dc_executive *ex = th->exec;
	if (atomic_exchange_explicit(&ex->preempt_pending, 0, memory_order_relaxed) &&
	    ex->current == th) {
		atomic_fetch_add_explicit(&ex->st_preemptions, 1, memory_order_relaxed);
		dc_thread_switch_out(th, DC_TS_PREEMPTED);
	}
}
