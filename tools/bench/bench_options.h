/* SPDX-License-Identifier: MIT */
/* The command line of `decouple bench`, and what it needs before it starts. */
#ifndef DC_TOOL_BENCH_OPTIONS_H
#define DC_TOOL_BENCH_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "bench_config.h"

#define BENCH_DEFAULT_LOAD	"hackbench -s 10000 -l 10000"

struct bench_opts {
	int duration;		/* seconds per configuration, all rounds together */
	int interval;		/* µs */
	int cpu;		/* the real-time CPU; -1 until bench_check_cpu() */
	int rounds;
	const char *out, *load;
	bool sel[BENCH_NSELECT];	/* configurations, then extras */
};

void bench_usage(FILE *f);

/* 0 to go on, -1 after --help or --list, or an exit status (2) after a message. */
int bench_parse_args(int argc, char **argv, struct bench_opts *o);

/* The real-time CPU: online, and not the only one (defaults to the last).  0 or an exit status. */
int bench_check_cpu(struct bench_opts *o);

/* cyclictest, hackbench and gnuplot where the selection needs them.  0, or 2 after saying how to install them. */
int bench_check_programs(const struct bench_opts *o);

#endif
