/* SPDX-License-Identifier: MIT */
/*
 * `decouple irqlat`: what the command (cmd_irqlat.c) measured, for its
 * report (irqlat_report.c).  One result per variant, the samples of each
 * of its threads over every round.
 */
#ifndef DC_TOOL_IRQLAT_H
#define DC_TOOL_IRQLAT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cyclictest_out.h"
#include "irqlat_measure.h"
#include "locirq.h"
#include "rtopts.h"

struct irqlat_opts {
	struct rtopts rt;	/* -a -p -D -h -q --histfile --json --samples */
	long interval_us;
	uint64_t loops;		/* per variant and thread, all rounds together; 0: none */
	int threads;
	int rounds;		/* 0: the default */
	enum dc_irq_path path;
	enum dc_placement placement;
	bool want[IRQLAT_NVARIANTS];
	bool variants_given;
	uint64_t floor_threshold_ns;
};

struct irqlat_result {
	bool selected;
	int turns;			/* turns it ran */
	struct irqlat_thread th[IRQLAT_MAX_THREADS];
	int nthreads;
	struct locirq loc;		/* local timer interrupts during its turns */
	double seconds;			/* its turns' wall-clock time */
	int path_used;			/* decoupled: the path of the last turn */
	struct dc_executive_stats st;	/* decoupled: the last turn's executive */
	int have_stats;
	/* after irqlat_report_stats() */
	struct samples all;		/* every thread's samples, sorted */
	struct latency_stats stats;
	uint64_t missed, early;
};

struct irqlat_run {
	struct irqlat_opts *o;
	struct irqlat_result r[IRQLAT_NVARIANTS];
	struct ct_run ct;
	int rounds;			/* rounds made */
	bool stopped;			/* by SIGINT or SIGTERM */
};

/* Merge and sort each variant's samples; fill its stats.  0 or -ENOMEM. */
int irqlat_report_stats(struct irqlat_run *run);
/* Summary lines, percentiles, histogram, --samples, --json.  0, or 1 if a file failed. */
int irqlat_report(struct irqlat_run *run);

#endif
