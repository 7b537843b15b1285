/* SPDX-License-Identifier: MIT */
/*
 * decouple lat: flag errors, then (as root, with a second CPU) a run whose
 * summary line, histogram block, JSON and sample file are read back and
 * checked against each other, a run on the dedicated placement, and a run
 * ended early by SIGINT that still reports.
 */
#include "harness.h"
#include "tool_run.h"

#define LOOPS 2000
#define LOOPS_STR "2000"

static void usage_errors(void)
{
	CHECK_USAGE_ERROR("not a whole number", "lat", "-i", "abc");
	CHECK_USAGE_ERROR("not a whole number", "lat", "-l", "12x");
	CHECK_USAGE_ERROR("unknown option", "lat", "--bogus");
	CHECK_USAGE_ERROR("unknown option", "lat", "-x");
	CHECK_USAGE_ERROR("CPU 999 does not exist", "lat", "-a", "999");
	CHECK_USAGE_ERROR("1..99", "lat", "-p", "0");
	CHECK_USAGE_ERROR("1..99", "lat", "-p", "100");
	CHECK_USAGE_ERROR("not a duration", "lat", "-D", "5x");
	CHECK_USAGE_ERROR("needs a value", "lat", "-i");
	CHECK_USAGE_ERROR("expected dedicated", "lat", "--placement", "elsewhere");
	CHECK_USAGE_ERROR("needs -h", "lat", "--histfile", "/dev/null");
	CHECK_USAGE_ERROR("unexpected argument", "lat", "-l", "5", "stray");

	CHECK_EQ(tool_run("lat", "--help"), 0);
	char *out = tool_slurp(tool_file("out"));
	CHECK(out && strstr(out, "usage: decouple lat") && strstr(out, "--samples"),
	      "--help: %s", out ? out : "(none)");
	free(out);
}

struct t_line {
	long cycles, min, avg, max;
};

static int parse_t_line(const char *text, struct t_line *t)
{
	const char *p = strstr(text, "T: 0 (");
	int prio, tid;
	long interval, act;
	return p && sscanf(p, "T: 0 (%d) P:%d I:%ld C:%ld Min:%ld Act:%ld Avg:%ld Max:%ld",
			   &tid, &prio, &interval, &t->cycles, &t->min, &act, &t->avg,
			   &t->max) == 8 ? 0 : -1;
}

/* The histogram block: the buckets add up to Total; Total + Overflows is every sample. */
static void check_histogram(const char *text, unsigned buckets, const struct t_line *t)
{
	const char *p = strstr(text, "# Histogram\n");
	CHECK(p != NULL, "no histogram block");
	if (!p)
		return;
	p += strlen("# Histogram\n");
	unsigned b, expect = 0;
	long count, sum = 0, total = -1, mn = -1, avg = -1, mx = -1, over = -1;
	int used;
	while (sscanf(p, "%u %ld\n%n", &b, &count, &used) == 2) {
		CHECK_EQ(b, expect);
		expect++;
		sum += count;
		p += used;
	}
	CHECK_EQ(expect, buckets);
	CHECK(sscanf(p, "# Total: %ld\n# Min Latencies: %ld\n# Avg Latencies: %ld\n"
		     "# Max Latencies: %ld\n# Histogram Overflows: %ld", &total, &mn, &avg, &mx,
		     &over) == 5, "histogram trailer: %.200s", p);
	CHECK_EQ(sum, total);
	CHECK_EQ(total + over, LOOPS);
	CHECK_EQ(mn, t->min);
	CHECK_EQ(mx, t->max);
	CHECK(mn <= avg && avg <= mx, "min %ld avg %ld max %ld", mn, avg, mx);
}

