/* SPDX-License-Identifier: MIT */
/*
 * The cyclictest variant of `decouple irqlat`: one turn of rt-tests'
 * cyclictest (-m -a CPU -p PRIO -i US -d 0 -t N -l LOOPS -q -v -N) as a
 * child process in its own process group, the way `decouple bench` runs
 * it (bench_run.h), its per-wake-up lines parsed into the threads' samples
 * (cyclictest_parse.h).  cyclictest sleeps until absolute deadlines on
 * CLOCK_MONOTONIC: its wake-up is also the hrtimer interrupt, served by
 * Linux's scheduler.
 */
#ifndef DC_TOOL_IRQLAT_CYCLICTEST_H
#define DC_TOOL_IRQLAT_CYCLICTEST_H

#include <stdatomic.h>
#include <stdint.h>

#include "irqlat_measure.h"

struct irqlat_ct {
	/* set by the caller */
	int cpu, prio, nthreads;
	uint64_t period_ns;
	uint64_t loops;			/* per thread, this turn */
	_Atomic int *stop;
	struct irqlat_thread *th;	/* nthreads of them */
	void (*tick)(void *ctx, double elapsed);	/* every 100 ms, or NULL */
	void *ctx;

	/* results */
	int status;			/* cyclictest's exit status, 128 + signal */
	char why[256];			/* its last line, when it gave no samples */
};

/* Whether `cyclictest` is in PATH. */
int irqlat_cyclictest_found(void);

/* One turn.  0 (samples added; c->status says how it ended), or -errno. */
int irqlat_cyclictest_turn(struct irqlat_ct *c);

#endif
