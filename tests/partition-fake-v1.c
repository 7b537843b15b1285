/* SPDX-License-Identifier: MIT */
/*
 * decouple isolate/release/status against a fake cgroup v1 machine (4 CPUs,
 * DC_SYSROOT): what isolate writes, that --dry-run writes nothing, that
 * release gives back every byte, also after isolate was killed after any
 * of its changes, and the errors (bad CPUs, refusing, missing and malformed
 * files).  And --irq: a device IRQ kept ON the isolated CPU while the others
 * leave, its bad input, an IRQ that refuses, and status.
 */
#include "commands.h"
#include "partition.h"
#include "partition_fake.h"

#define CG "/sys/fs/cgroup/cpuset"

/* Task lists change as the "kernel" likes: left out of snapshots. */
static const char *const task_lists[] = { "tasks", "cgroup.procs", "cgroup.threads", NULL };
static int have_readonly;

/* A fake task file keeps only the last tid written: give the root its threads back. */
static void reset_root_tasks(void)
{
	fake_file(CG "/tasks", "1\n2\n100\n101\n");
}

static void build_v1(void)
{
	fake_begin();
	fake_file("/proc/self/mounts",
		  "sysfs /sys sysfs rw 0 0\n"
		  "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nsdelegate 0 0\n"
		  "cgroup /sys/fs/cgroup/cpuset cgroup rw,nosuid,relatime,cpuset 0 0\n");
	fake_file("/sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
	fake_file("/sys/devices/system/cpu/online", "0-3\n");
	fake_file("/sys/devices/system/cpu/isolated", "\n");
	fake_file("/proc/sys/kernel/random/boot_id", "0b5e5e6a-fake-boot\n");
	fake_file("/proc/sys/kernel/osrelease", "6.18.0-fake\n");
	fake_file("/proc/sys/kernel/sched_rt_runtime_us", "950000\n");
	fake_file("/proc/sys/kernel/sched_rt_period_us", "1000000\n");

	fake_file(CG "/cpuset.cpus", "0-3\n");
	fake_file(CG "/cpuset.mems", "0\n");
	fake_file(CG "/cpuset.cpu_exclusive", "1\n");
	fake_file(CG "/cpuset.sched_load_balance", "1\n");
	reset_root_tasks();
	/* someone else's cpusets, which must give CPU 3 up and get it back */
	fake_file(CG "/docker/cpuset.cpus", "0-3\n");
	fake_file(CG "/docker/cpuset.mems", "0\n");
	fake_file(CG "/docker/tasks", "");
	fake_file(CG "/docker/job/cpuset.cpus", "2-3\n");
	fake_file(CG "/docker/job/cpuset.mems", "0\n");
	fake_file(CG "/docker/job/tasks", "");

	fake_task(1, "init", 0x400100, "0-3", 3);
	fake_task(2, "kthreadd", 0x208040, "0-3", 0);
	fake_task(100, "ksoftirqd/3", 0x4208040, "3", 3);
	fake_task(101, "app worker", 0x400040, "0-3", 3);

	fake_file("/proc/irq/0/smp_affinity", "f\n");
	fake_file("/proc/irq/1/smp_affinity", "f\n");
	fake_dir("/proc/irq/1/i8042");
	fake_dir("/proc/irq/2");			/* no smp_affinity: cannot be steered */
	fake_file("/proc/irq/3/smp_affinity", "8\n");	/* only CPU 3: goes to housekeeping */
	fake_file("/proc/irq/4/smp_affinity", "zz\n");	/* malformed */
	fake_file("/proc/irq/5/smp_affinity", "f\n");	/* refuses */
	fake_dir("/proc/irq/5/timer");
	fake_file("/proc/irq/10/smp_affinity", "00000003\n");	/* clear of CPU 3 already */
	fake_file("/proc/irq/default_smp_affinity", "f\n");
	fake_file("/sys/devices/virtual/workqueue/cpumask", "f\n");
	fake_file("/sys/devices/virtual/workqueue/cpumask_isolated", "0\n");
	have_readonly = fake_readonly("/proc/irq/5/smp_affinity") == 0;
}

static void test_errors(void)
{
	struct run_result r;
	build_v1();
	run_cmd(cmd_isolate, &r, "isolate", NULL);
	CHECK_EQ(r.status, 2);
	CHECK_OUT(&r, "--cpus LIST is required");
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "7", NULL);
	CHECK_EQ(r.status, 2);
	CHECK_OUT(&r, "CPU 7 does not exist or is offline (online: 0-3)");
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "0-3", NULL);
	CHECK_EQ(r.status, 2);
	CHECK_OUT(&r, "at least one housekeeping CPU must remain");
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "1-x", NULL);
	CHECK_EQ(r.status, 2);
	CHECK_OUT(&r, "not a CPU list");
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "1", "--frobnicate", NULL);
	CHECK_EQ(r.status, 2);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "1", "extra", NULL);
	CHECK_EQ(r.status, 2);
	run_cmd(cmd_isolate, &r, "isolate", "--help", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "usage: decouple isolate");
	run_cmd(cmd_release, &r, "release", "--help", NULL);
	CHECK_EQ(r.status, 0);
	run_cmd(cmd_status, &r, "status", "--help", NULL);
	CHECK_EQ(r.status, 0);
	run_cmd(cmd_status, &r, "status", "--cpus", "zz", NULL);
	CHECK_EQ(r.status, 2);
	CHECK(!fake_exists("/run/decouple/state"), "a refused isolate left a state file");

	/* Nothing to release is not an error. */
	run_cmd(cmd_release, &r, "release", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "nothing to release");

	/* No cpuset controller mounted. */
	fake_file("/proc/self/mounts", "sysfs /sys sysfs rw 0 0\n");
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 1);
	CHECK_OUT(&r, "no cpuset controller");
}

