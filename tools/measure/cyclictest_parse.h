/* SPDX-License-Identifier: MIT */
/*
 * The output of `cyclictest -v -N`: one line per wake-up, "THREAD: CYCLE:
 * NS" (each field right-aligned), among header lines and a closing
 * "T: 0 (...) ... Max: NS" summary per thread.
 */
#ifndef DC_TOOL_CYCLICTEST_PARSE_H
#define DC_TOOL_CYCLICTEST_PARSE_H

#include <stdint.h>

#include "samples.h"

struct cyclictest_info {
	size_t samples;		/* sample lines of thread 0 kept */
	size_t missing;		/* cycles skipped in the numbering (buffer overrun) */
	size_t other;		/* lines that are neither samples nor a summary */
	uint64_t summary_cycles;	/* "C:" of the summary, 0 when there is none */
	uint64_t summary_max_ns;	/* "Max:" of the summary */
};

/*
 * One line: 1 and the fields for a sample line, 0 for anything else.
 * A negative latency (which cyclictest prints for a clock step) is kept
 * as 0: the thread was not late.
 */
int cyclictest_parse_line(const char *line, unsigned *thread, uint64_t *cycle, uint64_t *ns);

/*
 * Append the samples of thread 0 in the output file `path` to s.
 * 0, -errno from open, or -ENOMEM.  info may be NULL.
 */
int cyclictest_parse_file(const char *path, struct samples *s, struct cyclictest_info *info);

#endif
