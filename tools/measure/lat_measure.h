/* SPDX-License-Identifier: MIT */
/*
 * The measuring thread of `decouple lat`: a thread decoupled onto one
 * executive that sleeps until absolute deadlines (dc_sleep_until) and
 * records how late each wake-up was (dc_now() after it, minus the
 * deadline).  Sample storage is allocated and touched before the thread
 * decouples: the loop itself allocates nothing and enters no Linux call.
 */
#ifndef DC_TOOL_LAT_MEASURE_H
#define DC_TOOL_LAT_MEASURE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "decouple.h"
#include "rtmeasure.h"
#include "samples.h"

struct lat_measure {
	/* set by the caller */
	int cpu;
	int prio;			/* executive SCHED_FIFO 1..99; the thread gets the same */
	enum dc_placement placement;
	uint64_t interval_ns;
	uint64_t loops;			/* 0: until duration, stop or full storage */
	uint64_t duration_ns;		/* 0: no limit */
	_Atomic int *stop;		/* raised by a signal handler */

	/* results, valid after lat_measure_join() */
	int err;			/* 0, or -errno from dc_decouple() and friends */
	_Atomic int tid;		/* the measuring thread's Linux tid */
	struct samples s;		/* lateness in ns, in wake-up order */
	uint64_t skipped;		/* deadlines already past when the last wake-up came */
	uint64_t early;			/* wake-ups before the deadline (dc_now) */
	uint64_t mono_max_diff_ns;	/* |CLOCK_MONOTONIC - dc_now()| right after a wake-up */
	uint64_t mono_early;		/* wake-ups > 2 µs early by CLOCK_MONOTONIC */
	struct dc_executive_stats st;
	int have_stats;

	struct rtm_live live;		/* for the progress line */
	_Atomic int finished;

	pthread_t thread;
};

/*
 * Allocate and prefault storage for every sample the run can take (at most
 * `max_samples`), then start the thread.  0 or -errno.
 */
int lat_measure_start(struct lat_measure *m, size_t max_samples);
/* Wait for the thread; m->err says how it went. */
void lat_measure_join(struct lat_measure *m);
void lat_measure_free(struct lat_measure *m);

#endif