static void measured_run(int cpu)
{
	char cpus[16];
	snprintf(cpus, sizeof(cpus), "%d", cpu);
	const char *json = tool_file("lat.json"), *hist = tool_file("hist"),
		   *samples = tool_file("samples");
	int rc = tool_run("lat", "-a", cpus, "-p", "99", "-i", "500", "-l", LOOPS_STR, "-m",
			  "-h", "1000", "--histfile", hist, "--json", json, "--samples", samples);
	char *out = tool_slurp(tool_file("out")), *err = tool_slurp(tool_file("err"));
	CHECK_EQ(rc, 0);
	if (rc) {
		fprintf(stderr, "stderr: %s\n", err ? err : "");
		goto out;
	}
	struct t_line t;
	CHECK(out && parse_t_line(out, &t) == 0, "no summary line: %s", out ? out : "");
	CHECK_EQ(t.cycles, LOOPS);
	CHECK(t.min <= t.avg && t.avg <= t.max, "min %ld avg %ld max %ld", t.min, t.avg, t.max);
	CHECK(strstr(out, "# p50 ") != NULL, "no percentile line: %s", out);

	char *h = tool_slurp(hist);
	CHECK(h != NULL, "no histogram file");
	if (h)
		check_histogram(h, 1000, &t);
	free(h);

	uint64_t mn, mx;
	CHECK_EQ(tool_count_samples(samples, &mn, &mx), LOOPS);
	CHECK_EQ((long)(mn / 1000), t.min);
	CHECK_EQ((long)(mx / 1000), t.max);

	int ok = tool_json_check(json,
		"t = d['thread']['0']\n"
		"assert d['file_version'] == 1 and d['num_threads'] == 1\n"
		"assert t['cycles'] == " LOOPS_STR ", t['cycles']\n"
		"assert t['min'] <= t['avg'] <= t['max'] + 1, (t['min'], t['avg'], t['max'])\n"
		"assert t['min_us'] <= t['p50_us'] <= t['p99_us'] <= t['p999_us'] <= t['p9999_us'] <= t['max_us']\n"
		"assert sum(t['histogram'].values()) + t['histogram_overflows'] == t['cycles']\n"
		"assert all(0 <= int(k) < 1000 for k in t['histogram'])\n"
		"x = d['decouple']\n"
		"assert x['samples'] == " LOOPS_STR " and x['placement'] in ('shared', 'dedicated')\n"
		"assert 0 <= x['executive']['spin_percent'] <= 100.5\n"
		"assert x['clock_check']['early_by_monotonic'] == 0\n"
		"assert x['early_wakeups'] == 0\n");
	if (ok < 0)
		printf("no python3: JSON not validated\n");
	else
		CHECK(ok == 1, "%s does not hold what the text output says", json);
out:
	free(out);
	free(err);
}

/* The bench contract: -D, --placement, --samples, -q. */
static void dedicated_run(int cpu)
{
	char cpus[16];
	snprintf(cpus, sizeof(cpus), "%d", cpu);
	const char *samples = tool_file("dedicated.samples");
	int rc = tool_run("lat", "-a", cpus, "-p", "99", "-i", "1000", "-D", "1", "-q",
			  "--placement", "dedicated", "--samples", samples);
	CHECK_EQ(rc, 0);
	uint64_t mn, mx;
	long n = tool_count_samples(samples, &mn, &mx);
	/* RT throttling or the host may stall it: deadlines are skipped, never doubled. */
	CHECK(n >= 500 && n <= 1000, "%ld samples in 1 s at 1 ms", n);
	char *out = tool_slurp(tool_file("out"));
	struct t_line t;
	CHECK(out && parse_t_line(out, &t) == 0 && t.cycles == n, "-q summary: %s", out ? out : "");
	CHECK(out && !strstr(out, "# p50"), "-q printed more than the summary: %s", out ? out : "");
	free(out);
}

/* Without the right to SCHED_FIFO: a runtime error (1) that says what is missing. */
static void unprivileged_run(int cpu)
{
	char cpus[16];
	snprintf(cpus, sizeof(cpus), "%d", cpu);
	tool_as_uid = 65534;	/* nobody: no capabilities, RLIMIT_RTPRIO 0 */
	int rc = tool_run("lat", "-a", cpus, "-i", "1000", "-l", "10", "-q");
	tool_as_uid = 0;
	if (rc == 127) {
		printf("nobody cannot execute %s here: unprivileged run not checked\n", tool_path);
		return;
	}
	char *err = tool_slurp(tool_file("err"));
	CHECK_EQ(rc, 1);
	CHECK(err && strstr(err, "permission"), "stderr: %s", err ? err : "(none)");
	free(err);
}

static void interrupted_run(int cpu)
{
	char cpus[16];
	snprintf(cpus, sizeof(cpus), "%d", cpu);
	const char *samples = tool_file("int.samples"), *json = tool_file("int.json");
	pid_t pid = tool_start("lat", "-a", cpus, "-i", "1000", "-l", "1000000", "-q",
			       "--samples", samples, "--json", json);
	struct timespec t = { 0, 500 * 1000 * 1000 };
	nanosleep(&t, NULL);
	kill(pid, SIGINT);
	CHECK_EQ(tool_wait(pid), 0);
	uint64_t mn, mx;
	long n = tool_count_samples(samples, &mn, &mx);
	CHECK(n > 0 && n < 1000000, "%ld samples after SIGINT", n);
	int ok = tool_json_check(json, "assert d['thread']['0']['cycles'] > 0");
	CHECK(ok != 0, "no valid JSON after SIGINT");
}

int main(void)
{
	tool_init("lat");
	usage_errors();
	tool_need_measuring("measuring needs a second CPU");
	test_skip_decoupled_under_tsan();
	int cpu = test_rt_cpu();
	measured_run(cpu);
	dedicated_run(cpu);
	unprivileged_run(cpu);
	interrupted_run(cpu);
	if (!test_failures)
		tool_cleanup();
	return test_done();
}
