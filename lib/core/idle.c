/* SPDX-License-Identifier: MIT */
/*
 * What an executive does with nothing to run (executive context).
 *
 * dedicated: poll the inbox and the clock until the next deadline.
 * shared:    sleep in Linux (a futex with an absolute timeout) until the next
 *            deadline minus a margin, then poll the rest.  A post wakes the
 *            sleeper at once through the doorbell futex.  Where event
 *            sources name fds (fd Irqs on the io_uring path), the sleep is a
 *            ppoll() on those and on the executive's bell eventfd instead,
 *            so that a device's interrupt wakes the executive directly.
 *
 * The margin policy of the shared placement.  Every Linux sleep that runs to
 * its timeout tells how late the kernel woke us; the last DC_MARGIN_WINDOW
 * of those are kept, and every DC_MARGIN_RECOMPUTE observations two figures
 * are taken from them:
 *
 *   wanted  = p99 + 1/8 + 2 us    (would cover nearly every wake-up)
 *   typical = p50 + 1/8 + 2 us    (covers the usual one)
 *
 * For one idle period of `span` ns, the margin used is min(wanted, span/4):
 * the executive never polls more than a quarter of an idle period, however
 * bad the tail.  Rare host preemptions of several ms cannot make it poll
 * whole periods: two of them in a window of 256 sleeps leave p99 alone,
 * more inflate the wanted margin only until they leave the window, and the
 * cap bounds the polling meanwhile.  (The margin used to be an uncapped
 * p99: under hackbench on a preempted VM it grew to 1.76 ms at a 1 ms
 * period, and the executive polled 93% of the CPU.)  A wake-up later than
 * the capped margin makes that one deadline late; the median lateness of
 * the decoupled threads is unaffected as long as the typical wake-up fits.
 *
 * When even the typical wake-up does not fit in span/4 (short periods, or a
 * kernel whose timers are that late), sleeping would make most deadlines
 * late: the executive polls the whole period instead.  So that it notices
 * when the kernel becomes punctual again, every DC_PROBE_EVERY such period
 * it takes a probe: a sleep of span/4 only, from which it still has 3/4 of
 * the period to reach the deadline.
 */
#include <sys/syscall.h>
#include <time.h>

#include "core.h"
#include "scheduler.h"

#define DC_MARGIN_INITIAL_NS	200000
#define DC_MARGIN_MIN_NS	5000
#define DC_MARGIN_MAX_NS	5000000
#define DC_MARGIN_SLACK_NS	2000
#define DC_MARGIN_RECOMPUTE	32	/* observations between recomputations */
#define DC_MARGIN_QUANTILE	99	/* percent of wake-ups the wanted margin covers */
#define DC_SPAN_SHARE		4	/* poll at most 1/DC_SPAN_SHARE of an idle period */
#define DC_PROBE_EVERY		8	/* polled-through periods between probe sleeps */
#define DC_SLEEP_FDS		32	/* event-source fds a Linux sleep waits on */

static int have_work(struct dc_executive *ex)
{
	return atomic_load_explicit(&ex->inbox, memory_order_acquire) != NULL ||
	       atomic_load_explicit(&ex->stop, memory_order_relaxed);
}

/*
 * Poll until the deadline or a post.  The dedicated placement waits between
 * reads (umwait, or PAUSE).  The shared placement polls only the end of each
 * period, right after a Linux sleep; there, without user-mode wait, it reads
 * the clock back to back: measured on a KVM guest, PAUSE made its wake-ups
 * some 20 ns later at the median (a hypervisor's pause-loop exiting, whose
 * window shrinks again after each halt, is the likely reason), and the
 * bounded spin costs no more CPU without it.
 */
