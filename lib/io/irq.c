/* SPDX-License-Identifier: MIT */
/*
 * Irq objects with exact event counts.
 *
 * A trigger adds to `pending` and wakes one waiter; a wait takes the whole
 * of `pending` with one exchange and reports it.  So every trigger is counted
 * by exactly one wait, however triggers and waits interleave, and a trigger
 * with nobody waiting stays latched until the next wait.  (L4Re's Irq
 * collapses such triggers into one notification; here the count tells.)
 */
#include <errno.h>
#include <stdlib.h>

#include "io.h"

static void irq_close(struct dc_object *obj)
{
	struct dc_irq *irq = (struct dc_irq *)obj;
	atomic_store_explicit(&irq->closed, 1, memory_order_seq_cst);
	if (irq->source_stop)
		irq->source_stop(irq);
	dc_irq_detach_obj(irq);
	dc_wq_wake(&irq->wq, 1, NULL);
}

static void irq_destroy(struct dc_object *obj)
{
	dc_obj_free(obj, sizeof(struct dc_irq));
}

static const struct dc_obj_ops irq_ops = {
	.close = irq_close,
	.destroy = irq_destroy,
};

dc_cap_t dc_irq_create_ref(struct dc_irq **out)
{
	struct dc_irq *irq = dc_obj_alloc(sizeof(*irq));
	if (!irq)
		return -ENOMEM;
	irq->obj.type = DC_OBJ_IRQ;
	irq->obj.ops = &irq_ops;
	irq->obj.refs = out ? 2 : 1;
	irq->ep_index = -1;
	dc_cap_t cap = dc_cap_install(&irq->obj);
	if (cap < 0) {
		dc_obj_free(irq, sizeof(*irq));
		return cap;
	}
	if (out)
		*out = irq;
	return cap;
}

dc_cap_t dc_irq_create(void)
{
	return dc_irq_create_ref(NULL);
}

struct dc_irq *dc_irq_get(dc_cap_t cap)
{
	return (struct dc_irq *)dc_cap_get(cap, DC_OBJ_IRQ);
}

/* dc_irq_fire(); with `put`, the caller's reference to irq is dropped in the wake-up. */
static void fire(struct dc_irq *irq, uint32_t n, struct dc_executive *exec, int put)
{
	if (n) {
		atomic_fetch_add_explicit(&irq->pending, n, memory_order_seq_cst);
		struct dc_endpoint *ep = atomic_load_explicit(&irq->ep, memory_order_seq_cst);
		if (ep)
			dc_endpoint_notify(ep, exec);
		dc_wq_wake_put(&irq->wq, 0, exec, put ? &irq->obj : NULL);
	} else if (put) {
		dc_obj_put(&irq->obj);
	}
}

void dc_irq_lose(struct dc_irq *irq, int err, struct dc_executive *exec)
{
	int none = 0;
	if (!atomic_compare_exchange_strong_explicit(&irq->lost, &none, err, memory_order_seq_cst,
						     memory_order_relaxed))
		return;
	struct dc_endpoint *ep = atomic_load_explicit(&irq->ep, memory_order_seq_cst);
	if (ep)
		dc_endpoint_notify(ep, exec);
	dc_wq_wake(&irq->wq, 1, exec);
}

void dc_irq_fire(struct dc_irq *irq, uint32_t n, struct dc_executive *exec)
{
	fire(irq, n, exec, 0);
}

int dc_irq_trigger(dc_cap_t cap)
{
	return dc_irq_trigger_n(cap, 1);
}

int dc_irq_trigger_n(dc_cap_t cap, uint32_t n)
{
	struct dc_irq *irq = dc_irq_get(cap);
	if (!irq)
		return -EBADF;
	/* Our reference goes before the waiter's executive is told (dc_wq_wake_put). */
	fire(irq, n, NULL, 1);
	return 0;
}

struct take {
	struct dc_irq *irq;
	uint32_t count;
};

static int take_events(void *arg)
{
	struct take *t = arg;
	if (atomic_load_explicit(&t->irq->closed, memory_order_seq_cst))
		return -EBADF;
	t->count = atomic_exchange_explicit(&t->irq->pending, 0, memory_order_seq_cst);
	if (t->count)
		return 1;
	/* The source is gone: what it counted before came first. */
	return atomic_load_explicit(&t->irq->lost, memory_order_seq_cst);
}

int dc_irq_wait(dc_cap_t cap, uint64_t deadline_ns, uint32_t *count)
{
	if (count)
		*count = 0;
	struct dc_irq *irq = dc_irq_get(cap);
	if (!irq)
		return -EBADF;
	struct take t = { irq, 0 };
	int r = 0;
	/* A Linux thread waiting on a source no executive hears yet hears it itself. */
	while (!dc_self && irq->source_serve_linux && !(r = take_events(&t))) {
		r = irq->source_serve_linux(irq, deadline_ns);
		if (r <= 0)
			break;
	}
	if (r == 0)
		r = dc_wq_wait(&irq->wq, deadline_ns, take_events, &t);
	dc_obj_put(&irq->obj);
	if (count)
		*count = r > 0 ? t.count : 0;
	return r > 0 ? 0 : r;
}

int dc_irq_pending(dc_cap_t cap)
{
	struct dc_irq *irq = dc_irq_get(cap);
	if (!irq)
		return -EBADF;
	uint32_t n = atomic_load_explicit(&irq->pending, memory_order_acquire);
	dc_obj_put(&irq->obj);
	return n > INT32_MAX ? INT32_MAX : (int)n;
}