static void test_dry_run(void)
{
	struct run_result r;
	build_v1();
	char *before = fake_snapshot(NULL);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", "--dry-run", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "dry run: nothing changes");
	CHECK_OUT(&r, "would write /proc/irq/0/smp_affinity: f -> 7");
	CHECK_OUT(&r, "would write " CG "/docker/job/cpuset.cpus: 2-3 -> 2");
	CHECK_OUT(&r, "would create " CG "/decouple-rt");
	CHECK_OUT(&r, "would write /proc/sys/kernel/sched_rt_runtime_us: 950000 -> -1");
	CHECK_OUT(&r, "would move 3 threads");
	char *after = fake_snapshot(NULL);
	CHECK(snap_equal(before, after, "dry run"), "--dry-run changed the tree");
	CHECK(!fake_exists("/run/decouple/state"), "--dry-run wrote a state file");
	free(before);
	free(after);
}

static void check_isolated(void)
{
	CHECK(!strcmp(fake_read(CG "/decouple-rt/cpuset.cpus"), "3"), "rt cpus %s", fake_read(CG "/decouple-rt/cpuset.cpus"));
	CHECK(!strcmp(fake_read(CG "/decouple-rt/cpuset.cpu_exclusive"), "1"), "not exclusive");
	CHECK(!strcmp(fake_read(CG "/decouple-rt/cpuset.sched_load_balance"), "0"), "rt balances");
	CHECK(!strcmp(fake_read(CG "/decouple-rt/cpuset.mems"), "0"), "rt mems");
	CHECK(!strcmp(fake_read(CG "/decouple-housekeeping/cpuset.cpus"), "0-2"), "hk cpus %s",
	      fake_read(CG "/decouple-housekeeping/cpuset.cpus"));
	CHECK(!strcmp(fake_read(CG "/cpuset.sched_load_balance"), "0"), "root still balances");
	CHECK(!strcmp(fake_read(CG "/docker/cpuset.cpus"), "0-2"), "docker cpus %s", fake_read(CG "/docker/cpuset.cpus"));
	CHECK(!strcmp(fake_read(CG "/docker/job/cpuset.cpus"), "2"), "job cpus %s", fake_read(CG "/docker/job/cpuset.cpus"));
	CHECK(!strcmp(fake_read("/proc/irq/0/smp_affinity"), "7"), "irq 0: %s", fake_read("/proc/irq/0/smp_affinity"));
	CHECK(!strcmp(fake_read("/proc/irq/3/smp_affinity"), "7"), "irq 3: %s", fake_read("/proc/irq/3/smp_affinity"));
	CHECK(!strcmp(fake_read("/proc/irq/4/smp_affinity"), "zz"), "irq 4: %s", fake_read("/proc/irq/4/smp_affinity"));
	CHECK(!strcmp(fake_read("/proc/irq/10/smp_affinity"), "00000003"), "irq 10 rewritten");
	CHECK(!strcmp(fake_read("/proc/irq/default_smp_affinity"), "7"), "default irq affinity");
	CHECK(!strcmp(fake_read("/sys/devices/virtual/workqueue/cpumask"), "7"), "workqueue cpumask");
	CHECK(!strcmp(fake_read("/proc/sys/kernel/sched_rt_runtime_us"), "-1"), "rt throttling");
}