static void spin_until(struct dc_executive *ex, uint64_t deadline)
{
	uint64_t t0 = dc_now(), now = t0;
	uint32_t bell = atomic_load_explicit(&ex->doorbell, memory_order_relaxed);
	int wait = ex->placement == DC_PLACEMENT_DEDICATED || dc_arch_has_user_wait();
	while (now < deadline && !have_work(ex)) {
		/* Event sources (poll-mode devices among them): a thread they wake is ready now. */
		if (dc_sources_poll(ex) && dc_rq_top_prio(&ex->rq) >= 0)
			break;
		if (wait)
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
	m->median_ns = DC_MARGIN_INITIAL_NS;
	m->spun = 0;
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

static uint64_t with_slack(uint64_t late)
{
	uint64_t margin = late + late / 8 + DC_MARGIN_SLACK_NS;
	if (margin < DC_MARGIN_MIN_NS)
		margin = DC_MARGIN_MIN_NS;
	if (margin > DC_MARGIN_MAX_NS)
		margin = DC_MARGIN_MAX_NS;
	return margin;
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
	/* The median first: quickselect leaves the upper half above it. */
	m->median_ns = with_slack(kth_smallest(copy, m->n, m->n / 2));
	m->margin_ns = with_slack(kth_smallest(copy, m->n, (m->n * DC_MARGIN_QUANTILE) / 100));
}

uint64_t dc_margin_for(struct dc_margin *m, uint64_t span)
{
	uint64_t cap = span / DC_SPAN_SHARE;
	if (m->median_ns <= cap) {
		m->spun = 0;
		return m->margin_ns < cap ? m->margin_ns : cap;
	}
	if (++m->spun < DC_PROBE_EVERY || cap < DC_MARGIN_MIN_NS)
		return 0;
	m->spun = 0;
	return span - cap;	/* wake after a quarter of the period */
}

/*
 * Sleep until `wake_at`, a post (the bell) or an event source's fd: the
 * device's wake-up then wakes the executive itself, on its own CPU, with no
 * other Linux thread on the way.  Raw calls: executive context.
 */
static void poll_sleep(struct dc_executive *ex, struct pollfd *fds, int nfds, uint32_t bell,
		       uint64_t wake_at)
{
	fds[nfds] = (struct pollfd){ .fd = ex->bell_fd, .events = POLLIN };
	struct timespec ts, *tsp = NULL;
	uint64_t now = dc_now();
	if (wake_at != DC_FOREVER) {
		uint64_t rel = wake_at > now ? wake_at - now : 0;
		ts.tv_sec = (time_t)(rel / 1000000000ull);
		ts.tv_nsec = (long)(rel % 1000000000ull);
		tsp = &ts;
	}
	/* A post that came before `sleeping` was published rang no bell. */
	if (atomic_load_explicit(&ex->doorbell, memory_order_seq_cst) != bell)
		return;
	dc_arch_syscall6(SYS_ppoll, (long)fds, nfds + 1, (long)tsp, 0, 8, 0);
	if (fds[nfds].revents) {
		uint64_t v;
		dc_arch_syscall6(SYS_read, ex->bell_fd, (long)&v, sizeof(v), 0, 0, 0);
	}
}

static void block_until(struct dc_executive *ex, uint64_t deadline)
{
	uint64_t now = dc_now();
	uint64_t wake_at = DC_FOREVER;
	if (deadline != DC_FOREVER) {
		if (deadline <= now)
			return;
		uint64_t margin = dc_margin_for(&ex->margin, deadline - now);
		if (!margin) {
			spin_until(ex, deadline);
			return;
		}
		wake_at = deadline - margin;
	}
	/* An event is due within microseconds (a forwarded call's answer): wait for it awake. */
	uint64_t poll = atomic_load_explicit(&ex->poll_until, memory_order_relaxed);
	if (now < poll) {
		spin_until(ex, poll < deadline ? poll : deadline);
		return;
	}

	struct pollfd fds[DC_SLEEP_FDS + 1];
	int nfds = dc_sources_wait_fds(ex, fds, DC_SLEEP_FDS);
	int how = nfds ? DC_SLEEP_POLL : DC_SLEEP_FUTEX;
	uint32_t bell = atomic_load_explicit(&ex->doorbell, memory_order_acquire);
	atomic_store_explicit(&ex->sleeping, how, memory_order_seq_cst);
	/* Pairs with dc_exec_wake(): wakers publish, then read `sleeping`. */
	if (have_work(ex) || dc_sources_poll(ex)) {
		atomic_store_explicit(&ex->sleeping, DC_SLEEP_AWAKE, memory_order_relaxed);
		return;
	}
	if (how == DC_SLEEP_FUTEX)
		dc_futex_wait(&ex->doorbell, bell, wake_at);
	else
		poll_sleep(ex, fds, nfds, bell, wake_at);
	atomic_store_explicit(&ex->sleeping, DC_SLEEP_AWAKE, memory_order_relaxed);

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
	if (ex->placement == DC_PLACEMENT_DEDICATED || dc_sources_need_polling(ex))
		spin_until(ex, deadline);
	else
		block_until(ex, deadline);
}
