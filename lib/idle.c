/* SPDX-License-Identifier: MIT */
/*
 * What an executive does with nothing to run (executive context).
 *
 * dedicated: poll the inbox and the clock until the next deadline.
 * shared:    sleep in Linux (a futex with an absolute timeout) until the next
 *            deadline minus a margin, then poll the rest.  The margin follows
 *            the kernel's wake-up lateness seen on this CPU: its p99 over the
 *            last DC_MARGIN_WINDOW sleeps, plus an eighth.  A post wakes the
 *            sleeper at once through the doorbell futex.
 */
#include "internal.h"
#include "scheduler.h"

#define DC_MARGIN_INITIAL_NS	200000
#define DC_MARGIN_MIN_NS	5000
#define DC_MARGIN_MAX_NS	5000000
#define DC_MARGIN_RECOMPUTE	32	/* observations between recomputations */

static int have_work(struct dc_executive *ex)
{
	return atomic_load_explicit(&ex->inbox, memory_order_acquire) != NULL ||
	       atomic_load_explicit(&ex->stop, memory_order_relaxed);
}

static void spin_until(struct dc_executive *ex, uint64_t deadline)
{
	uint64_t t0 = dc_now(), now = t0;
	uint32_t bell = atomic_load_explicit(&ex->doorbell, memory_order_relaxed);
	while (now < deadline && !have_work(ex)) {
		dc_arch_wait_short((const volatile uint32_t *)&ex->doorbell, bell,
				   dc_arch_cycles() + 2000);
		now = dc_now();
	}
	atomic_fetch_add_explicit(&ex->st_spin_ns, now - t0, memory_order_relaxed);
}

void dc_margin_init(struct dc_margin *m)
{
	m->n = m->next = 0;
	m->margin_ns = DC_MARGIN_INITIAL_NS;
}

/* The k-th smallest of v[0..n) (quickselect; reorders v). */
static uint32_t kth_smallest(uint32_t *v, unsigned n, unsigned k)
{
	unsigned lo = 0, hi = n - 1;
	while (lo < hi) {
		uint32_t pivot = v[(lo + hi) / 2];
		unsigned i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				uint32_t t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

void dc_margin_observe(struct dc_margin *m, int64_t late_ns)
{
	if (late_ns < 0)
		late_ns = 0;
	if (late_ns > UINT32_MAX)
		late_ns = UINT32_MAX;
	m->late_ns[m->next] = (uint32_t)late_ns;
	m->next = (m->next + 1) % DC_MARGIN_WINDOW;
	if (m->n < DC_MARGIN_WINDOW)
		m->n++;
	if (m->n < DC_MARGIN_RECOMPUTE || m->next % DC_MARGIN_RECOMPUTE)
		return;

	uint32_t copy[DC_MARGIN_WINDOW];
	for (unsigned i = 0; i < m->n; i++)
		copy[i] = m->late_ns[i];
	uint64_t p99 = kth_smallest(copy, m->n, (m->n * 99) / 100);
	uint64_t margin = p99 + p99 / 8 + 2000;
	if (margin < DC_MARGIN_MIN_NS)
		margin = DC_MARGIN_MIN_NS;
	if (margin > DC_MARGIN_MAX_NS)
		margin = DC_MARGIN_MAX_NS;
	m->margin_ns = margin;
}

static void block_until(struct dc_executive *ex, uint64_t deadline)
{
	uint64_t now = dc_now();
	uint64_t margin = ex->margin.margin_ns;
	if (deadline != DC_FOREVER && deadline <= now + margin) {
		spin_until(ex, deadline);
		return;
	}
	/* A forwarded call's answer is due within microseconds: wait for it awake. */
	uint64_t poll = atomic_load_explicit(&ex->fwd_spin_until, memory_order_relaxed);
	if (now < poll) {
		spin_until(ex, poll < deadline ? poll : deadline);
		return;
	}
	uint64_t wake_at = deadline == DC_FOREVER ? DC_FOREVER : deadline - margin;

	uint32_t bell = atomic_load_explicit(&ex->doorbell, memory_order_acquire);
	atomic_store_explicit(&ex->sleeping, 1, memory_order_seq_cst);
	/* Pairs with dc_exec_post(): it pushes, then reads `sleeping`. */
	if (have_work(ex)) {
		atomic_store_explicit(&ex->sleeping, 0, memory_order_relaxed);
		return;
	}
	dc_futex_wait(&ex->doorbell, bell, wake_at);
	atomic_store_explicit(&ex->sleeping, 0, memory_order_relaxed);

	uint64_t woke = dc_now();
	atomic_fetch_add_explicit(&ex->st_sleep_ns, woke - now, memory_order_relaxed);
	atomic_fetch_add_explicit(&ex->st_linux_wakeups, 1, memory_order_relaxed);
	if (wake_at != DC_FOREVER && woke >= wake_at) {
		dc_margin_observe(&ex->margin, (int64_t)(woke - wake_at));
		if (woke > deadline)
			atomic_fetch_add_explicit(&ex->st_late_wakeups, 1, memory_order_relaxed);
	}
	/* Woken by a post, or early for no reason: back to the scheduler. */
	if (wake_at != DC_FOREVER && woke >= wake_at)
		spin_until(ex, deadline);
}

void dc_idle(struct dc_executive *ex, uint64_t deadline)
{
	if (ex->placement == DC_PLACEMENT_DEDICATED)
		spin_until(ex, deadline);
	else
		block_until(ex, deadline);
}
