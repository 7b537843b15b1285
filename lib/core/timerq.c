/* SPDX-License-Identifier: MIT */
/*
 * The executive's deadlines: a binary min-heap.  Each thread remembers its
 * index so that an event can take it off the heap before its timeout.
 */
#include "core.h"

static void place(struct dc_timerq *tq, int i, struct dc_thread *th)
{
	tq->heap[i] = th;
	th->heap_index = i;
}

static void sift_up(struct dc_timerq *tq, int i)
{
	struct dc_thread *th = tq->heap[i];
	while (i > 0) {
		int parent = (i - 1) / 2;
		if (tq->heap[parent]->deadline <= th->deadline)
			break;
		place(tq, i, tq->heap[parent]);
		i = parent;
	}
	place(tq, i, th);
}

static void sift_down(struct dc_timerq *tq, int i)
{
	struct dc_thread *th = tq->heap[i];
	for (;;) {
		int c = 2 * i + 1;
		if (c >= tq->n)
			break;
		if (c + 1 < tq->n && tq->heap[c + 1]->deadline < tq->heap[c]->deadline)
			c++;
		if (th->deadline <= tq->heap[c]->deadline)
			break;
		place(tq, i, tq->heap[c]);
		i = c;
	}
	place(tq, i, th);
}

void dc_tq_insert(struct dc_timerq *tq, struct dc_thread *th)
{
	/* Capacity is DC_MAX_THREADS, the most threads an executive admits. */
	place(tq, tq->n++, th);
	sift_up(tq, th->heap_index);
}

void dc_tq_remove(struct dc_timerq *tq, struct dc_thread *th)
{
	int i = th->heap_index;
	if (i < 0)
		return;
	th->heap_index = -1;
	struct dc_thread *last = tq->heap[--tq->n];
	if (i == tq->n)
		return;
	place(tq, i, last);
	sift_down(tq, i);
	sift_up(tq, last->heap_index);
}

struct dc_thread *dc_tq_pop(struct dc_timerq *tq)
{
	if (!tq->n)
		return NULL;
	struct dc_thread *th = tq->heap[0];
	dc_tq_remove(tq, th);
	return th;
}
