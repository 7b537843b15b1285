/* SPDX-License-Identifier: MIT */
/*
 * Latency samples: a growable array of nanosecond values, the statistics
 * every report gives (min, avg, p50, p99, p99.9, p99.99, max), and the raw
 * sample files the tools exchange (one decimal ns value per line).
 */
#ifndef DC_TOOL_SAMPLES_H
#define DC_TOOL_SAMPLES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct samples {
	uint64_t *ns;
	size_t n, cap;
};

struct latency_stats {
	size_t samples;
	double min_us, avg_us, p50_us, p99_us, p999_us, p9999_us, max_us;
};

/* 0 or -ENOMEM. */
int samples_add(struct samples *s, uint64_t ns);
void samples_free(struct samples *s);

/*
 * Append the values of a sample file: one decimal ns value per line, blank
 * lines and lines starting with '#' ignored.  0, -errno from open, or
 * -EINVAL on a malformed line (nothing of that file is kept then).
 */
int samples_load(struct samples *s, const char *path);
/* Write every value, one per line.  0 or -errno. */
int samples_save(const struct samples *s, const char *path);

/*
 * Sorts s in place and fills st.  Percentiles are nearest-rank: the
 * smallest value with at least p of the samples at or below it.
 * -ENODATA when s is empty.
 */
int samples_stats(struct samples *s, struct latency_stats *st);
/* Nearest-rank percentile (0 < p <= 1) of sorted values, in ns. */
uint64_t samples_percentile(const uint64_t *sorted, size_t n, double p);

/*
 * cyclictest's histogram block (as `cyclictest -h BUCKETS` prints it, one
 * thread): 1 µs buckets 0..buckets-1, then Total, Min, Avg, Max and
 * Overflows lines.  Total counts the bucketed samples only, as in
 * cyclictest; Avg is over all of them.  Values are truncated to whole µs,
 * as cyclictest does.  s must be sorted (samples_stats sorts it).
 */
void samples_write_histogram(FILE *f, const struct samples *s, unsigned buckets);

struct json;
/* The statistics as JSON members min_us, avg_us, p50_us .. p9999_us, max_us. */
void samples_json_stats(struct json *j, const struct latency_stats *st);

#endif
