/* SPDX-License-Identifier: MIT */
/*
 * What decouple lat and decouple noise have in common: the options both
 * take with the same meaning (-a, -p, -D, -h, -q, --histfile, --json,
 * --samples, --help), the checks after getopt, and the report files and
 * messages of a run on one real-time CPU.  Each command keeps what is its
 * own (-i, -l, its report lines); one parser keeps the shared messages
 * word for word alike.
 */
#ifndef DC_TOOL_RTOPTS_H
#define DC_TOOL_RTOPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "decouple.h"
#include "json.h"
#include "samples.h"

/* getopt_long values of the shared long-only options; a command's own start at RTOPT_OWN. */
enum {
	RTOPT_HISTFILE = 256,
	RTOPT_JSON,
	RTOPT_SAMPLES,
	RTOPT_HELP,
	RTOPT_OWN,
};

/* The shared entries of a command's getopt_long table; it adds its own and the end. */
#define RTOPTS_LONGOPTS \
	{ "affinity",  required_argument, NULL, 'a' }, \
	{ "priority",  required_argument, NULL, 'p' }, \
	{ "duration",  required_argument, NULL, 'D' }, \
	{ "histogram", required_argument, NULL, 'h' }, \
	{ "histfile",  required_argument, NULL, RTOPT_HISTFILE }, \
	{ "quiet",     no_argument,       NULL, 'q' }, \
	{ "json",      required_argument, NULL, RTOPT_JSON }, \
	{ "samples",   required_argument, NULL, RTOPT_SAMPLES }, \
	{ "help",      no_argument,       NULL, RTOPT_HELP }

struct rtopts {
	int cpu;
	bool cpu_set;		/* -a given; else rtopts_default_cpu() */
	int prio;
	uint64_t duration_ns;	/* -D; 0: none given */
	unsigned buckets;	/* -h; 0: no histogram */
	const char *histfile, *json, *samples;
	bool quiet;
};

/* Zero, and SCHED_FIFO 99; then optind = 1 and opterr = 0 for the caller's loop. */
void rtopts_init(struct rtopts *o);

/*
 * One getopt_long result that is not the command's own: -a, -p, -D, -h,
 * -q, the RTOPT_* options, and the ':' and '?' errors (printed, with
 * "Try 'PROG --help'.").  0 taken, 1 --help, -EINVAL.
 */
int rtopts_option(const char *prog, int c, char **argv, struct rtopts *o);

/* After the loop: no operands, and --histfile only with -h.  0 or -EINVAL. */
int rtopts_check(const char *prog, int argc, char **argv, const struct rtopts *o);

/* Without -a: the library's first real-time CPU.  0 or -EINVAL. */
int rtopts_default_cpu(const char *prog, struct rtopts *o);

/* SIGINT and SIGTERM end the run early; 0, or 1 with the message printed. */
int rtopts_stopsig(const char *prog);

/* --placement's word: dedicated, shared or auto.  0, or -EINVAL with a message. */
int rtopts_placement(const char *prog, const char *arg, enum dc_placement *out);

/*
 * The measuring thread could not be set up on o->cpu: one message for
 * err.  rlimit_prio > 0 names the RLIMIT_RTPRIO the priority needs; `what`
 * ends the message of any other error ("cannot <what> CPU 3: ...").
 */
void rtopts_setup_error(const char *prog, int err, int cpu, int rlimit_prio, const char *what);

/* --samples: every sample, in order.  0, or 1 with the message printed. */
int rtopts_save_samples(const char *prog, const struct rtopts *o, const struct samples *s);

/* -h: the histogram block to stdout or --histfile; s sorted.  0 or -errno, printed. */
int rtopts_write_histogram(const char *prog, const struct rtopts *o, const struct samples *s);

/* --json: open the file for j, or NULL with the message printed. */
FILE *rtopts_json_open(const char *prog, const struct rtopts *o, struct json *j);
/* Close it; 0, or -EIO with the message printed when any write failed. */
int rtopts_json_close(const char *prog, const struct rtopts *o, FILE *f);

#endif
