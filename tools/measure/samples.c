/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "samples.h"

int samples_add(struct samples *s, uint64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint64_t *p = realloc(s->ns, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->ns = p;
		s->cap = cap;
	}
	s->ns[s->n++] = ns;
	return 0;
}

void samples_free(struct samples *s)
{
	free(s->ns);
	s->ns = NULL;
	s->n = s->cap = 0;
}

static int parse_line(const char *line, uint64_t *ns)
{
	char *end;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line < '0' || *line > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(line, &end, 10);
	if (errno)
		return -EINVAL;
	while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
		end++;
	if (*end)
		return -EINVAL;
	*ns = v;
	return 0;
}

int samples_load(struct samples *s, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	size_t keep = s->n;
	char line[128];
	int ret = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		uint64_t ns;
		ret = parse_line(line, &ns);
		if (!ret)
			ret = samples_add(s, ns);
		if (ret)
			goto fail;
	}
	if (ferror(f)) {
		ret = -EIO;
		goto fail;
	}
	fclose(f);
	return 0;
fail:
	s->n = keep;
	fclose(f);
	return ret;
}

int samples_save(const struct samples *s, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%" PRIu64 "\n", s->ns[i]);
	/* fclose reports a full disk that buffered writes hid. */
	int failed = ferror(f);
	if (fclose(f) || failed)
		return -EIO;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

uint64_t samples_percentile(const uint64_t *sorted, size_t n, double p)
{
	if (!n)
		return 0;
	double rank = ceil(p * (double)n);
	size_t i = rank < 1 ? 0 : (size_t)rank - 1;
	return sorted[i < n ? i : n - 1];
}

int samples_stats(struct samples *s, struct latency_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!s->n)
		return -ENODATA;
	qsort(s->ns, s->n, sizeof(*s->ns), cmp_u64);
	long double sum = 0;
	for (size_t i = 0; i < s->n; i++)
		sum += s->ns[i];
	st->samples = s->n;
	st->min_us = s->ns[0] / 1e3;
	st->max_us = s->ns[s->n - 1] / 1e3;
	st->avg_us = (double)(sum / s->n) / 1e3;
	st->p50_us = samples_percentile(s->ns, s->n, 0.50) / 1e3;
	st->p99_us = samples_percentile(s->ns, s->n, 0.99) / 1e3;
	st->p999_us = samples_percentile(s->ns, s->n, 0.999) / 1e3;
	st->p9999_us = samples_percentile(s->ns, s->n, 0.9999) / 1e3;
	return 0;
}

void samples_write_histogram(FILE *f, const struct samples *s, unsigned buckets)
{
	uint64_t overflows, sum_us = 0;
	size_t i = 0;

	fprintf(f, "# Histogram\n");
	for (unsigned b = 0; b < buckets; b++) {
		uint64_t count = 0;
		while (i < s->n && s->ns[i] / 1000 == b) {
			count++;
			i++;
		}
		fprintf(f, "%06u %06" PRIu64 "\n", b, count);
	}
	overflows = s->n - i;
	for (size_t k = 0; k < s->n; k++)
		sum_us += s->ns[k] / 1000;
	uint64_t min = s->n ? s->ns[0] / 1000 : 0;
	uint64_t max = s->n ? s->ns[s->n - 1] / 1000 : 0;
	uint64_t avg = s->n ? sum_us / s->n : 0;
	/* cyclictest's Total counts only what fell into the buckets. */
	fprintf(f, "# Total: %09zu\n", i);
	fprintf(f, "# Min Latencies: %05" PRIu64 "\n", min);
	fprintf(f, "# Avg Latencies: %05" PRIu64 "\n", avg);
	fprintf(f, "# Max Latencies: %05" PRIu64 "\n", max);
	fprintf(f, "# Histogram Overflows: %05" PRIu64 "\n", overflows);
	/* Sorted samples no longer know their cycle numbers: none listed. */
	fprintf(f, "# Histogram Overflow at cycle number:\n# Thread 0:\n");
}

void samples_json_stats(struct json *j, const struct latency_stats *st)
{
	json_double(j, "min_us", st->min_us);
	json_double(j, "avg_us", st->avg_us);
	json_double(j, "p50_us", st->p50_us);
	json_double(j, "p99_us", st->p99_us);
	json_double(j, "p999_us", st->p999_us);
	json_double(j, "p9999_us", st->p9999_us);
	json_double(j, "max_us", st->max_us);
}
