/* SPDX-License-Identifier: MIT */
/*
 * The extras of `decouple bench`: `decouple irqbench --json` and `decouple
 * fwdbench --json` read back with plausible numbers, at small sizes; then
 * `decouple bench --configs irqbench,fwdbench` embedding both reports in
 * summary.json and writing their sections into summary.md; as nobody, both
 * skipped with a reason; an unknown name still a usage error.  Uses CPU 1:
 * run it under flock /tmp/decouple-cpu1.lock, as `make check` is.
 */
#include "harness.h"
#include "tool_run.h"

#include <sys/stat.h>

static const char irq_check[] =
	"assert d['samples'] == 500 and d['load'] is None and d['load_cmd'] is None, d\n"
	"for w in ('decoupled', 'linux'):\n"
	"    s = d['idle'][w]\n"
	"    assert s['samples'] == 500 and 0 < s['p50_us'] <= s['p99_us'] <= s['p999_us'] <= s['max_us'], (w, s)\n"
	"assert d['idle']['p50_ratio'] > 0 and d['idle']['p99_ratio'] > 0, d['idle']\n"
	"c = d['count']\n"
	"assert c['triggers'] == 20000 and c['counted'] == c['triggers'] and c['exact'] is True, c\n";

static const char fwd_check[] =
	"assert d['calls'] == 20000 and d['wrong_answers'] == 0, d\n"
	"p = d['paths']\n"
	"assert set(p) == {'native', 'explicit', 'trapped', 'trap-only'}, p\n"
	"for name in ('native', 'explicit'):\n"
	"    s = p[name]\n"
	"    assert s['samples'] == 20000 and 0 < s['p50_ns'] <= s['p99_ns'] <= s['p999_ns'] <= s['p9999_ns'] <= s['max_ns'], (name, s)\n"
	"assert p['native']['p50_ratio'] == 1.0 and p['explicit']['p50_ratio'] > 1, p\n";

/* Both members embedded, whole: the children's reports, not a summary of them. */
static const char bench_check[] =
	"i, f = d['irqbench'], d['fwdbench']\n"
	"assert i is not None and f is not None, d['skipped']\n"
	"assert i['idle']['decoupled']['p50_us'] > 0 and i['load']['linux']['p50_us'] > 0, i\n"
	"assert i['load_cmd'] == 'sleep 1' and i['count']['exact'] is True, i\n"
	"assert f['paths']['explicit']['p50_ns'] > 0, f\n"
	"assert d['configs'] == [] and d['skipped'] == [], d\n";

static const char nobody_check[] =
	"assert d['irqbench'] is None and d['fwdbench'] is None, d\n"
	"names = sorted(s['name'] for s in d['skipped'] if s['state'] == 'skipped' and 'root' in s['reason'])\n"
	"assert names == ['fwdbench', 'irqbench'], d['skipped']\n";

static void json_ok(const char *path, const char *check, const char *what)
{
	int ok = tool_json_check(path, check);
	if (ok < 0)
		printf("python3 missing: %s not read back\n", what);
	else
		CHECK(ok == 1, "%s does not read back as expected", what);
}

static void contains(const char *path, const char *needle)
{
	char *text = tool_slurp(path);
	CHECK(text && strstr(text, needle), "%s lacks '%s'", path, needle);
	free(text);
}

static void direct_runs(const char *cpu)
{
	const char *irq = tool_file("irq.json"), *fwd = tool_file("fwd.json");
	CHECK_EQ(tool_run("irqbench", "-c", cpu, "-n", "500", "-t", "20000", "--json", irq), 0);
	json_ok(irq, irq_check, "irqbench --json");
	CHECK_EQ(tool_run("fwdbench", "-c", cpu, "-n", "20000", "--json", fwd), 0);
	json_ok(fwd, fwd_check, "fwdbench --json");
}

static void bench_run(const char *cpu)
{
	const char *out = tool_file("bench");
	/* A light load of our own keeps it short; irqbench's second phase still runs under it. */
	int rc = tool_run("bench", "--configs", "irqbench,fwdbench", "--duration", "1", "--cpu",
			  cpu, "--load", "sleep 1", "--out", out);
	CHECK_EQ(rc, 0);
	if (rc) {
		char *text = tool_slurp(tool_file("out"));
		fputs(text ? text : "", stderr);
		free(text);
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/summary.json", out);
	json_ok(path, bench_check, "bench's summary.json");
	snprintf(path, sizeof(path), "%s/summary.md", out);
	contains(path, "## Irq delivery (decouple irqbench)");
	contains(path, "## Forwarded system calls (decouple fwdbench)");
	contains(path, "issue 4: Irq delivery p50");
	contains(path, "issue 3: explicit forwarded getppid p50");
	snprintf(path, sizeof(path), "%s/irqbench.txt", out);
	contains(path, "exact counts");
	snprintf(path, sizeof(path), "%s/fwdbench.json", out);
	contains(path, "\"explicit\"");
}

/* Not root: skipped with a reason, and bench says nothing could be measured. */
static void bench_as_nobody(const char *cpu)
{
	const char *out = tool_file("nobody");
	if (chmod(tool_dir, 0755) || mkdir(out, 0777) || chmod(out, 0777)) {
		printf("cannot prepare %s for nobody: not run\n", out);
		return;
	}
	tool_as_uid = 65534;
	int rc = tool_run("bench", "--configs", "irqbench,fwdbench", "--duration", "1", "--cpu",
			  cpu, "--out", out);
	tool_as_uid = 0;
	CHECK_EQ(rc, 1);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/summary.json", out);
	json_ok(path, nobody_check, "nobody's summary.json");
}

int main(void)
{
	(void)tool_count_samples;	/* tool_run.h's, for the tests with sample files */
	tool_init("bench-extras");
	CHECK_EQ(tool_run("bench", "--configs", "irqbench,frob"), 2);
	CHECK_EQ(tool_run("irqbench", "--json"), 2);
	CHECK_EQ(tool_run("fwdbench", "--json"), 2);
	if (geteuid() != 0) {
		tool_cleanup();
		SKIP("not root: irqbench and fwdbench run at SCHED_FIFO 99");
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		tool_cleanup();
		SKIP("one CPU: bench needs one to measure on and one for Linux");
	}
	if (!strcmp(test_sanitizer(), "tsan"))
		tool_cleanup();
	test_skip_decoupled_under_tsan();

	char cpu[16];
	snprintf(cpu, sizeof(cpu), "%d", test_rt_cpu());
	direct_runs(cpu);
	bench_run(cpu);
	bench_as_nobody(cpu);
	if (!test_failures)
		tool_cleanup();
	else
		printf("kept %s\n", tool_dir);
	return test_done();
}
