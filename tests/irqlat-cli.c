/* SPDX-License-Identifier: MIT */
/*
 * decouple irqlat: flag errors (exit 2 and a message that names the
 * problem), then, as root with a second CPU, a short run of the decoupled
 * ISR on the bridge path against the SCHED_FIFO timerfd reader whose text,
 * histogram, sample files and JSON are read back and checked, a forced
 * io_uring path that either works or fails clearly, and a run ended early
 * by SIGINT that still reports.  Run it under flock /tmp/decouple-cpu1.lock,
 * as `make check` is.
 */
#include "harness.h"
#include "tool_run.h"

#define LOOPS_STR "200"

static void usage_errors(void)
{
	CHECK_USAGE_ERROR("not a whole number", "irqlat", "-i", "abc");
	CHECK_USAGE_ERROR("out of range", "irqlat", "-i", "0");
	CHECK_USAGE_ERROR("out of range", "irqlat", "-l", "0");
	CHECK_USAGE_ERROR("out of range", "irqlat", "-t", "0");
	CHECK_USAGE_ERROR("out of range", "irqlat", "--rounds", "0");
	CHECK_USAGE_ERROR("unknown option", "irqlat", "--bogus");
	CHECK_USAGE_ERROR("unknown option", "irqlat", "-x");
	CHECK_USAGE_ERROR("CPU 999 does not exist", "irqlat", "-a", "999");
	CHECK_USAGE_ERROR("1..99", "irqlat", "-p", "0");
	CHECK_USAGE_ERROR("not a duration", "irqlat", "-D", "5x");
	CHECK_USAGE_ERROR("needs a value", "irqlat", "-i");
	CHECK_USAGE_ERROR("expected auto, uring or bridge", "irqlat", "--path", "nowhere");
	CHECK_USAGE_ERROR("'bogus': expected decoupled", "irqlat", "--variants", "decoupled,bogus");
	CHECK_USAGE_ERROR("expected dedicated", "irqlat", "--placement", "elsewhere");
	CHECK_USAGE_ERROR("needs -h", "irqlat", "--histfile", "/dev/null");
	CHECK_USAGE_ERROR("unexpected argument", "irqlat", "-l", "5", "stray");

	CHECK_EQ(tool_run("irqlat", "--help"), 0);
	char *out = tool_slurp(tool_file("out"));
	CHECK(out && strstr(out, "usage: decouple irqlat") && strstr(out, "--path") &&
	      strstr(out, "--variants"), "--help: %s", out ? out : "(none)");
	free(out);
}

/* "T: 0 (" lines in text: one per variant and thread. */
static int count_t_lines(const char *text)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, "T: 0 (")); p++)
		n++;
	return n;
}

