/* SPDX-License-Identifier: MIT */
/*
 * Poll-mode sources: Irqs fed by a status word in mapped device memory,
 * read by the executive of a chosen CPU on every iteration of its idle loop
 * (about every microsecond), with no interrupt and no Linux involved.
 *
 * Exact semantics, per source, each time it is polled:
 *   DC_POLL_COUNTER: v = *status; if v != last: ack = v (when given), then
 *                    trigger v - last events (mod 2^32); last = v.
 *   DC_POLL_FLAGS:   v = *status & mask; if v: write v to ack (a write-one-
 *                    to-clear register, which may be status itself), or
 *                    without ack clear v in status atomically; then trigger
 *                    one event.
 * The acknowledgement comes before the trigger, so a device that raises
 * again while the waiter runs is seen at the next poll, not lost.
 * Polling happens only while the executive is idle: a running decoupled
 * thread delays it, as a masked interrupt would.  While any source exists,
 * a shared-placement executive polls instead of sleeping in Linux.
 *
 * The executive marks a source busy while it reads it; removal waits for
 * that, so a source's Irq reference outlives every poll of it.
 */
#include <errno.h>

#include "io.h"

#define DC_POLL_MAX 64

enum { FREE, SETUP, ACTIVE, POLLING, DEAD };

struct psrc {
	_Atomic int state;
	int cpu;
	struct dc_poll_attr attr;
	struct dc_irq *irq;
	uint32_t last;
};

static struct psrc srcs[DC_POLL_MAX];
static _Atomic int nactive;
static _Atomic int per_cpu[DC_MAX_CPUS];

/* How many sources the executive serves. */
static int poll_count(const struct dc_executive *ex)
{
	if (!atomic_load_explicit(&nactive, memory_order_relaxed))
		return 0;
	return atomic_load_explicit(&per_cpu[ex->cpu], memory_order_relaxed);
}

static int poll_one(struct psrc *s, struct dc_executive *ex)
{
	const struct dc_poll_attr *a = &s->attr;
	uint32_t v = *a->status, n = 0;
	if (a->mode == DC_POLL_COUNTER) {
		if (v != s->last) {
			if (a->ack)
				*a->ack = v;
			n = v - s->last;
			s->last = v;
		}
	} else {
		v &= a->mask;
		if (v) {
			if (a->ack)
				*a->ack = v;
			else	/* a status word in ordinary memory: clear the bits ourselves */
				__atomic_fetch_and(a->status, ~v, __ATOMIC_SEQ_CST);
			n = 1;
		}
	}
	if (n)
		dc_irq_fire(s->irq, n, ex);
	return n != 0;
}

/* Executive context.  Nonzero if some source triggered. */
static int poll_run(struct dc_executive *ex)
{
	if (!poll_count(ex))
		return 0;
	int fired = 0;
	for (int i = 0; i < DC_POLL_MAX; i++) {
		struct psrc *s = &srcs[i];
		int st = ACTIVE;
		if (s->cpu != ex->cpu || atomic_load_explicit(&s->state, memory_order_relaxed) != ACTIVE)
			continue;
		if (!atomic_compare_exchange_strong_explicit(&s->state, &st, POLLING,
							     memory_order_acquire, memory_order_relaxed))
			continue;
		fired |= poll_one(s, ex);
		atomic_store_explicit(&s->state, ACTIVE, memory_order_release);
	}
	return fired;
}

static void stop_poll(struct dc_irq *irq)
{
	struct psrc *s = irq->source;
	if (!s)
		return;
	for (;;) {
		int st = ACTIVE;
		if (atomic_compare_exchange_weak(&s->state, &st, DEAD))
			break;
		dc_arch_relax();	/* POLLING: the executive is reading it */
	}
	atomic_fetch_sub(&per_cpu[s->cpu], 1);
	atomic_fetch_sub(&nactive, 1);
	irq->source = NULL;
	s->irq = NULL;
	atomic_store(&s->state, FREE);
	dc_obj_put(&irq->obj);
}

dc_cap_t dc_irq_from_poll(const struct dc_poll_attr *attr)
{
	if (!attr || !attr->status || attr->cpu < 0 || attr->cpu >= DC_MAX_CPUS)
		return -EINVAL;
	if (attr->mode != DC_POLL_COUNTER && (attr->mode != DC_POLL_FLAGS || !attr->mask))
		return -EINVAL;
	struct psrc *s = NULL;
	for (int i = 0; i < DC_POLL_MAX && !s; i++) {
		int st = FREE;
		if (atomic_compare_exchange_strong(&srcs[i].state, &st, SETUP))
			s = &srcs[i];
	}
	if (!s)
		return -ENOSPC;
	struct dc_irq *irq;
	dc_cap_t cap = dc_irq_create_ref(&irq);
	if (cap < 0) {
		atomic_store(&s->state, FREE);
		return cap;
	}
	s->cpu = attr->cpu;
	s->attr = *attr;
	s->irq = irq;		/* the reference dc_irq_create_ref() gave us */
	s->last = *attr->status;
	irq->source = s;
	irq->source_stop = stop_poll;
	atomic_fetch_add(&per_cpu[s->cpu], 1);
	atomic_fetch_add(&nactive, 1);
	atomic_store_explicit(&s->state, ACTIVE, memory_order_release);
	return cap;
}

/* An event source of the core, which must poll rather than sleep while any exists. */
/*
 * The fork child: the status words are device memory (or memory) shared
 * with the parent, and an executive of the child that polled them would
 * take, and acknowledge, the parent's events.  Its inherited poll Irqs are
 * lost (-ENODEV) instead.
 */
static void poll_fork_child(void)
{
	for (int i = 0; i < DC_POLL_MAX; i++) {
		struct psrc *s = &srcs[i];
		if (atomic_load_explicit(&s->state, memory_order_relaxed) == FREE)
			continue;
		if (s->irq) {
			atomic_store_explicit(&s->irq->lost, -ENODEV, memory_order_relaxed);
			s->irq->source = NULL;
		}
		s->irq = NULL;
		atomic_store_explicit(&s->state, FREE, memory_order_relaxed);
	}
	atomic_store(&nactive, 0);
	for (int c = 0; c < DC_MAX_CPUS; c++)
		atomic_store(&per_cpu[c], 0);
}

DC_PLUGIN(irq_poll_register)
{
	static const struct dc_event_source src = {
		.order = DC_SOURCE_ORDER_DEVICE,
		.poll = poll_run,
		.needs_polling = poll_count,
	};
	static const struct dc_switch_hook hook = { .fork_child = poll_fork_child };
	dc_core_add_source(&src);
	dc_core_add_hook(&hook);
}
