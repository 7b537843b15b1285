/* SPDX-License-Identifier: MIT */
/*
 * decouple isolate/release/status against a fake cgroup v2 machine (4
 * CPUs): an isolated, threaded partition under the root, no thread moved,
 * and everything given back; how the kernel's verdict on a partition is
 * read; an isolate killed after each of its changes; --irq keeping a device
 * IRQ on the partition.
 */
#include "commands.h"
#include "cpuset.h"
#include "partition.h"
#include "partition_fake.h"

#define CG "/sys/fs/cgroup"

static const char *const task_lists[] = { "tasks", "cgroup.procs", "cgroup.threads", NULL };
/* What the "kernel" of a fake tree cannot do: a subtree_control write is the last word. */
static const char *const task_lists_and_control[] = {
	"tasks", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control", NULL,
};

static void build_v2(const char *subtree_control)
{
	fake_begin();
	fake_file("/proc/self/mounts",
		  "sysfs /sys sysfs rw 0 0\n"
		  "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n");
	fake_file("/sys/devices/system/cpu/online", "0-3\n");
	fake_file("/proc/sys/kernel/random/boot_id", "1d2c-fake-v2\n");
	fake_file("/proc/sys/kernel/osrelease", "6.8.0\n");
	fake_file("/proc/sys/kernel/sched_rt_runtime_us", "950000\n");
	fake_file(CG "/cgroup.controllers", "cpuset cpu io memory pids\n");
	fake_file(CG "/cgroup.subtree_control", subtree_control);
	fake_file(CG "/cgroup.procs", "1\n2\n");
	fake_file(CG "/cgroup.threads", "1\n2\n");
	fake_file(CG "/cpuset.cpus.effective", "0-3\n");
	fake_file(CG "/system.slice/cgroup.procs", "300\n");
	fake_file(CG "/system.slice/cpuset.cpus", "\n");
	fake_task(1, "systemd", 0x400100, "0-3", 2);
	fake_task(2, "kthreadd", 0x208040, "0-3", 0);
	fake_task(300, "daemon", 0x400040, "0-3", 3);
	fake_file("/proc/irq/7/smp_affinity", "0000000f\n");
	fake_file("/proc/irq/default_smp_affinity", "f\n");
	fake_file("/sys/devices/virtual/workqueue/cpumask", "f\n");
	/* debugfs mounted: the fair server of each CPU */
	fake_file("/sys/kernel/debug/sched/fair_server/cpu2/runtime", "50000000\n");
	fake_file("/sys/kernel/debug/sched/fair_server/cpu2/period", "1000000000\n");
	fake_file("/sys/kernel/debug/sched/fair_server/cpu3/runtime", "50000000\n");
	fake_file("/sys/kernel/debug/sched/fair_server/cpu3/period", "1000000000\n");
}

static void test_verdict(void)
{
	char why[256];
	CHECK_EQ(cpuset_v2_partition_ok("isolated\n", why, sizeof(why)), 1);
	CHECK_EQ(cpuset_v2_partition_ok("isolated invalid (Cpu list in cpuset.cpus not exclusive)\n",
					why, sizeof(why)), 0);
	CHECK(!strcmp(why, "Cpu list in cpuset.cpus not exclusive"), "why = %s", why);
	CHECK_EQ(cpuset_v2_partition_ok("member\n", why, sizeof(why)), 0);
	CHECK(strstr(why, "\"member\"") != NULL, "why = %s", why);
	CHECK_EQ(cpuset_v2_partition_ok("root\n", why, sizeof(why)), 0);
	CHECK_EQ(cpuset_v2_partition_ok("", why, sizeof(why)), 0);
}

