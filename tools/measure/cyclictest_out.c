/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <string.h>
#include <sys/utsname.h>

#include "cyclictest_out.h"

void ct_write_line(FILE *f, const struct ct_line *l)
{
	/* Field widths as cyclictest prints them, so column-based parsers work. */
	fprintf(f, "T:%2d (%5d) P:%2d I:%ld C:%7lu Min:%7ld Act:%5ld Avg:%5ld Max:%8ld\n",
		l->thread, l->tid, l->prio, l->interval_us, l->cycles,
		l->min, l->act, l->avg, l->max);
}

static void fmt_time(char *buf, size_t len, time_t t)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%a, %d %b %Y %H:%M:%S +0000", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

void ct_json_begin(struct json *j, const struct ct_run *run)
{
	char cmd[4096] = "", buf[64];
	size_t used = 0;
	for (int i = 0; i < run->argc; i++) {
		int n = snprintf(cmd + used, sizeof(cmd) - used, "%s%s", i ? " " : "", run->argv[i]);
		if (n < 0 || (size_t)n >= sizeof(cmd) - used)
			break;	/* a cut command line is still a useful label */
		used += (size_t)n;
	}
	json_object_begin(j, NULL);
	json_int(j, "file_version", 1);
	/* rt-tests spells these two keys with a colon; parsers look them up so. */
	json_string(j, "cmdline:", cmd);
	json_string(j, "rt_test_version:", "decouple");
	fmt_time(buf, sizeof(buf), run->start);
	json_string(j, "start_time", buf);
	fmt_time(buf, sizeof(buf), run->end);
	json_string(j, "end_time", buf);
	json_int(j, "return_code", run->return_code);

	struct utsname u;
	if (uname(&u) == 0) {
		json_object_begin(j, "sysinfo");
		json_string(j, "sysname", u.sysname);
		json_string(j, "nodename", u.nodename);
		json_string(j, "release", u.release);
		json_string(j, "version", u.version);
		json_string(j, "machine", u.machine);
		json_int(j, "realtime", strstr(u.version, "PREEMPT_RT") != NULL);
		json_object_end(j);
	}
	json_int(j, "num_threads", 1);
	json_int(j, "resolution_in_ns", 0);
}

void ct_json_histogram(struct json *j, const struct samples *sorted, unsigned buckets)
{
	char key[24];
	size_t i = 0;
	json_object_begin(j, "histogram");
	while (i < sorted->n) {
		uint64_t b = sorted->ns[i] / 1000;
		if (b >= buckets)
			break;
		size_t k = i;
		while (k < sorted->n && sorted->ns[k] / 1000 == b)
			k++;
		snprintf(key, sizeof(key), "%" PRIu64, b);
		json_int(j, key, (long long)(k - i));
		i = k;
	}
	json_object_end(j);
	/* Not an rt-tests member: what fell beyond the last bucket. */
	if (buckets)
		json_int(j, "histogram_overflows", (long long)(sorted->n - i));
}

void ct_json_thread(struct json *j, const struct samples *sorted,
		    const struct latency_stats *st, unsigned buckets, int cpu)
{
	json_object_begin(j, "thread");
	json_object_begin(j, "0");
	ct_json_histogram(j, sorted, buckets);
	json_int(j, "cycles", (long long)sorted->n);
	json_int(j, "min", sorted->n ? (long long)(sorted->ns[0] / 1000) : 0);
	json_int(j, "max", sorted->n ? (long long)(sorted->ns[sorted->n - 1] / 1000) : 0);
	json_double(j, "avg", st->avg_us);
	json_int(j, "cpu", cpu);
	json_int(j, "node", 0);
	samples_json_stats(j, st);
}

void ct_json_thread_end(struct json *j)
{
	json_object_end(j);
	json_object_end(j);
}
