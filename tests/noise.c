/* SPDX-License-Identifier: MIT */
/*
 * decouple noise: flag errors, then (as root, with a second CPU) the gap
 * mode's text and JSON report, and the deadline mode's sample file, whose
 * line count is the number of deadlines asked for.
 */
#include "harness.h"
#include "tool_run.h"

static void usage_errors(void)
{
	CHECK_USAGE_ERROR("CPU 999 does not exist", "noise", "-a", "999");
	CHECK_USAGE_ERROR("not a whole number", "noise", "--threshold", "abc");
	CHECK_USAGE_ERROR("it needs -i", "noise", "-l", "5");
	CHECK_USAGE_ERROR("not a duration", "noise", "-D", "1y");
	CHECK_USAGE_ERROR("1..99", "noise", "-p", "0");
	CHECK_USAGE_ERROR("unknown option", "noise", "--bogus");
	CHECK_EQ(tool_run("noise", "--help"), 0);
}

static void gap_mode(const char *cpu)
{
	const char *json = tool_file("noise.json");
	int rc = tool_run("noise", "-a", cpu, "-D", "1", "--threshold", "1", "-h", "100",
			  "--json", json, "-q");
	char *out = tool_slurp(tool_file("out"));
	CHECK_EQ(rc, 0);
	double secs = 0, per_s = -1;
	unsigned long gaps = 0;
	const char *line = out ? strstr(out, "# noise on CPU") : NULL;
	CHECK(line && sscanf(line, "# noise on CPU %*d: %lf s, %lu gaps > %*f us (%lf per second)",
			     &secs, &gaps, &per_s) == 3, "no noise line: %s", out ? out : "");
	CHECK(secs > 0.9 && secs < 1.5, "ran %.2f s for -D 1", secs);
	CHECK(out && strstr(out, "# Histogram\n") && strstr(out, "# Histogram Overflows:"),
	      "no histogram block: %s", out ? out : "");
	free(out);
	int ok = tool_json_check(json,
		"x = d['decouple']\n"
		"assert x['mode'] == 'gaps' and x['threshold_ns'] == 1000\n"
		"assert x['gaps'] >= x['gaps_kept'] >= 0 and x['gaps_per_second'] >= 0\n"
		"assert 0 <= x['noise_percent'] <= 100\n"
		"assert sum(x['histogram'].values()) + x['histogram_overflows'] == x['gaps_kept']\n"
		"assert x['gaps_kept'] == 0 or x['min_us'] <= x['p50_us'] <= x['p99_us'] <= x['max_us']\n"
		"assert x['gaps_kept'] == 0 or x['min_us'] > 1.0\n");
	if (ok < 0)
		printf("no python3: JSON not validated\n");
	else
		CHECK(ok == 1, "%s is not what the gap mode writes", json);
}

/* The bench contract: -p, -i, -D, -q, --samples; one line per deadline. */
static void deadline_mode(const char *cpu)
{
	const char *samples = tool_file("deadlines");
	uint64_t mn, mx;
	CHECK_EQ(tool_run("noise", "-a", cpu, "-p", "99", "-i", "500", "-l", "1000", "-q",
			  "--samples", samples), 0);
	CHECK_EQ(tool_count_samples(samples, &mn, &mx), 1000);

	CHECK_EQ(tool_run("noise", "-a", cpu, "-p", "99", "-i", "1000", "-D", "1", "-q",
			  "--samples", samples), 0);
	long n = tool_count_samples(samples, &mn, &mx);
	/* Deadlines a stall covered are skipped, as decouple lat does. */
	CHECK(n >= 500 && n <= 1000, "%ld deadlines in 1 s at 1 ms", n);
	/* A bare poll sees its deadline within a few clock reads unless something took the CPU. */
	CHECK(mn < 10000, "best deadline %llu ns late", (unsigned long long)mn);
	/*
	 * Measured as decouple lat measures: by a clock read after the poll
	 * returned, so never 0 (the crossing read alone often is).
	 */
	CHECK(mn > 0, "best deadline %llu ns late: the read after the poll is missing",
	      (unsigned long long)mn);
}

int main(void)
{
	tool_init("noise");
	usage_errors();
	tool_need_measuring("the poller needs a CPU of its own");
	char cpu[16];
	snprintf(cpu, sizeof(cpu), "%d", test_rt_cpu());
	gap_mode(cpu);
	deadline_mode(cpu);
	if (!test_failures)
		tool_cleanup();
	return test_done();
}
