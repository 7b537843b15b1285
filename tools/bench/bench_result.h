/* SPDX-License-Identifier: MIT */
/* What `decouple bench` knows about one configuration, and about the run. */
#ifndef DC_TOOL_BENCH_RESULT_H
#define DC_TOOL_BENCH_RESULT_H

#include <stdbool.h>

#include "bench_config.h"
#include "samples.h"

enum bench_state {
	BENCH_PENDING,		/* nothing measured (yet) */
	BENCH_SKIPPED,		/* cannot run here: reason says why */
	BENCH_DONE,		/* measured: st holds its statistics */
	BENCH_FAILED,		/* tried, no samples: reason says why */
};

struct bench_result {
	const struct bench_config *cfg;
	bool selected;		/* named by --configs (all by default) */
	enum bench_state state;
	char reason[256];
	struct samples s;	/* every round's samples, in time order until stats sort them */
	struct latency_stats st;
	double cpu_s;		/* CPU time of the measuring processes, start-up and exit included */
	/*
	 * The measurement windows asked for.  Not the processes' wall-clock
	 * time: under load a tool's start-up (still SCHED_OTHER, on a
	 * housekeeping CPU full of hackbench) can take seconds without
	 * using the CPU, which would make any CPU percentage look smaller.
	 */
	double window_s;
	double wall_s;		/* the processes' wall-clock time, start to reaping */
	double expected;	/* samples the requested windows hold: seconds / interval */
	int slots;		/* measurements made */
	size_t missing;		/* cycles cyclictest numbered but never printed */
	/* Interrupt configurations (irqlat's --json of each measurement). */
	unsigned long long missed_periods;	/* periods that passed without a wake-up */
	char irq_path[16];	/* decoupled-irq: the delivery path irqlat reported */
	int irq_cpu;		/* the CPU that took most local timer interrupts; -1: unknown */
};

/* An extra (bench_config.h): a child tool run once, its --json report kept. */
struct bench_extra {
	const char *name;	/* bench_extra_names[] */
	bool selected;
	enum bench_state state;
	char reason[256];
	char *json;		/* its report, checked to be valid JSON; BENCH_DONE only */
	double wall_s;		/* from start to reaping */
};

static inline double bench_cpu_percent(const struct bench_result *r)
{
	return r->window_s > 0 ? 100.0 * r->cpu_s / r->window_s : 0;
}

struct bench_params {
	int duration_s;		/* per configuration, all rounds together */
	int interval_us;
	int cpu;
	int rounds;
	const char *load;
	const char *out;
	char started[32];	/* UTC, ISO 8601 */
	char command[1024];
	double total_s;		/* the whole run */
	int interrupted;	/* the signal that stopped the run, or 0 */
	int load_left;		/* load processes found after stopping it (should be 0) */
	int isolations;		/* times the CPU was isolated */
	int release_failed;	/* a `decouple release` did not restore everything */
};

#endif