static void test_round_trip(void)
{
	struct run_result r;
	build_v1();
	char *before = fake_snapshot(task_lists);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 0);
	check_isolated();
	CHECK_OUT(&r, "moved 3 threads to decouple-housekeeping; 1 kernel threads stay");
	CHECK_OUT(&r, "2 refused: 4: malformed mask");
	if (have_readonly)
		CHECK_OUT(&r, "5 (timer): Operation not permitted");
	CHECK_OUT(&r, "RT throttling: off (sched_rt_runtime_us 950000 -> -1)");
	CHECK_OUT(&r, "fair server: present (Linux 6.18 has one)");
	/* A fake kernel does not narrow the moved threads' CPUs: only the pinned one is sure. */
	CHECK_OUT(&r, "(1 per-CPU or kernel-managed)");
	CHECK_OUT(&r, "ksoftirqd/3");

	/* The library's view. */
	CHECK_EQ(dc_partition_cpu_isolated(3), 1);
	CHECK_EQ(dc_partition_cpu_isolated(2), 0);
	int cpus[4];
	CHECK_EQ(dc_default_cpus(cpus, 4), 1);
	CHECK_EQ(cpus[0], 3);
	CHECK_EQ(dc_partition_admit(3, 4242), 0);
	CHECK(!strcmp(fake_read(CG "/decouple-rt/tasks"), "4242"), "admit wrote %s", fake_read(CG "/decouple-rt/tasks"));
	CHECK_EQ(dc_partition_admit(2, 4243), 0);	/* not isolated: nothing to do */
	CHECK(!strcmp(fake_read(CG "/decouple-rt/tasks"), "4242"), "admit of CPU 2 wrote");

	run_cmd(cmd_status, &r, "status", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "partition: CPU 3 isolated by decouple (cgroup-v1)");
	CHECK_OUT(&r, CG "/decouple-rt: exclusive cpuset, no load balancing");
	CHECK_OUT(&r, "housekeeping CPUs: 0-2");
	CHECK_OUT(&r, "library default real-time CPUs: 3 (from the partition");
	CHECK_OUT(&r, "RT throttling: off");

	run_cmd(cmd_release, &r, "release", NULL);
	CHECK_EQ(r.status, 0);
	char *after = fake_snapshot(task_lists);
	CHECK(snap_equal(before, after, "round trip"), "release did not restore every byte");
	CHECK(!fake_exists("/run/decouple/state"), "release kept the state file");
	CHECK_EQ(dc_partition_cpu_isolated(3), 0);
	free(before);
	free(after);
}

