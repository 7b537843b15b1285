/* SPDX-License-Identifier: MIT */
/* The executive's run queue: a FIFO per priority and a bitmap of the non-empty ones. */
#include "core.h"

void dc_rq_push(struct dc_runqueue *rq, struct dc_thread *th)
{
	int p = th->prio;
	th->rq_next = NULL;
	if (rq->tail[p])
		rq->tail[p]->rq_next = th;
	else
		rq->head[p] = th;
	rq->tail[p] = th;
	rq->bitmap[p / 64] |= 1ull << (p % 64);
}

/* A preempted thread keeps its turn: it goes before its equals. */
void dc_rq_push_front(struct dc_runqueue *rq, struct dc_thread *th)
{
	int p = th->prio;
	th->rq_next = rq->head[p];
	rq->head[p] = th;
	if (!rq->tail[p])
		rq->tail[p] = th;
	rq->bitmap[p / 64] |= 1ull << (p % 64);
}

int dc_rq_top_prio(const struct dc_runqueue *rq)
{
	for (int w = DC_NPRIO / 64 - 1; w >= 0; w--)
		if (rq->bitmap[w])
			return w * 64 + 63 - __builtin_clzll(rq->bitmap[w]);
	return -1;
}

struct dc_thread *dc_rq_pop(struct dc_runqueue *rq)
{
	int p = dc_rq_top_prio(rq);
	if (p < 0)
		return NULL;
	struct dc_thread *th = rq->head[p];
	rq->head[p] = th->rq_next;
	if (!rq->head[p]) {
		rq->tail[p] = NULL;
		rq->bitmap[p / 64] &= ~(1ull << (p % 64));
	}
	th->rq_next = NULL;
	return th;
}
