/* SPDX-License-Identifier: MIT */
/*
 * The polling loops of `decouple noise`, on one thread pinned to the CPU
 * under test at SCHED_FIFO (inside the partition when there is one):
 *
 * gaps:     read the clock as fast as possible; every step between two reads
 *           longer than the threshold is time the CPU was taken away (an
 *           interrupt, the tick, an SMI, the host preempting the vCPU).
 * deadlines: a deadline every interval, waited for by polling the clock;
 *           then one more clock read, minus the deadline, is its lateness.
 *           That is `decouple lat` with dc_sleep_until() replaced by a bare
 *           poll: the floor a spinning decoupled thread can reach, sample
 *           for sample comparable (same clock, same read after the wait,
 *           same deadline and skipping rules).
 *
 * Storage is allocated and touched before the loop starts.
 */
#ifndef DC_TOOL_NOISE_MEASURE_H
#define DC_TOOL_NOISE_MEASURE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "rtmeasure.h"
#include "samples.h"

struct noise_measure {
	/* set by the caller */
	int cpu;
	int prio;			/* SCHED_FIFO 1..99 */
	uint64_t duration_ns;		/* 0: no limit (deadline mode with loops) */
	uint64_t threshold_ns;		/* gap mode */
	uint64_t interval_ns;		/* nonzero: deadline mode */
	uint64_t loops;			/* deadline mode: 0 = until duration or stop */
	_Atomic int *stop;

	/* results, after noise_measure_join() */
	int err;			/* setting the thread up: -errno */
	int tid;
	struct samples s;		/* gaps, or lateness per deadline, in ns, in order */
	uint64_t dropped;		/* gaps beyond the storage (counted, not kept) */
	uint64_t gap_total_ns;		/* all gaps above the threshold, dropped included */
	uint64_t gap_count;
	uint64_t reads;			/* clock reads made */
	uint64_t elapsed_ns;
	uint64_t skipped;		/* deadline mode: deadlines already past */

	struct rtm_live live;		/* for the progress line */
	_Atomic int finished;

	pthread_t thread;
};

int noise_measure_start(struct noise_measure *m, size_t max_samples);
void noise_measure_join(struct noise_measure *m);
void noise_measure_free(struct noise_measure *m);

#endif