static void test_idempotent(void)
{
	struct run_result r;
	build_v1();
	char *before = fake_snapshot(task_lists);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 0);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "isolated already: checking every setting again");
	check_isolated();
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "2", NULL);
	CHECK_EQ(r.status, 1);
	CHECK_OUT(&r, "CPUs 3 are isolated already");
	/* A cpuset that nobody recorded is not taken over. */
	run_cmd(cmd_release, &r, "release", NULL);
	CHECK_EQ(r.status, 0);
	char *after = fake_snapshot(task_lists);
	CHECK(snap_equal(before, after, "isolate twice"), "isolating twice broke release");
	fake_dir(CG "/decouple-rt");
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 1);
	CHECK_OUT(&r, "exists, but no decouple state records it");
	CHECK_OUT(&r, "rolling back");
	char *rolled = fake_snapshot(task_lists);
	CHECK(strstr(rolled, CG "/decouple-housekeeping/") == NULL, "rollback left the housekeeping cpuset");
	CHECK(!fake_exists("/run/decouple/state"), "rollback kept the state file");
	free(before);
	free(after);
	free(rolled);
}

/* Kill isolate after each of its changes in turn: release must undo exactly. */
static void test_interrupted(void)
{
	struct run_result r;
	build_v1();
	char *before = fake_snapshot(task_lists);
	int n;
	for (n = 1; n < 200 && !test_failures; n++) {
		char stop[16];
		snprintf(stop, sizeof(stop), "%d", n);
		setenv("DC_ISOLATE_STOP_AFTER", stop, 1);
		run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
		unsetenv("DC_ISOLATE_STOP_AFTER");
		if (r.status == 0)
			break;		/* fewer than n changes: the whole run */
		CHECK(r.status == 128 + SIGKILL, "stop after %d: status %d\n%s", n, r.status, r.out);
		CHECK_EQ(dc_partition_cpu_isolated(3), 0);	/* not complete: not isolated */
		run_cmd(cmd_status, &r, "status", NULL);
		CHECK_OUT(&r, "interrupted isolate");
		if (n % 2 == 0) {
			/* isolating again finishes the job, then release undoes all */
			run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
			CHECK(r.status == 0, "resume after %d changes: status %d\n%s", n, r.status, r.out);
			check_isolated();
		}
		run_cmd(cmd_release, &r, "release", NULL);
		CHECK(r.status == 0, "release after %d changes: status %d\n%s", n, r.status, r.out);
		reset_root_tasks();
		char *after = fake_snapshot(task_lists);
		char what[64];
		snprintf(what, sizeof(what), "killed after change %d", n);
		CHECK(snap_equal(before, after, what), "release after %d changes was not exact", n);
		free(after);
	}
	printf("interrupted isolate undone exactly after each of its %d changes\n", n - 1);
	/*
	 * 2 cpusets shrunk, 2 created with 2 + 4 files, root balancing, 3 threads,
	 * 3 IRQs, the default IRQ affinity, the workqueues, RT throttling.
	 */
	CHECK_EQ(n - 1, 2 + 2 + 6 + 1 + 3 + 3 + 1 + 1 + 1);
	free(before);
}

/* --- isolate --irq ------------------------------------------------------------- */

/* A device's IRQ, as the kernel shows one: both affinity files and its handler. */
static void add_device_irq(int irq, const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity", irq);
	fake_file(path, "f\n");
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	fake_file(path, "0-3\n");
	snprintf(path, sizeof(path), "/proc/irq/%d/%s", irq, name);
	fake_dir(path);
}

/* How many lines of the state file are `line`. */
static int state_lines(const char *line)
{
	char want[128];
	int n = 0;
	snprintf(want, sizeof(want), "\n%s\n", line);
	for (const char *p = fake_read("/run/decouple/state"); (p = strstr(p, want)); p++)
		n++;
	return n;
}

