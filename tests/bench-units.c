/* SPDX-License-Identifier: MIT */
/*
 * decouple bench without measuring: the cyclictest -v -N parser on real
 * captured output, configuration names, option errors (exit 2), the
 * histogram bins of the figures, and summary.json / summary.md read back.
 */
#include <errno.h>
#include <grp.h>
#include <math.h>
#include <sys/resource.h>

#include "bench_config.h"
#include "bench_plot.h"
#include "bench_report.h"
#include "commands.h"
#include "cyclictest_parse.h"
#include "partition_fake.h"

static char tmp[] = "/tmp/dc-bench-units.XXXXXX";

/* tests/data/NAME, from the source tree this test was built in (BUILD/tests/../../tests/data). */
static void data_path(char *buf, size_t len, const char *name)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	snprintf(buf, len, "tests/data/%s", name);
	if (access(buf, R_OK) == 0 || n <= 0)
		return;
	exe[n] = 0;
	for (int up = 0; up < 3; up++)
		*strrchr(exe, '/') = 0;
	snprintf(buf, len, "%s/tests/data/%s", exe, name);
}

static void test_parse_real(void)
{
	struct samples s = { 0 };
	struct cyclictest_info info;
	char path[PATH_MAX + 64];
	/* cyclictest -m -a 1 -p 99 -i 10000 -d 0 -D 1 -q -v -N on the project's VM */
	data_path(path, sizeof(path), "cyclictest-v-N.txt");
	int err = cyclictest_parse_file(path, &s, &info);
	CHECK(err == 0, "%s: %s", path, strerror(-err));
	if (err)
		return;
	CHECK_EQ(info.samples, 99);
	CHECK_EQ(s.n, 99);
	CHECK_EQ(info.missing, 0);
	CHECK_EQ(info.other, 6);		/* the header lines */
	CHECK_EQ(info.summary_cycles, 100);	/* its last cycle is never printed */
	CHECK_EQ(info.summary_max_ns, 68604);
	CHECK_EQ(s.ns[0], 36620);
	CHECK_EQ(s.ns[1], 68604);
	CHECK_EQ(s.ns[98], 23018);
	struct latency_stats st;
	CHECK_EQ(samples_stats(&s, &st), 0);
	CHECK(st.max_us == 68.604, "max %f equals cyclictest's own Max", st.max_us);
	samples_free(&s);
}

static void test_parse_lines(void)
{
	unsigned t;
	uint64_t c, v;
	CHECK_EQ(cyclictest_parse_line("       0:      12:   34567\n", &t, &c, &v), 1);
	CHECK(t == 0 && c == 12 && v == 34567, "%u %lu %lu", t, (unsigned long)c, (unsigned long)v);
	CHECK_EQ(cyclictest_parse_line("1:2:-5", &t, &c, &v), 1);
	CHECK_EQ(v, 0);
	CHECK_EQ(cyclictest_parse_line("Thread 0 Interval: 1000\n", &t, &c, &v), 0);
	CHECK_EQ(cyclictest_parse_line("T: 0 ( 4965) P:99 I:1000 C: 1000 Min: 1\n", &t, &c, &v), 0);
	CHECK_EQ(cyclictest_parse_line("0: 1: 2 extra\n", &t, &c, &v), 0);
	CHECK_EQ(cyclictest_parse_line("0: 1:\n", &t, &c, &v), 0);

	/* Gaps in the numbering are cycles cyclictest lost; other threads are ignored. */
	char path[256];
	snprintf(path, sizeof(path), "%s/ct.txt", tmp);
	FILE *f = fopen(path, "w");
	fputs("# /dev/cpu_dma_latency set to 0us\n0: 0: 5\n0: 3: 7\n1: 4: 9\n0: 4: -12\ngarbage\n"
	      "T: 0 ( 1) P:99 I:1000 C:      5 Min:      0 Act:    0 Avg:    4 Max:       7\n", f);
	fclose(f);
	struct samples s = { 0 };
	struct cyclictest_info info;
	CHECK_EQ(cyclictest_parse_file(path, &s, &info), 0);
	CHECK_EQ(s.n, 3);
	CHECK_EQ(info.missing, 2);
	CHECK_EQ(info.summary_cycles, 5);
	CHECK_EQ(info.summary_max_ns, 7);
	CHECK_EQ(s.ns[2], 0);
	samples_free(&s);
	CHECK_EQ(cyclictest_parse_file("/nonexistent/ct.txt", &s, NULL), -ENOENT);
}

