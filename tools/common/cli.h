/* SPDX-License-Identifier: MIT */
/*
 * Command-line values of the measuring tools: numbers, cyclictest-style
 * durations and CPUs.  Each parser prints one clear message on stderr,
 * "PROG: OPT: why", and returns -EINVAL (-ENODEV for a CPU that is not
 * there), so that a command only has to map a failure to exit status 2.
 */
#ifndef DC_TOOL_CLI_H
#define DC_TOOL_CLI_H

#include <stdint.h>

/* A decimal integer in [min, max]. */
int cli_int(const char *prog, const char *opt, const char *arg,
	    long long min, long long max, long long *out);

/*
 * A duration as cyclictest's -D takes it: plain seconds, or a number with
 * one suffix s, m, h or d (case-insensitive).  Nonzero, in nanoseconds.
 */
int cli_duration(const char *prog, const char *opt, const char *arg, uint64_t *ns);

/* A CPU that exists and is online (under DC_SYSROOT). */
int cli_cpu(const char *prog, const char *opt, const char *arg, int *cpu);

/*
 * Move the calling thread off `cpu` when its affinity has another CPU, so
 * that a measuring thread at SCHED_FIFO there does not starve the thread
 * that reports.  0, or -errno (nothing changed).
 */
int cli_keep_off_cpu(int cpu);

#endif