static void test_keep_irq_errors(void)
{
	static const struct {
		const char *arg, *says;
	} bad[] = {
		{ "x", "--irq 'x': 'x' is not an IRQ number" },
		{ "", "--irq '': no IRQ named" },
		{ "6,", "--irq '6,': an empty item" },
		{ ",6", "--irq ',6': an empty item" },
		{ "6,,1", "--irq '6,,1': an empty item" },
		{ "-1", "'-1' is not an IRQ number" },
		{ "1-3", "'1-3' is not an IRQ number" },
		{ "6 ", "'6 ' is not an IRQ number" },
		{ "12345678", "'12345678' is not an IRQ number" },
		{ "99", "--irq '99': IRQ 99 does not exist (no /proc/irq/99" },
		{ "6,99", "IRQ 99 does not exist" },
		{ "2", "--irq '2': IRQ 2 cannot be steered (no /proc/irq/2/smp_affinity_list)" },
	};
	struct run_result r;
	build_v1();
	add_device_irq(6, "eth0");
	char *before = fake_snapshot(NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", "--irq", bad[i].arg, NULL);
		CHECK(r.status == 2, "--irq '%s': status %d\n%s", bad[i].arg, r.status, r.out);
		CHECK_OUT(&r, bad[i].says);
		CHECK(!fake_exists("/run/decouple/state"), "--irq '%s' left a state file", bad[i].arg);
	}
	/* A bad one among good ones, and in a dry run, is refused the same way. */
	run_cmd(cmd_isolate, &r, "isolate", "--irq", "6", "--cpus", "3", "--irq", "98", NULL);
	CHECK_EQ(r.status, 2);
	CHECK_OUT(&r, "IRQ 98 does not exist");
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", "--irq", "x", "--dry-run", NULL);
	CHECK_EQ(r.status, 2);
	char *after = fake_snapshot(NULL);
	CHECK(snap_equal(before, after, "bad --irq"), "a refused --irq changed the tree");
	CHECK(!fake_exists("/run/decouple/state"), "a refused --irq left a state file");
	free(before);
	free(after);
}