static void test_configs(void)
{
	bool sel[BENCH_NSELECT];
	char bad[64];
	CHECK_EQ(bench_config_index("linux-idle"), 0);
	CHECK_EQ(bench_config_index("linux"), -1);
	CHECK_EQ(bench_configs_parse("noise-load,linux-idle", sel, bad, sizeof(bad)), 0);
	CHECK(sel[0] && sel[bench_config_index("noise-load")] && !sel[1], "selection");
	CHECK_EQ(bench_configs_parse("linux-idle,frob", sel, bad, sizeof(bad)), -EINVAL);
	CHECK(!strcmp(bad, "frob"), "bad name '%s'", bad);
	CHECK_EQ(bench_configs_parse("linux-idle,", sel, bad, sizeof(bad)), -EINVAL);
	CHECK_EQ(bench_configs_parse("", sel, bad, sizeof(bad)), -EINVAL);
	/* The extras are selected by name too, after the configurations. */
	CHECK_EQ(bench_configs_parse("fwdbench,linux-load,irqbench", sel, bad, sizeof(bad)), 0);
	CHECK(sel[BENCH_NCONFIGS + BENCH_IRQBENCH] && sel[BENCH_NCONFIGS + BENCH_FWDBENCH] &&
	      sel[1] && !sel[0], "extras selection");
	CHECK_EQ(bench_configs_parse("irqbench,frob", sel, bad, sizeof(bad)), -EINVAL);
	/* DESIGN.md's names, all of them. */
	static const char *const names[] = { "linux-idle", "linux-load", "linux-isolated-idle",
		"linux-isolated-load", "decoupled-dedicated-idle", "decoupled-dedicated-load",
		"decoupled-shared-idle", "decoupled-shared-load", "noise-idle", "noise-load",
		"linux-irq-idle", "linux-irq-load", "decoupled-irq-idle", "decoupled-irq-load",
		"irq-floor-idle", "irq-floor-load" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(bench_config_index(names[i]) >= 0, "%s", names[i]);
	CHECK_EQ(sizeof(names) / sizeof(names[0]), BENCH_NCONFIGS);
	/* The interrupt configurations: irqlat's variants, on the isolated CPU, idle and loaded. */
	static const struct { const char *name, *variant; bool load; } irq[] = {
		{ "linux-irq-idle", "linux", false }, { "linux-irq-load", "linux", true },
		{ "decoupled-irq-idle", "decoupled", false }, { "decoupled-irq-load", "decoupled", true },
		{ "irq-floor-idle", "floor", false }, { "irq-floor-load", "floor", true },
	};
	for (size_t k = 0; k < sizeof(irq) / sizeof(irq[0]); k++) {
		int i = bench_config_index(irq[k].name);
		CHECK(i >= 0, "%s", irq[k].name);
		if (i < 0)
			continue;
		const char *v = bench_irq_variant(bench_configs[i].tool);
		CHECK(v && !strcmp(v, irq[k].variant), "%s measures %s", irq[k].name, v ? v : "(none)");
		CHECK(bench_configs[i].partitioned, "%s is measured on the isolated CPU", irq[k].name);
		CHECK_EQ(bench_configs[i].load, irq[k].load);
	}
	CHECK(!bench_irq_variant(bench_configs[bench_config_index("noise-load")].tool), "noise is no irq config");
	CHECK_EQ(bench_configs_parse("decoupled-irq-load,irq-floor-idle", sel, bad, sizeof(bad)), 0);
	CHECK(sel[bench_config_index("decoupled-irq-load")] && sel[bench_config_index("irq-floor-idle")] &&
	      !sel[bench_config_index("linux-irq-load")], "irq selection");
}

static void expect_usage_error(const char *what, ...)
{
	struct run_result r;
	char *a[8];
	int n = 0;
	va_list ap;
	va_start(ap, what);
	while (n < 7 && (a[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	a[n] = NULL;
	run_cmd(cmd_bench, &r, "bench", a[0], a[1], a[2], a[3], a[4], a[5], NULL);
	CHECK(r.status == 2, "%s: exit %d, expected 2:\n%s", what, r.status, r.out);
	CHECK(strstr(r.out, "decouple bench") || strstr(r.out, "usage"), "%s: no message:\n%s", what, r.out);
}

static void test_options(void)
{
	expect_usage_error("unknown config", "--configs", "linux-idle,frob", NULL);
	expect_usage_error("zero duration", "--duration", "0", NULL);
	expect_usage_error("bad duration", "--duration", "5s", NULL);
	expect_usage_error("bad interval", "--interval", "10", NULL);
	expect_usage_error("rounds > duration", "--duration", "2", "--rounds", "3", NULL);
	expect_usage_error("no such CPU", "--cpu", "4095", NULL);
	expect_usage_error("bad CPU", "--cpu", "one", NULL);
	expect_usage_error("unknown flag", "--frobnicate", NULL);
	expect_usage_error("extra argument", "now", NULL);
	expect_usage_error("empty out", "--out", "", NULL);

	struct run_result r;
	run_cmd(cmd_bench, &r, "bench", "--help", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "--duration");
	run_cmd(cmd_bench, &r, "bench", "--list", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "decoupled-dedicated-load");

	/* Without cyclictest and gnuplot it says how to install them. */
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		char *path = strdup(getenv("PATH") ? getenv("PATH") : "");
		setenv("PATH", tmp, 1);
		run_cmd(cmd_bench, &r, "bench", "--out", tmp, NULL);
		setenv("PATH", path, 1);
		free(path);
		CHECK_EQ(r.status, 2);
		CHECK_OUT(&r, "apt-get install rt-tests gnuplot-nox");
		CHECK_OUT(&r, "make bench");
	}
}

static void test_bins(void)
{
	CHECK_EQ(bench_bin(0), 0);
	CHECK_EQ(bench_bin(1), 0);
	CHECK_EQ(bench_bin(10), BENCH_BINS_PER_DECADE);
	CHECK_EQ(bench_bin(1000), 3 * BENCH_BINS_PER_DECADE);
	CHECK_EQ(bench_bin(999), 3 * BENCH_BINS_PER_DECADE - 1);
	for (uint64_t ns = 1; ns < 100000000; ns = ns * 3 + 1) {
		int b = bench_bin(ns);
		CHECK(bench_bin_low_us(b) * 1e3 <= ns * (1 + 1e-12) && ns < bench_bin_low_us(b + 1) * 1e3,
		      "%lu ns in bin %d", (unsigned long)ns, b);
	}
}

/* Ten configurations with made-up samples: value v µs, 1000 of each of n values. */
static void fill(struct bench_result *r, const char *name, double base_us, double cpu)
{
	int i = bench_config_index(name);
	r[i].cfg = &bench_configs[i];
	r[i].selected = true;
	for (int k = 0; k < 1000; k++)
		samples_add(&r[i].s, (uint64_t)(base_us * 1e3 * (1 + k / 1000.0)));
	r[i].cpu_s = cpu;
	r[i].window_s = 1.0;
	r[i].expected = 1000;
	r[i].slots = 1;
	r[i].state = BENCH_DONE;
	samples_stats(&r[i].s, &r[i].st);
}

static int run_python(const char *script, const char *arg)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "python3 -c '%s' '%s'", script, arg);
	return system(cmd);
}

static void test_reports(void)
{
	struct bench_result r[BENCH_NCONFIGS];
	memset(r, 0, sizeof(r));
	for (int i = 0; i < BENCH_NCONFIGS; i++)
		r[i].cfg = &bench_configs[i];
	fill(r, "linux-idle", 20, 0.01);
	fill(r, "linux-load", 200, 0.02);
	fill(r, "decoupled-shared-idle", 1, 0.2);
	fill(r, "decoupled-shared-load", 2, 0.3);
	fill(r, "linux-isolated-idle", 15, 0.01);
	fill(r, "linux-isolated-load", 16, 0.01);
	fill(r, "decoupled-dedicated-idle", 0.5, 1.0);
	fill(r, "decoupled-dedicated-load", 1.0, 1.0);
	fill(r, "noise-idle", 0.4, 1.0);
	fill(r, "noise-load", 0.5, 1.0);
	fill(r, "linux-irq-idle", 20, 0.01);
	fill(r, "linux-irq-load", 12, 0.01);
	fill(r, "decoupled-irq-idle", 5, 1.0);
	fill(r, "decoupled-irq-load", 4, 1.0);
	fill(r, "irq-floor-idle", 3.5, 1.0);
	fill(r, "irq-floor-load", 3.5, 1.0);
	struct bench_result *dil = &r[bench_config_index("decoupled-irq-load")];
	dil->missed_periods = 5;	/* 5 of 1005 periods: 0.5 %, over the 0.1 % allowed */
	snprintf(dil->irq_path, sizeof(dil->irq_path), "uring");
	dil->irq_cpu = 1;
	r[bench_config_index("linux-irq-load")].irq_cpu = -1;
	/* One skipped, to be listed with its reason. */
	r[4].state = BENCH_SKIPPED;
	snprintf(r[4].reason, sizeof(r[4].reason), "needs root");

	struct machine m = { .kernel = "6.1.0", .cpu_model = "Test \"CPU\"", .cpus = 2,
			     .virtualized = 1, .clocksource = "tsc", .rt_runtime_us = 950000 };
	struct bench_params p = { .duration_s = 1, .interval_us = 1000, .cpu = 1, .rounds = 1,
				  .load = "hackbench -s 10000 -l 10000", .out = tmp,
				  .started = "2026-01-01T00:00:00Z", .command = "decouple bench",
				  .isolations = 1 };
	char json[512], md[512];
	snprintf(json, sizeof(json), "%s/summary.json", tmp);
	snprintf(md, sizeof(md), "%s/summary.md", tmp);
	CHECK_EQ(bench_write_json(json, &m, &p, r, NULL), 0);
	CHECK_EQ(bench_write_markdown(md, &m, &p, r, NULL), 0);

	if (system("python3 -c 1 2>/dev/null") == 0) {
		static const char check[] =
			"import json,sys\n"
			"d = json.load(open(sys.argv[1]))\n"
			"m = d[\"machine\"]\n"
			"assert m[\"kernel\"] == \"6.1.0\" and m[\"cpu_model\"] == \"Test \\\"CPU\\\"\"\n"
			"assert m[\"cpus\"] == 2 and m[\"virtualized\"] is True and m[\"clocksource\"] == \"tsc\"\n"
			"assert d[\"parameters\"][\"interval_us\"] == 1000\n"
			"names = [c[\"name\"] for c in d[\"configs\"]]\n"
			"assert len(names) == 15 and \"linux-isolated-idle\" not in names, names\n"
			"dl = [c for c in d[\"configs\"] if c[\"name\"] == \"decoupled-irq-load\"][0]\n"
			"assert dl[\"missed_periods\"] == 5 and abs(dl[\"missed_percent\"] - 500 / 1005) < 1e-3, dl\n"
			"assert dl[\"irq_path\"] == \"uring\" and dl[\"irq_cpu\"] == 1, dl\n"
			"li = [c for c in d[\"configs\"] if c[\"name\"] == \"linux-irq-load\"][0]\n"
			"assert li[\"irq_cpu\"] is None and li[\"missed_periods\"] == 0, li\n"
			"assert all(\"irq_path\" not in c for c in d[\"configs\"] if \"irq\" not in c[\"name\"])\n"
			"keys = [\"samples\",\"min_us\",\"avg_us\",\"p50_us\",\"p99_us\",\"p999_us\",\"p9999_us\",\"max_us\",\"cpu_percent\"]\n"
			"for c in d[\"configs\"]:\n"
			"    for k in keys: assert isinstance(c[k], (int, float)), (c[\"name\"], k)\n"
			"    assert c[\"min_us\"] <= c[\"p50_us\"] <= c[\"p99_us\"] <= c[\"p999_us\"] <= c[\"p9999_us\"] <= c[\"max_us\"]\n"
			"ll = [c for c in d[\"configs\"] if c[\"name\"] == \"linux-load\"][0]\n"
			"assert ll[\"samples\"] == 1000 and ll[\"min_us\"] == 200.0 and abs(ll[\"cpu_percent\"] - 2.0) < 1e-9, ll\n"
			"assert d[\"skipped\"] == [{\"name\": \"linux-isolated-idle\", \"state\": \"skipped\", \"reason\": \"needs root\"}]\n";
		CHECK(run_python(check, json) == 0, "summary.json does not read back as expected");
	} else {
		printf("python3 missing: summary.json only checked for its keys\n");
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(md, "r");
	CHECK(f != NULL, "summary.md");
	if (f) {
		text = calloc(1, 65536);
		len = fread(text, 1, 65535, f);
		fclose(f);
	}
	CHECK(len > 0, "summary.md is empty");
	if (text) {
		CHECK(strstr(text, "| decoupled-dedicated-load | Fig. 4/7, hackbench | 1000 |"), "table row:\n%s", text);
		CHECK(strstr(text, "## Against linux-load"), "ratios to linux-load");
		CHECK(strstr(text, "## Against noise-load"), "ratios to noise-load");
		CHECK(strstr(text, "## Noise floor"), "noise paragraph");
		CHECK(strstr(text, "linux-isolated-idle (skipped): needs root"), "skipped list");
		/* 200 µs against 2 µs: 100× lower at p50 */
		CHECK(strstr(text, "| decoupled-shared-load | 100× |"), "ratio:\n%s", text);
		CHECK(strstr(text, "- **pass** decoupled-dedicated-load p50"), "acceptance line:\n%s", text);
		CHECK(strstr(text, "- **FAIL** every selected configuration present"), "one is skipped:\n%s", text);
		/* 4 µs against a 3.5 µs floor and a 12 µs reader (samples rise 1..2× the base). */
		CHECK(strstr(text, "- **pass** decoupled-irq-load (path uring) adds at most 1/5 of what "
			     "linux-irq-load adds beyond irq-floor-load: p50 0.75 ≤ 2.55, p99 0.99 ≤ 3.38 µs"),
		      "irq added-latency line:\n%s", text);
		CHECK(strstr(text, "- **pass** decoupled-irq-load within 1.5 µs of irq-floor-load at p50 (0.75)"),
		      "irq floor line:\n%s", text);
		CHECK(strstr(text, "- **pass** decoupled-irq-load p50 6.00 ≤ 0.6 × linux-irq-load p50 = 10.79"),
		      "irq ratio line:\n%s", text);
		CHECK(strstr(text, "- **FAIL** decoupled-irq-load: 5 periods without a wake-up, 0.498%"),
		      "irq missed line:\n%s", text);
		CHECK(strstr(text, "- **pass** idle: decoupled-irq-idle never worse than linux-irq-idle"),
		      "irq idle line:\n%s", text);
		CHECK(!strstr(text, "n/a: decoupled-irq"), "an irq line is n/a:\n%s", text);
	}
	free(text);

	/* Figure data and script; PNGs when gnuplot is here. */
	for (int i = 0; i < BENCH_NCONFIGS; i++)
		if (r[i].state == BENCH_DONE)
			CHECK_EQ(bench_plot_data(tmp, &r[i]), 0);
	CHECK_EQ(bench_plot_script(tmp, r), 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/latency-noise-load.dat", tmp);
	CHECK(access(path, R_OK) == 0, "%s", path);
	snprintf(path, sizeof(path), "%s/raw", tmp);
	mkdir(path, 0755);
	if (system("gnuplot --version >/dev/null 2>&1") == 0) {
		int st = bench_plot_run(tmp);
		CHECK_EQ(st, 0);
		if (st) {	/* say what gnuplot did not like */
			char cmd[600];
			snprintf(cmd, sizeof(cmd), "tail -5 %s/raw/gnuplot.log >&2", tmp);
			(void)!system(cmd);
		}
		snprintf(path, sizeof(path), "%s/overview.png", tmp);
		CHECK(access(path, R_OK) == 0, "%s", path);
		snprintf(path, sizeof(path), "%s/latency-decoupled-dedicated-load.png", tmp);
		CHECK(access(path, R_OK) == 0, "%s", path);
		snprintf(path, sizeof(path), "%s/figure-irq.png", tmp);
		CHECK(access(path, R_OK) == 0, "%s", path);
	}
	for (int i = 0; i < BENCH_NCONFIGS; i++)
		samples_free(&r[i].s);
}

/* Not root, no real-time priority: every configuration skipped with its reason. */
static void test_unprivileged(void)
{
	if (geteuid() != 0 || sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    system("command -v cyclictest >/dev/null && command -v gnuplot >/dev/null") != 0) {
		printf("unprivileged run not checked: needs root to drop, 2 CPUs, cyclictest, gnuplot\n");
		return;
	}
	char out[512], md[600];
	snprintf(out, sizeof(out), "%s/unprivileged", tmp);
	snprintf(md, sizeof(md), "%s/summary.md", out);
	chmod(tmp, 0777);
	struct run_result r;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 0, 0 };
		setrlimit(RLIMIT_RTPRIO, &rl);
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(99);
		run_cmd(cmd_bench, &r, "bench", "--duration", "1", "--configs",
			"linux-idle,decoupled-dedicated-idle", "--out", out, NULL);
		fputs(r.out, stdout);
		_exit(r.status == 1 && strstr(r.out, "skipped decoupled-dedicated-idle: needs root") &&
		      strstr(r.out, "skipped linux-idle: needs root (or `ulimit -r 99`)") ? 0 : 1);
	}
	int ws = 0;
	waitpid(pid, &ws, 0);
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "unprivileged bench: status %#x", ws);
	FILE *f = fopen(md, "r");
	char buf[8192] = "";
	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
	}
	CHECK(strstr(buf, "- decoupled-dedicated-idle (skipped): needs root"), "summary.md:\n%s", buf);
	chmod(tmp, 0700);
}

int main(void)
{
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_parse_real();
	test_parse_lines();
	test_configs();
	test_options();
	test_bins();
	test_reports();
	test_unprivileged();
	remove_tree(tmp);
	return test_done();
}
