/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lat_measure.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;
	/* vDSO: no kernel entry on a TSC or kvm-clock machine. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The measuring loop, decoupled: dc_now, dc_sleep_until and stores only. */
static void measure(struct lat_measure *m)
{
	uint64_t start = dc_now();
	uint64_t end = m->duration_ns ? start + m->duration_ns : UINT64_MAX;
	uint64_t next = start + m->interval_ns;
	size_t limit = m->s.cap;
	if (m->loops && m->loops < limit)
		limit = (size_t)m->loops;

	while (m->s.n < limit && next <= end &&
	       !atomic_load_explicit(m->stop, memory_order_relaxed)) {
		int err = dc_sleep_until(next);
		uint64_t now = dc_now();
		uint64_t mono = mono_ns();
		if (err) {
			m->err = err;
			return;
		}
		uint64_t lat = 0;
		if (now >= next)
			lat = now - next;
		else
			m->early++;
		uint64_t diff = mono > now ? mono - now : now - mono;
		if (diff > m->mono_max_diff_ns)
			m->mono_max_diff_ns = diff;
		if (mono + 2000 < next)
			m->mono_early++;
		m->s.ns[m->s.n++] = lat;
		rtm_live_publish(&m->live, lat);

		next = rtm_next_deadline(next, now, m->interval_ns, &m->skipped);
	}
}

static void *lat_thread(void *arg)
{
	struct lat_measure *m = arg;
	atomic_store(&m->tid, (int)syscall(SYS_gettid));
	struct dc_executive_attr attr = {
		.placement = m->placement,
		.sched_priority = m->prio,
	};
	m->err = dc_executive_configure(m->cpu, &attr);
	if (!m->err)
		m->err = dc_decouple(m->cpu, m->prio);
	if (!m->err) {
		measure(m);
		int err = dc_recouple();
		if (!m->err)
			m->err = err;
		/* After the last thread left, the executive has stopped: final totals. */
		m->have_stats = dc_executive_stats(m->cpu, &m->st) == 0;
	}
	atomic_store_explicit(&m->finished, 1, memory_order_release);
	return NULL;
}

int lat_measure_start(struct lat_measure *m, size_t max_samples)
{
	if (rtm_samples_prealloc(&m->s, max_samples))
		return -ENOMEM;
	m->err = 0;
	m->skipped = m->early = m->mono_max_diff_ns = m->mono_early = 0;
	m->have_stats = 0;
	rtm_live_reset(&m->live);
	atomic_store(&m->finished, 0);

	/* Signals go to the caller's thread, which reports; never to the decoupled one. */
	int err = rtm_thread_start(&m->thread, lat_thread, m);
	if (err) {
		samples_free(&m->s);
		return err;
	}
	return 0;
}

void lat_measure_join(struct lat_measure *m)
{
	pthread_join(m->thread, NULL);
}

void lat_measure_free(struct lat_measure *m)
{
	samples_free(&m->s);
}