static void test_keep_irq(void)
{
	struct run_result r;
	build_v1();
	add_device_irq(6, "eth0");
	add_device_irq(7, "virtio1-req.0");
	char *before = fake_snapshot(task_lists);

	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", "--irq", "6", "--dry-run", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "would write /proc/irq/6/smp_affinity_list: 0-3 -> 3");
	CHECK_OUT(&r, "IRQs to keep on CPU 3 (--irq): 6 (eth0)");
	CHECK_OUT(&r, "would write /proc/irq/0/smp_affinity: f -> 7");
	CHECK(strstr(r.out, "/proc/irq/6/smp_affinity:") == NULL, "dry run moves the kept IRQ off:\n%s", r.out);
	CHECK(!fake_exists("/run/decouple/state"), "--dry-run wrote a state file");

	/* Duplicates name one IRQ, in one option or two. */
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", "--irq", "6,6", "--irq", "6", NULL);
	CHECK(r.status == 0, "isolate --irq 6: status %d\n%s", r.status, r.out);
	CHECK_OUT(&r, "IRQs kept on CPU 3 (--irq): 6 (eth0)\n");
	CHECK_OUT(&r, "IRQs: 4 moved off the isolated CPUs, 1 were off already, 1 kept there (--irq)");
	CHECK(!strcmp(fake_read("/proc/irq/7/smp_affinity"), "7"), "irq 7 stayed: %s",
	      fake_read("/proc/irq/7/smp_affinity"));
	CHECK(!strcmp(fake_read("/proc/irq/6/smp_affinity_list"), "3"), "irq 6 list: %s",
	      fake_read("/proc/irq/6/smp_affinity_list"));
	/* The fake kernel does not tie the two files: isolate must not have moved it off. */
	CHECK(!strcmp(fake_read("/proc/irq/6/smp_affinity"), "f"), "irq 6 moved off: %s",
	      fake_read("/proc/irq/6/smp_affinity"));
	check_isolated();
	CHECK_EQ(state_lines("keep-irq 6"), 1);
	CHECK_EQ(state_lines("write /proc/irq/6/smp_affinity_list =0-3%0A"), 1);
	/* The library reads past the new record: the partition is still active. */
	CHECK_EQ(dc_partition_cpu_isolated(3), 1);

	run_cmd(cmd_status, &r, "status", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "IRQs kept on the real-time CPUs (--irq): 6 (eth0)\n  IRQ 6 (eth0): on CPU 3\n");
	/* A driver that resets the affinity (a device reset) moves it back: status says so. */
	fake_file("/proc/irq/6/smp_affinity_list", "0\n");
	run_cmd(cmd_status, &r, "status", NULL);
	CHECK_OUT(&r, "warning: IRQ 6 (eth0) is on CPU 0 now, not the real-time CPU 3");

	/* Again with the same IRQs puts it back; with other IRQs, or none, is refused. */
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", "--irq", "6", NULL);
	CHECK(r.status == 0, "isolate again: status %d\n%s", r.status, r.out);
	CHECK_OUT(&r, "checking every setting again");
	CHECK(!strcmp(fake_read("/proc/irq/6/smp_affinity_list"), "3"), "irq 6 not put back: %s",
	      fake_read("/proc/irq/6/smp_affinity_list"));
	char *isolated = fake_snapshot(task_lists);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 1);
	CHECK_OUT(&r, "isolated already keeping IRQs 6 (eth0) on them");
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", "--irq", "7,6", NULL);
	CHECK_EQ(r.status, 1);
	CHECK_OUT(&r, "not 7 (virtio1-req.0), 6 (eth0)");
	char *refused = fake_snapshot(task_lists);
	CHECK(snap_equal(isolated, refused, "refused re-isolate"), "a refused isolate changed the tree");

	run_cmd(cmd_release, &r, "release", NULL);
	CHECK(r.status == 0, "release: status %d\n%s", r.status, r.out);
	char *after = fake_snapshot(task_lists);
	CHECK(snap_equal(before, after, "--irq round trip"), "release did not restore every byte");
	CHECK(!strcmp(fake_read("/proc/irq/6/smp_affinity_list"), "0-3"), "irq 6 list not restored");
	CHECK(!fake_exists("/run/decouple/state"), "release kept the state file");

	/* Without --irq, the same IRQ leaves the CPU like the others. */
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 0);
	CHECK(!strcmp(fake_read("/proc/irq/6/smp_affinity"), "7"), "irq 6 stayed: %s",
	      fake_read("/proc/irq/6/smp_affinity"));
	run_cmd(cmd_status, &r, "status", NULL);
	CHECK(strstr(r.out, "IRQs kept") == NULL, "status lists kept IRQs without --irq:\n%s", r.out);
	run_cmd(cmd_release, &r, "release", NULL);
	CHECK_EQ(r.status, 0);
	free(before);
	free(isolated);
	free(refused);
	free(after);
}

/* An IRQ whose affinity the kernel refuses: an error, and everything is undone. */
static void test_keep_irq_refused(void)
{
	struct run_result r;
	build_v1();
	add_device_irq(6, "eth0");
	add_device_irq(7, "virtio1-req.0");
	if (fake_readonly("/proc/irq/7/smp_affinity_list") != 0) {
		printf("note: could not make a fake file immutable here: a refused --irq untested\n");
		return;
	}
	char *before = fake_snapshot(task_lists);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", "--irq", "6,7", NULL);
	CHECK(r.status == 1, "refused --irq: status %d\n%s", r.status, r.out);
	CHECK_OUT(&r, "--irq: IRQ 7 (virtio1-req.0) cannot be kept on CPU 3: writing "
		  "/proc/irq/7/smp_affinity_list: ");
	if (geteuid() == 0)
		CHECK_OUT(&r, "Operation not permitted (the kernel does not let user space set this "
			  "interrupt's affinity");
	CHECK_OUT(&r, "nothing is isolated");
	CHECK_OUT(&r, "rolling back");
	char *after = fake_snapshot(task_lists);
	CHECK(snap_equal(before, after, "refused --irq"), "a refused --irq left changes (IRQ 6?)");
	CHECK(!strcmp(fake_read("/proc/irq/6/smp_affinity_list"), "0-3"), "irq 6 not restored: %s",
	      fake_read("/proc/irq/6/smp_affinity_list"));
	CHECK(!fake_exists("/run/decouple/state"), "the rollback kept the state file");
	free(before);
	free(after);
}

