/* SPDX-License-Identifier: MIT */
/*
 * Waiting on several Irqs at once: the paper's bound receive endpoint.
 *
 * Each thread has one endpoint, made on its first dc_irq_attach().  An Irq
 * attached to it announces its triggers there as well; dc_wait_any() takes
 * the events of one ready Irq per call, starting after the one it returned
 * last, so a source that triggers all the time cannot starve the others.
 *
 * Endpoints are never freed (one page per thread that ever attached): a
 * trigger may hold a pointer to one from a signal handler, with no lock.
 * A tiny spinlock serialises the owner's scan against attach, detach and
 * close; triggers never take it.
 */
#include <errno.h>
#include <time.h>

#include "io.h"

#define DC_EP_MAX 64

struct dc_endpoint {
	struct dc_waitq wq;
	_Atomic int lock;
	int next;			/* where the next scan starts */
	int count;			/* attached Irqs */
	struct dc_irq *irq[DC_EP_MAX];	/* each holds a reference */
};

static DC_TLS struct dc_endpoint *my_ep;

/*
 * A decoupled holder is not preempted (a higher-priority spinner on its
 * executive would wait for it for ever), so it holds the lock for
 * nanoseconds.  A Linux holder can be descheduled by Linux for any time:
 * a decoupled waiter that spun for it with preemption off would take its
 * whole executive down with it (tests/ep-lock-stall.c).  So after a short
 * spin the waiter gives the CPU away and looks again later: a sleep
 * switches it out, preempt_off or not, and the executive runs the others.
 */
#define EP_SPINS	64
#define EP_NAP_NS	20000

static void ep_lock(struct dc_endpoint *ep)
{
	struct dc_thread *self = dc_self;
	if (self)
		atomic_fetch_add_explicit(&self->preempt_off, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	for (unsigned spins = 0; atomic_exchange_explicit(&ep->lock, 1, memory_order_acquire);
	     spins++) {
		if (spins < EP_SPINS) {
			dc_arch_relax();
		} else if (self) {
			dc_sleep_until(dc_now() + EP_NAP_NS);
		} else {
			struct timespec ts = { 0, EP_NAP_NS };
			nanosleep(&ts, NULL);	/* async-signal-safe: close may come from a handler */
		}
	}
}

static void ep_unlock(struct dc_endpoint *ep)
{
	atomic_store_explicit(&ep->lock, 0, memory_order_release);
	atomic_signal_fence(memory_order_seq_cst);
	struct dc_thread *self = dc_self;
	if (self)
		dc_preempt_enable(self);	/* acts on a preemption noted meanwhile */
}

void dc_endpoint_notify(struct dc_endpoint *ep, struct dc_executive *exec)
{
	dc_wq_wake(&ep->wq, 0, exec);
}

int dc_irq_attach(dc_cap_t cap, uint64_t label)
{
	struct dc_irq *irq = dc_irq_get(cap);
	if (!irq)
		return -EBADF;
	struct dc_endpoint *ep = my_ep;
	if (!ep) {
		ep = dc_obj_alloc(sizeof(*ep));
		if (!ep) {
			dc_obj_put(&irq->obj);
			return -ENOMEM;
		}
		my_ep = ep;
	}
	int err = -ENOSPC;
	ep_lock(ep);
	struct dc_endpoint *none = NULL;
	if (!atomic_compare_exchange_strong(&irq->ep, &none, ep)) {
		err = -EBUSY;
	} else {
		for (int i = 0; i < DC_EP_MAX; i++) {
			if (ep->irq[i])
				continue;
			irq->label = label;
			irq->ep_index = i;
			ep->irq[i] = irq;	/* keeps our reference */
			ep->count++;
			err = 0;
			break;
		}
		if (err)
			atomic_store(&irq->ep, NULL);
	}
	ep_unlock(ep);
	if (err) {
		dc_obj_put(&irq->obj);
		return err;
	}
	/* Triggers before the attach count too. */
	if (atomic_load(&irq->pending))
		dc_wq_wake(&ep->wq, 0, NULL);
	return 0;
}

/* Unbind; the endpoint's reference is dropped.  0 or -ENOENT. */
static int detach(struct dc_irq *irq)
{
	struct dc_endpoint *ep = atomic_load(&irq->ep);
	if (!ep)
		return -ENOENT;
	int found = 0;
	ep_lock(ep);
	DC_TEST_POINT(DC_TP_EP_LOCKED);
	int i = irq->ep_index;
	if (atomic_load(&irq->ep) == ep && i >= 0 && ep->irq[i] == irq) {
		ep->irq[i] = NULL;
		ep->count--;
		irq->ep_index = -1;
		atomic_store(&irq->ep, NULL);
		found = 1;
	}
	ep_unlock(ep);
	if (!found)
		return -ENOENT;
	/* Its owner may wait on nothing now: let it see that. */
	dc_wq_wake(&ep->wq, 1, NULL);
	dc_obj_put(&irq->obj);
	return 0;
}

void dc_irq_detach_obj(struct dc_irq *irq)
{
	detach(irq);
}

int dc_irq_detach(dc_cap_t cap)
{
	struct dc_irq *irq = dc_irq_get(cap);
	if (!irq)
		return -EBADF;
	int err = detach(irq);
	dc_obj_put(&irq->obj);
	return err;
}

struct any {
	struct dc_endpoint *ep;
	uint64_t label;
	uint32_t count;
};

static int take_any(void *arg)
{
	struct any *a = arg;
	struct dc_endpoint *ep = a->ep;
	int r = 0;
	ep_lock(ep);
	if (!ep->count)
		r = -ENOENT;
	for (int k = 0; k < DC_EP_MAX && !r; k++) {
		int i = (ep->next + k) % DC_EP_MAX;
		struct dc_irq *irq = ep->irq[i];
		if (!irq)
			continue;
		uint32_t n = atomic_exchange_explicit(&irq->pending, 0, memory_order_seq_cst);
		if (!n)
			continue;
		a->label = irq->label;
		a->count = n;
		ep->next = i + 1;
		r = 1;
	}
	ep_unlock(ep);
	return r;
}

int dc_wait_any(uint64_t deadline_ns, uint64_t *label, uint32_t *count)
{
	struct dc_endpoint *ep = my_ep;
	if (!ep)
		return -ENOENT;
	struct any a = { ep, 0, 0 };
	int r = dc_wq_wait(&ep->wq, deadline_ns, take_any, &a);
	if (r > 0) {
		if (label)
			*label = a.label;
		if (count)
			*count = a.count;
		return 0;
	}
	return r;
}