static void test_round_trip(const char *subtree_control, const char *const *skip)
{
	struct run_result r;
	build_v2(subtree_control);
	char *before = fake_snapshot(skip);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "2-3", "--dry-run", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "would write " CG "/decouple-rt/cpuset.cpus.partition: isolated");
	char *dry = fake_snapshot(NULL);
	char *orig = NULL;
	build_v2(subtree_control);	/* the same tree again, for a full comparison */
	orig = fake_snapshot(NULL);
	CHECK(snap_equal(orig, dry, "v2 dry run"), "--dry-run changed the tree");

	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "2-3", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "cpuset: cgroup v2 at " CG);
	CHECK_OUT(&r, "decouple-rt: cpus 2-3, threaded, isolated partition (valid)");
	CHECK_OUT(&r, "fair server: CPU 2: 50000000 ns of every 1000000000 ns; CPU 3: 50000000");
	CHECK(!strcmp(fake_read(CG "/decouple-rt/cgroup.type"), "threaded"), "not threaded");
	CHECK(!strcmp(fake_read(CG "/decouple-rt/cpuset.cpus"), "2-3"), "cpus %s", fake_read(CG "/decouple-rt/cpuset.cpus"));
	CHECK(!strcmp(fake_read(CG "/decouple-rt/cpuset.cpus.partition"), "isolated"), "partition");
	CHECK(!strcmp(fake_read(CG "/system.slice/cgroup.procs"), "300"), "v2 moved a process");
	CHECK(!strcmp(fake_read("/proc/irq/7/smp_affinity"), "00000003"), "irq 7: %s", fake_read("/proc/irq/7/smp_affinity"));
	CHECK(!strcmp(fake_read("/proc/irq/default_smp_affinity"), "3"), "default irq");
	CHECK(!strcmp(fake_read("/sys/devices/virtual/workqueue/cpumask"), "3"), "workqueues");
	if (!strstr(subtree_control, "cpuset"))
		CHECK(!strcmp(fake_read(CG "/cgroup.subtree_control"), "+cpuset"), "controller not enabled");

	CHECK_EQ(dc_partition_cpu_isolated(2), 1);
	CHECK_EQ(dc_partition_cpu_isolated(1), 0);
	CHECK_EQ(dc_partition_admit(3, 777), 0);
	CHECK(!strcmp(fake_read(CG "/decouple-rt/cgroup.threads"), "777"), "admit wrote %s",
	      fake_read(CG "/decouple-rt/cgroup.threads"));

	run_cmd(cmd_status, &r, "status", NULL);
	CHECK_OUT(&r, "partition: CPU 2-3 isolated by decouple (cgroup-v2)");
	CHECK_OUT(&r, CG "/decouple-rt: a valid isolated partition");
	/* The kernel may invalidate a partition later (CPU hotplug, a sibling): status says so. */
	fake_file(CG "/decouple-rt/cpuset.cpus.partition", "isolated invalid (No cpu available due to hotplug)\n");
	run_cmd(cmd_status, &r, "status", NULL);
	CHECK_OUT(&r, "warning: isolated invalid (No cpu available due to hotplug)");

	run_cmd(cmd_release, &r, "release", NULL);
	CHECK_EQ(r.status, 0);
	CHECK_OUT(&r, "moved 1 threads out of " CG "/decouple-rt");
	char *after = fake_snapshot(skip);
	CHECK(snap_equal(before, after, "v2 round trip"), "release did not restore every byte");
	if (!strstr(subtree_control, "cpuset"))
		CHECK(!strcmp(fake_read(CG "/cgroup.subtree_control"), "-cpuset"),
		      "cpuset controller not disabled again: %s", fake_read(CG "/cgroup.subtree_control"));
	free(before);
	free(after);
	free(dry);
	free(orig);
}

static void test_interrupted(void)
{
	struct run_result r;
	build_v2("cpuset cpu io memory pids\n");
	char *before = fake_snapshot(task_lists);
	int n;
	for (n = 1; n < 100 && !test_failures; n++) {
		char stop[16];
		snprintf(stop, sizeof(stop), "%d", n);
		setenv("DC_ISOLATE_STOP_AFTER", stop, 1);
		run_cmd(cmd_isolate, &r, "isolate", "--cpus", "3", NULL);
		unsetenv("DC_ISOLATE_STOP_AFTER");
		if (r.status == 0)
			break;
		CHECK(r.status == 128 + SIGKILL, "stop after %d: status %d\n%s", n, r.status, r.out);
		run_cmd(cmd_release, &r, "release", NULL);
		CHECK(r.status == 0, "release after %d changes: status %d\n%s", n, r.status, r.out);
		char *after = fake_snapshot(task_lists);
		CHECK(snap_equal(before, after, "v2 interrupted"), "release after %d changes was not exact", n);
		free(after);
	}
	/* mkdir, 3 files of the partition, 1 IRQ, the default, the workqueues, RT throttling */
	CHECK_EQ(n - 1, 1 + 3 + 1 + 1 + 1 + 1);
	run_cmd(cmd_release, &r, "release", NULL);
	free(before);
}

/* --irq is the same on cgroup v2: the kept IRQ stays on the partition, the others leave. */
static void test_keep_irq(void)
{
	struct run_result r;
	build_v2("cpuset cpu io memory pids\n");
	fake_file("/proc/irq/9/smp_affinity", "0000000f\n");
	fake_file("/proc/irq/9/smp_affinity_list", "0-3\n");
	fake_dir("/proc/irq/9/uio_pci_generic");
	char *before = fake_snapshot(task_lists);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", "2-3", "--irq", "9", NULL);
	CHECK(r.status == 0, "isolate --irq 9: status %d\n%s", r.status, r.out);
	CHECK_OUT(&r, "IRQs kept on CPU 2-3 (--irq): 9 (uio_pci_generic)");
	CHECK(!strcmp(fake_read("/proc/irq/9/smp_affinity_list"), "2-3"), "irq 9 list: %s",
	      fake_read("/proc/irq/9/smp_affinity_list"));
	CHECK(!strcmp(fake_read("/proc/irq/9/smp_affinity"), "0000000f"), "irq 9 moved off: %s",
	      fake_read("/proc/irq/9/smp_affinity"));
	CHECK(!strcmp(fake_read("/proc/irq/7/smp_affinity"), "00000003"), "irq 7: %s",
	      fake_read("/proc/irq/7/smp_affinity"));
	run_cmd(cmd_status, &r, "status", NULL);
	CHECK_OUT(&r, "IRQs kept on the real-time CPUs (--irq): 9 (uio_pci_generic)\n"
		  "  IRQ 9 (uio_pci_generic): on CPU 2-3\n");
	run_cmd(cmd_release, &r, "release", NULL);
	CHECK(r.status == 0, "release: status %d\n%s", r.status, r.out);
	char *after = fake_snapshot(task_lists);
	CHECK(snap_equal(before, after, "v2 --irq round trip"), "release did not restore every byte");
	free(before);
	free(after);
}

int main(void)
{
	setenv("DC_QUIET", "1", 1);
	unsetenv("DC_CPUS");
	test_verdict();
	test_round_trip("cpuset cpu io memory pids\n", task_lists);
	test_round_trip("cpu io memory pids\n", task_lists_and_control);
	test_interrupted();
	test_keep_irq();
	return test_done();
}