/* Kill isolate --irq after each of its changes: release must undo exactly, status must know. */
static void test_keep_irq_interrupted(void)
{
	struct run_result r;
	build_v1();
	add_device_irq(6, "eth0");
	char *before = fake_snapshot(task_lists);
	int n;
	for (n = 1; n < 200 && !test_failures; n++) {
		char stop[16];
		snprintf(stop, sizeof(stop), "%d", n);
		setenv("DC_ISOLATE_STOP_AFTER", stop, 1);
		run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", "--irq", "6", NULL);
		unsetenv("DC_ISOLATE_STOP_AFTER");
		if (r.status == 0)
			break;
		CHECK(r.status == 128 + SIGKILL, "stop after %d: status %d\n%s", n, r.status, r.out);
		CHECK(!strcmp(fake_read("/proc/irq/6/smp_affinity_list"), "3"), "stop after %d: irq 6 %s",
		      n, fake_read("/proc/irq/6/smp_affinity_list"));
		run_cmd(cmd_status, &r, "status", NULL);
		CHECK_OUT(&r, "interrupted isolate");
		CHECK_OUT(&r, "IRQs kept on the real-time CPUs (--irq): 6 (eth0)");
		if (n % 2 == 0) {
			run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", "--irq", "6", NULL);
			CHECK(r.status == 0, "resume after %d changes: status %d\n%s", n, r.status, r.out);
			check_isolated();
		}
		run_cmd(cmd_release, &r, "release", NULL);
		CHECK(r.status == 0, "release after %d changes: status %d\n%s", n, r.status, r.out);
		reset_root_tasks();
		char *after = fake_snapshot(task_lists);
		char what[64];
		snprintf(what, sizeof(what), "--irq killed after change %d", n);
		CHECK(snap_equal(before, after, what), "release after %d changes was not exact", n);
		free(after);
	}
	printf("interrupted isolate --irq undone exactly after each of its %d changes\n", n - 1);
	/* those of test_interrupted, and the kept IRQ's smp_affinity_list */
	CHECK_EQ(n - 1, 2 + 2 + 6 + 1 + 3 + 3 + 1 + 1 + 1 + 1);
	run_cmd(cmd_release, &r, "release", NULL);
	free(before);
}

/* A record this release does not know may be a change: restore the rest, keep the state. */
static void test_unknown_record(void)
{
	struct run_result r;
	build_v1();
	fake_file("/proc/irq/0/smp_affinity", "7\n");
	fake_file("/run/decouple/state", "decouple-state 1\ncpus 3\nwrite /proc/irq/0/smp_affinity =f%0A\n"
		  "frob-irq 6\ncomplete\n");
	CHECK_EQ(dc_partition_cpu_isolated(3), 1);	/* the library skips it */
	run_cmd(cmd_release, &r, "release", NULL);
	CHECK_EQ(r.status, 1);
	CHECK_OUT(&r, "record 4 (frob-irq) is malformed or unknown: not undone");
	CHECK(!strcmp(fake_read("/proc/irq/0/smp_affinity"), "f"), "irq 0 not restored");
	CHECK(fake_exists("/run/decouple/state"), "state removed with a record not undone");
	/* A malformed keep-irq record is not guessed at either. */
	fake_file("/run/decouple/state", "decouple-state 1\ncpus 3\nmechanism cgroup-v1\nkeep-irq six\ncomplete\n");
	run_cmd(cmd_status, &r, "status", NULL);
	CHECK_OUT(&r, "IRQs kept on the real-time CPUs: unknown: state file");
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 1);
	CHECK_OUT(&r, "keeping IRQs (unreadable)");
	fake_remove("/run/decouple/state");
}

