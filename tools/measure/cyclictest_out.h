/* SPDX-License-Identifier: MIT */
/*
 * cyclictest's output formats, so that parsers written for rt-tests read
 * the measuring tools' results unchanged: the per-thread summary line
 * ("T: 0 ( 1234) P:99 I:200 C: ..."), and its JSON report (file_version 1)
 * with one thread "0".  The histogram block is samples_write_histogram().
 */
#ifndef DC_TOOL_CYCLICTEST_OUT_H
#define DC_TOOL_CYCLICTEST_OUT_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "json.h"
#include "samples.h"

/* Values in the unit the line shows (µs, or ns with -N). */
struct ct_line {
	int thread;
	int tid;
	int prio;
	long interval_us;
	unsigned long cycles;
	long min, act, avg, max;
};
void ct_write_line(FILE *f, const struct ct_line *l);

struct ct_run {
	int argc;
	char **argv;		/* the command line, as "cmdline:" */
	time_t start, end;
	int return_code;
};

/*
 * Open the report's top-level object and write rt-tests' header members
 * (file_version, cmdline, times, sysinfo, num_threads, resolution_in_ns).
 */
void ct_json_begin(struct json *j, const struct ct_run *run);

/*
 * The "histogram" member: sample count per 1 us bucket below `buckets`
 * (none when 0), then "histogram_overflows" when buckets is nonzero.
 * sorted must be sorted.
 */
void ct_json_histogram(struct json *j, const struct samples *sorted, unsigned buckets);

/*
 * Open thread."0" and write its rt-tests members: histogram (1 µs buckets
 * 0..buckets-1 with a nonzero count, keyed by bucket; empty when buckets is
 * 0), cycles, min, max (whole µs), avg (µs), cpu, node; then p50_us, p99_us,
 * p999_us, p9999_us with sub-µs resolution.  `sorted` as samples_stats()
 * leaves it.  The caller may add members, then calls ct_json_thread_end().
 */
void ct_json_thread(struct json *j, const struct samples *sorted,
		    const struct latency_stats *st, unsigned buckets, int cpu);
void ct_json_thread_end(struct json *j);

#endif
