/* SPDX-License-Identifier: MIT */
/*
 * What the measuring threads of `decouple lat` and `decouple noise` share:
 * the live figures the reporting thread reads for its progress line, the
 * absolute-deadline rule (a stall skips the deadlines it covered), sample
 * storage touched before the loop runs, and a thread that takes no
 * signals.  One copy keeps lat and noise's deadline mode comparable sample
 * for sample.
 */
#ifndef DC_TOOL_RTMEASURE_H
#define DC_TOOL_RTMEASURE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "samples.h"

/* Written by the measuring thread only, read by the reporter: relaxed atomics. */
struct rtm_live {
	_Atomic uint64_t done, act_ns, min_ns, max_ns, sum_ns;
};

void rtm_live_reset(struct rtm_live *l);

/* One more value.  Inline: it runs inside the measuring loop. */
static inline void rtm_live_publish(struct rtm_live *l, uint64_t v)
{
	uint64_t n = atomic_load_explicit(&l->done, memory_order_relaxed);
	if (!n || v < atomic_load_explicit(&l->min_ns, memory_order_relaxed))
		atomic_store_explicit(&l->min_ns, v, memory_order_relaxed);
	if (v > atomic_load_explicit(&l->max_ns, memory_order_relaxed))
		atomic_store_explicit(&l->max_ns, v, memory_order_relaxed);
	atomic_store_explicit(&l->act_ns, v, memory_order_relaxed);
	atomic_store_explicit(&l->sum_ns,
			      atomic_load_explicit(&l->sum_ns, memory_order_relaxed) + v,
			      memory_order_relaxed);
	atomic_store_explicit(&l->done, n + 1, memory_order_relaxed);
}

/*
 * The deadline after `next`, which was met at `now`.  Absolute deadlines,
 * as cyclictest's: the period does not drift with the lateness.  Deadlines
 * that passed while the thread was kept from running are skipped (and
 * added to *skipped), so that one long stall is one late sample, not a
 * burst of them.
 */
static inline uint64_t rtm_next_deadline(uint64_t next, uint64_t now, uint64_t interval_ns,
					 uint64_t *skipped)
{
	next += interval_ns;
	if (next <= now) {
		uint64_t missed = (now - next) / interval_ns + 1;
		*skipped += missed;
		next += missed * interval_ns;
	}
	return next;
}

/*
 * Storage for max_samples values, every page touched now so that the loop
 * never faults one in.  0 or -ENOMEM.
 */
int rtm_samples_prealloc(struct samples *s, size_t max_samples);

/*
 * Start fn(arg) with every signal blocked: SIGINT and SIGTERM go to the
 * caller's thread, which raises the stop flag and reports.  0 or -errno.
 */
int rtm_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