static void test_missing_and_malformed(void)
{
	struct run_result r;
	build_v1();
	fake_remove("/sys/devices/virtual/workqueue/cpumask");
	fake_remove("/proc/irq/default_smp_affinity");
	fake_file("/proc/sys/kernel/sched_rt_runtime_us", "");
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "unbound workqueues: no /sys/devices/virtual/workqueue/cpumask");
	CHECK_OUT(&r, "default IRQ affinity: cannot change /proc/irq/default_smp_affinity: No such file");
	CHECK(!strcmp(fake_read("/proc/sys/kernel/sched_rt_runtime_us"), "-1"), "empty runtime not set");
	run_cmd(cmd_release, &r, "release", NULL);
	CHECK_EQ(r.status, 0);
	CHECK(!strcmp(fake_read("/proc/sys/kernel/sched_rt_runtime_us"), ""), "empty runtime not restored: %s",
	      fake_read("/proc/sys/kernel/sched_rt_runtime_us"));

	/* A value that cannot be restored is reported, and the state stays for another try. */
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 0);
	if (have_readonly && fake_readonly("/proc/irq/0/smp_affinity") == 0) {
		run_cmd(cmd_release, &r, "release", NULL);
		CHECK_EQ(r.status, 1);
		CHECK_OUT(&r, "could not restore /proc/irq/0/smp_affinity to \"f\"");
		CHECK(fake_exists("/run/decouple/state"), "state removed although a value was not restored");
		char full[PATH_MAX];
		fake_path(full, sizeof(full), "/proc/irq/0/smp_affinity");
		clear_immutable(full);
		chmod(full, 0644);
	}
	run_cmd(cmd_release, &r, "release", NULL);
	CHECK_EQ(r.status, 0);
	CHECK(!strcmp(fake_read("/proc/irq/0/smp_affinity"), "f"), "irq 0 not restored");

	/* A malformed state file: nothing is guessed. */
	fake_file("/run/decouple/state", "decouple-state 1\ncpus 3\nwrite /proc/irq/0/smp_affinity =%ZZ\n");
	run_cmd(cmd_release, &r, "release", NULL);
	CHECK_EQ(r.status, 1);
	CHECK_OUT(&r, "malformed state file");
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 1);
	CHECK_OUT(&r, "malformed");
	run_cmd(cmd_status, &r, "status", NULL);
	CHECK_OUT(&r, "partition: unknown: state file");
	fake_remove("/run/decouple/state");

	/* A malformed root cpuset: isolate stops before touching anything. */
	fake_remove(CG "/cpuset.mems");
	char *before = fake_snapshot(task_lists);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
	CHECK_EQ(r.status, 1);
	CHECK_OUT(&r, "cannot read " CG "/cpuset.mems");
	char *after = fake_snapshot(task_lists);
	CHECK(snap_equal(before, after, "failed isolate"), "a failed isolate left changes");
	free(before);
	free(after);
}

int main(void)
{
	setenv("DC_QUIET", "1", 1);
	unsetenv("DC_CPUS");
	test_errors();
	test_dry_run();
	test_round_trip();
	test_idempotent();
	test_interrupted();
	test_missing_and_malformed();
	test_keep_irq_errors();
	test_keep_irq();
	test_keep_irq_refused();
	test_keep_irq_interrupted();
	test_unknown_record();
	if (!have_readonly)
		printf("note: could not make a fake file immutable here: refusing files untested\n");
	return test_done();
}
