/* SPDX-License-Identifier: MIT */
/*
 * The CI smoke of `decouple bench`: one second each of linux-idle and
 * decoupled-dedicated-idle into a temporary directory, as root.  Checks the
 * fields of summary.json, that the figures exist, that no load is left
 * and that the partition was released: no state file, and every setting it
 * may touch reads back as before.  Then the same after a SIGINT in the
 * middle of a loaded, partitioned measurement.  Uses CPU 1 and isolates it: run it under
 * flock /tmp/decouple-cpu1.lock, as `make check` is.
 */
#include <sys/prctl.h>
#include <sys/wait.h>

#include "partition.h"
#include "partition_fake.h"

static const char *const globs[] = {
	"/sys/fs/cgroup/cpuset/cpuset.*", "/sys/fs/cgroup/cpuset/*/cpuset.cpus",
	"/sys/fs/cgroup/cpuset.*", "/sys/fs/cgroup/*/cpuset.cpus*",
	"/sys/fs/cgroup/cgroup.subtree_control",
	"/proc/irq/*/smp_affinity_list", "/proc/irq/default_smp_affinity",
	"/sys/devices/virtual/workqueue/cpumask*", "/sys/devices/virtual/workqueue/*/cpumask",
	"/proc/sys/kernel/sched_rt_runtime_us", "/proc/sys/kernel/sched_rt_period_us",
	"/sys/fs/cgroup/cpuset/*/", NULL,
};

static char *snapshot(void)
{
	return snap_globs(globs);
}

static int have(const char *prog)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

static int hackbench_running(void)
{
	return system("pgrep -x hackbench >/dev/null 2>&1") == 0;
}

int main(void)
{
	char state[PATH_MAX];
	if (test_sanitizer()[0])
		SKIP("the bench smoke runs in the plain build only (it measures, and a "
		     "sanitizer's decoupled threads are tested elsewhere)");
	if (geteuid() != 0)
		SKIP("not root: decouple bench isolates a CPU");
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("one CPU: nothing to isolate");
	if (!have("cyclictest") || !have("gnuplot"))
		SKIP("cyclictest or gnuplot missing: apt-get install rt-tests gnuplot-nox");
	dc_state_path(state, sizeof(state));
	if (access(state, F_OK) == 0)
		SKIP("a partition is in place already (%s)", state);
	int load_before = hackbench_running();

	const char *build = getenv("DC_BUILD_DIR") ? getenv("DC_BUILD_DIR") : "build";
	char tool[PATH_MAX], out[] = "/tmp/dc-bench-smoke.XXXXXX", cmd[2 * PATH_MAX];
	snprintf(tool, sizeof(tool), "%s/decouple", build);
	if (!mkdtemp(out)) {
		perror("mkdtemp");
		return 1;
	}
	char *before = snapshot();
	snprintf(cmd, sizeof(cmd), "%s bench --duration 1 --configs linux-idle,decoupled-dedicated-idle "
		 "--out %s", tool, out);
	printf("%s\n", cmd);
	fflush(stdout);
	int st = system(cmd);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "decouple bench: status %#x", st);

	char path[PATH_MAX + 64];
	static const char *const files[] = { "summary.json", "summary.md", "overview.png",
		"latency-linux-idle.png", "latency-decoupled-dedicated-idle.png", "linux-idle.hist",
		"decoupled-dedicated-idle.hist", "linux-idle.samples", "figures.gp", "figure-linux.png",
		"figure-decoupled-dedicated.png", NULL };
	for (int i = 0; files[i]; i++) {
		struct stat sb;
		snprintf(path, sizeof(path), "%s/%s", out, files[i]);
		CHECK(stat(path, &sb) == 0 && sb.st_size > 0, "%s missing or empty", path);
	}
	snprintf(path, sizeof(path), "%s/summary.json", out);
	if (have("python3")) {
		snprintf(cmd, sizeof(cmd), "python3 -c '\n"
			 "import json, sys\n"
			 "d = json.load(open(sys.argv[1]))\n"
			 "for k in (\"kernel\", \"cpu_model\", \"cpus\", \"virtualized\", \"clocksource\"):\n"
			 "    assert k in d[\"machine\"], k\n"
			 "assert d[\"parameters\"][\"interval_us\"] == 1000\n"
			 "assert d[\"parameters\"][\"partition_released\"] is True\n"
			 "assert d[\"parameters\"][\"load_processes_left\"] == 0\n"
			 "c = {x[\"name\"]: x for x in d[\"configs\"]}\n"
			 "assert sorted(c) == [\"decoupled-dedicated-idle\", \"linux-idle\"], sorted(c)\n"
			 "for x in c.values():\n"
			 "    for k in (\"samples\", \"min_us\", \"avg_us\", \"p50_us\", \"p99_us\", \"p999_us\", "
			 "\"p9999_us\", \"max_us\", \"cpu_percent\"):\n"
			 "        assert isinstance(x[k], (int, float)), (x[\"name\"], k)\n"
			 "    assert x[\"samples\"] >= 0.8 * x[\"expected_samples\"], x\n"
			 "    assert 0 <= x[\"min_us\"] <= x[\"p50_us\"] <= x[\"p99_us\"] <= x[\"max_us\"], x\n"
			 "' %s", path);
		CHECK(system(cmd) == 0, "summary.json fields (%s)", path);
	}
	CHECK(access(state, F_OK) != 0, "the state file %s is still there", state);
	char *after = snapshot();
	CHECK(snap_equal(before, after, "partition settings"), "settings differ after bench");
	if (!load_before)
		CHECK(!hackbench_running(), "a hackbench is still running");
	free(after);

	/* Ctrl-C in the middle of a loaded, partitioned measurement. */
	char out2[PATH_MAX + 16];
	snprintf(out2, sizeof(out2), "%s/interrupted", out);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);	/* see tool_start_v() */
		execl(tool, tool, "bench", "--duration", "4", "--configs", "decoupled-dedicated-load",
		      "--out", out2, (char *)NULL);
		_exit(127);
	}
	sleep(3);
	kill(pid, SIGINT);
	/* A bench that does not stop is a failure, not a hung test suite. */
	int ws = 0, waited = 0;
	while (waitpid(pid, &ws, WNOHANG) == 0 && waited < 120) {
		sleep(1);
		waited++;
	}
	if (waited == 120) {
		CHECK(0, "bench still running 120 s after SIGINT");
		kill(pid, SIGKILL);
		waitpid(pid, &ws, 0);
		char release[PATH_MAX + 32];
		snprintf(release, sizeof(release), "%s release >/dev/null 2>&1", tool);
		if (system(release) != 0)
			fprintf(stderr, "decouple release failed after the hung bench\n");
	}
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 128 + SIGINT, "interrupted bench: status %#x", ws);
	snprintf(path, sizeof(path), "%s/summary.json", out2);
	CHECK(access(path, R_OK) == 0, "no %s after SIGINT", path);
	CHECK(access(state, F_OK) != 0, "the state file %s is still there after SIGINT", state);
	after = snapshot();
	CHECK(snap_equal(before, after, "partition settings"), "settings differ after SIGINT");
	if (!load_before)
		CHECK(!hackbench_running(), "a hackbench is still running after SIGINT");
	free(before);
	free(after);
	if (!test_failures)
		remove_tree(out);
	else
		fprintf(stderr, "results kept in %s\n", out);
	return test_done();
}