static void bridge_run(int cpu)
{
	char cpus[16];
	snprintf(cpus, sizeof(cpus), "%d", cpu);
	const char *json = tool_file("irqlat.json"), *hist = tool_file("hist"),
		   *prefix = tool_file("s");
	int rc = tool_run("irqlat", "-a", cpus, "-l", LOOPS_STR, "-i", "1000", "--variants",
			  "decoupled,linux", "--path", "bridge", "-h", "500", "--histfile", hist,
			  "--json", json, "--samples", prefix);
	char *out = tool_slurp(tool_file("out")), *err = tool_slurp(tool_file("err"));
	CHECK_EQ(rc, 0);
	if (rc) {
		fprintf(stderr, "stderr: %s\n", err ? err : "");
		goto out;
	}
	CHECK(out && count_t_lines(out) == 2, "two summary lines expected: %s", out ? out : "");
	CHECK(out && strstr(out, "# decoupled: ") && strstr(out, "path bridge") &&
	      strstr(out, "# linux: ") && strstr(out, "periods without a wake-up") &&
	      strstr(out, "# interrupts: "), "text report: %s", out ? out : "");
	CHECK(out && !strstr(out, "# floor") && !strstr(out, "# cyclictest"),
	      "--variants not obeyed: %s", out ? out : "");

	char *h = tool_slurp(hist);
	CHECK(h && strstr(h, "# variant: decoupled\n# Histogram\n") &&
	      strstr(h, "# variant: linux\n# Histogram\n"), "histfile: %.300s", h ? h : "(none)");
	free(h);

	char path[PATH_MAX + 32];
	uint64_t mn, mx;
	snprintf(path, sizeof(path), "%s.decoupled", prefix);
	CHECK_EQ(tool_count_samples(path, &mn, &mx), 200);
	CHECK(mx > 0, "decoupled samples all zero");
	snprintf(path, sizeof(path), "%s.linux", prefix);
	CHECK_EQ(tool_count_samples(path, &mn, &mx), 200);
	CHECK(mx > 0, "linux samples all zero");

	int ok = tool_json_check(json,
		"x = d['decouple']\n"
		"assert x['tool'] == 'irqlat' and x['path'] == 'bridge', x\n"
		"assert x['path_requested'] == 'bridge' and x['interval_us'] == 1000, x\n"
		"v = d['variants']\n"
		"assert sorted(v) == ['decoupled', 'linux'], sorted(v)\n"
		"assert v['decoupled']['path'] == 'bridge', v['decoupled']\n"
		"assert 'path' not in v['linux']\n"
		"for k in v:\n"
		"    s = v[k]\n"
		"    assert s['samples'] == " LOOPS_STR ", (k, s['samples'])\n"
		"    assert s['p50_us'] > 0, (k, s['p50_us'])\n"
		"    assert s['min_us'] <= s['p50_us'] <= s['p99_us'] <= s['p999_us'] <= s['max_us'], s\n"
		"    assert isinstance(s['missed_periods'], int) and s['missed_periods'] >= 0, s\n"
		"    assert 0 <= s['missed_percent'] <= 100, s\n"
		"    assert s['irq_cpu'] is None or isinstance(s['irq_cpu'], int), s\n"
		"    loc = s['local_timer_interrupts']\n"
		"    assert sum(loc.values()) > 0, loc\n"
		"    assert sum(s['histogram'].values()) + s['histogram_overflows'] == s['samples']\n");
	if (ok < 0)
		printf("no python3: JSON not validated\n");
	else
		CHECK(ok == 1, "%s does not hold what the run measured", json);
out:
	free(out);
	free(err);
}

/* A forced io_uring path: measured on it, or a clear refusal (exit 1), never a silent bridge. */
static void uring_run(int cpu)
{
	char cpus[16];
	snprintf(cpus, sizeof(cpus), "%d", cpu);
	const char *json = tool_file("uring.json");
	int rc = tool_run("irqlat", "-a", cpus, "-l", "100", "-i", "1000", "--variants",
			  "decoupled", "--path", "uring", "-q", "--json", json);
	char *err = tool_slurp(tool_file("err"));
	if (rc == 1) {
		CHECK(err && strstr(err, "--path uring: not available"), "stderr: %s",
		      err ? err : "(none)");
		printf("the uring path is not available here: its refusal checked\n");
	} else {
		CHECK_EQ(rc, 0);
		int ok = tool_json_check(json,
			"v = d['variants']['decoupled']\n"
			"assert v['path'] == 'uring' and d['decouple']['path'] == 'uring', v\n"
			"assert v['samples'] == 100 and v['p50_us'] > 0, v\n");
		CHECK(ok != 0, "%s: not measured on the uring path", json);
	}
	free(err);
}

static void interrupted_run(int cpu)
{
	char cpus[16];
	snprintf(cpus, sizeof(cpus), "%d", cpu);
	const char *json = tool_file("int.json");
	pid_t pid = tool_start("irqlat", "-a", cpus, "-i", "1000", "-l", "1000000", "-q",
			       "--variants", "linux", "--json", json);
	struct timespec t = { 0, 700 * 1000 * 1000 };
	nanosleep(&t, NULL);
	kill(pid, SIGINT);
	CHECK_EQ(tool_wait(pid), 0);
	int ok = tool_json_check(json,
		"s = d['variants']['linux']['samples']\n"
		"assert 0 < s < 1000000, s\n"
		"assert d['decouple']['stopped'] is True\n");
	CHECK(ok != 0, "no valid JSON after SIGINT");
}

int main(void)
{
	tool_init("irqlat");
	usage_errors();
	tool_need_measuring("measuring needs a second CPU");
	test_skip_decoupled_under_tsan();
	int cpu = test_rt_cpu();
	bridge_run(cpu);
	uring_run(cpu);
	interrupted_run(cpu);
	if (!test_failures)
		tool_cleanup();
	return test_done();
}
