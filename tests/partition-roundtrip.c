/* SPDX-License-Identifier: MIT */
/*
 * The real partition round trip on this machine, as root: snapshot every
 * value isolate may touch, isolate CPU 1, check that no user thread may run
 * there and that an executive is admitted to the real-time cpuset and polls
 * (dedicated placement), release, and compare byte for byte.  Then the same
 * with an isolate killed half-way (SIGKILL while it moves threads).  Then
 * --irq with a real device IRQ of this machine: kept on the CPU while another
 * leaves it, shown by status, restored by release (also after SIGKILL); and
 * an IRQ the kernel will not move, which must fail and leave nothing changed.
 *
 * Whatever happens, the machine is released at exit, on SIGTERM (the
 * runner's timeout) and on SIGINT.  Run it under flock /tmp/decouple-cpu1.lock.
 */
#include <pthread.h>
#include <sys/syscall.h>

#include "commands.h"
#include "cpuset.h"
#include "core.h"
#include "partition.h"
#include "partition_fake.h"
#include "sysfs.h"
#include "tasks.h"

static char state[PATH_MAX];

static const char *const snapshot_globs[] = {
	"/sys/fs/cgroup/cpuset/cpuset.*", "/sys/fs/cgroup/cpuset/*/cpuset.*",
	"/sys/fs/cgroup/cpuset.*", "/sys/fs/cgroup/*/cpuset.cpus*", "/sys/fs/cgroup/cgroup.subtree_control",
	"/proc/irq/*/smp_affinity", "/proc/irq/*/smp_affinity_list", "/proc/irq/default_smp_affinity",
	"/sys/devices/virtual/workqueue/cpumask*", "/sys/devices/virtual/workqueue/*/cpumask",
	"/proc/sys/kernel/sched_rt_runtime_us", "/proc/sys/kernel/sched_rt_period_us",
	"/sys/fs/cgroup/cpuset/*/", NULL,
};

/* Every value the partition may touch, and which cpusets exist. */
static char *snapshot(void)
{
	return snap_globs(snapshot_globs);
}

static pid_t checker;

/* Release with the tool; 0 when there was nothing left to release. */
static int release_now(void)
{
	struct run_result r;
	if (!state[0] || access(state, F_OK) != 0)
		return 0;
	run_cmd(cmd_release, &r, "release", "--state", state, NULL);
	printf("%s", r.out);
	return r.status ? r.status : 0;
}

static void release_at_exit(void)
{
	if (release_now())
		fprintf(stderr, "cleanup: release failed: see %s\n", state);
}

static void on_signal(int sig)
{
	if (checker > 0)
		kill(checker, SIGKILL);
	release_at_exit();
	_exit(128 + sig);
}

struct user_on_cpu {
	int cpu, count;
};

static int count_user(const struct task_info *t, void *arg)
{
	struct user_on_cpu *u = arg;
	if (task_is_kernel(t) || !CPU_ISSET(u->cpu, &t->allowed))
		return 0;
	fprintf(stderr, "user thread %d (%s) may run on CPU %d\n", t->tid, t->comm, u->cpu);
	u->count++;
	return 0;
}

static _Atomic int in_rt_cpuset, decoupled_ok;

/* Decouple onto the isolated CPU for a while, so that its executive can be seen. */
static void *decoupled_thread(void *arg)
{
	int cpu = *(int *)arg;
	if (dc_decouple(cpu, 10) != 0)
		return NULL;
	decoupled_ok = 1;
	dc_sleep_until(dc_now() + 300000000ull);
	dc_recouple();
	return NULL;
}

static int exec_in_rt_cpuset(void)
{
	glob_t g;
	int found = 0;
	if (glob("/proc/self/task/*/cpuset", 0, NULL, &g) != 0)
		return 0;
	for (size_t k = 0; k < g.gl_pathc; k++) {
		char buf[256] = "";
		int fd = open(g.gl_pathv[k], O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		if (!strcmp(buf, "/" CPUSET_RT_NAME "\n"))
			found++;
	}
	globfree(&g);
	return found;
}

static void check_executive(int cpu)
{
	pthread_t t;
	pthread_create(&t, NULL, decoupled_thread, &cpu);
	for (int i = 0; i < 200 && !decoupled_ok; i++)
		usleep(1000);
	usleep(50000);
	in_rt_cpuset = exec_in_rt_cpuset();
	pthread_join(t, NULL);
	CHECK(decoupled_ok, "dc_decouple(%d) failed on the isolated CPU", cpu);
	CHECK_EQ(in_rt_cpuset, 1);
	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	CHECK_EQ(st.placement, DC_PLACEMENT_DEDICATED);
}

/* The checks of an isolated machine (in a child process: see main). */
static int isolate_and_check(int cpu, const char *cpuarg)
{
	struct run_result r;
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", cpuarg, "--state", state, NULL);
	printf("%s", r.out);
	CHECK_EQ(r.status, 0);
	if (r.status)
		return test_done();
	struct user_on_cpu u = { cpu, 0 };
	tasks_for_each(count_user, &u);
	CHECK_EQ(u.count, 0);
	CHECK_EQ(dc_partition_cpu_isolated(cpu), 1);
	int cpus[4];
	CHECK_EQ(dc_default_cpus(cpus, 4), 1);
	CHECK_EQ(cpus[0], cpu);
	if (!strcmp(test_sanitizer(), "tsan"))
		printf("executive check skipped: decoupled code runs on another OS thread with its "
		       "own TLS, which TSan's TLS-held thread state cannot follow\n");
	else
		check_executive(cpu);
	fflush(NULL);
	return test_done();
}

/* IRQs of this machine for the --irq checks; -1 where there is none. */
struct real_irqs {
	int kept;	/* takes a new affinity: --irq keeps it */
	int moved;	/* another that does: isolate must move it off */
	int refused;	/* the kernel refuses its affinity (EPERM/EIO) */
};

/*
 * IRQs whose affinity includes `cpu`, tried by writing each its own
 * smp_affinity_list back (which changes nothing): the kernel says then
 * whether it lets user space set that affinity.  Before the snapshot.
 */
static void pick_irqs(int cpu, struct real_irqs *p)
{
	glob_t g;
	p->kept = p->moved = p->refused = -1;
	if (glob("/proc/irq/*/smp_affinity_list", 0, NULL, &g) != 0)
		return;
	for (size_t k = 0; k < g.gl_pathc; k++) {
		char buf[256];
		cpu_set_t cpus;
		int irq = atoi(g.gl_pathv[k] + strlen("/proc/irq/"));
		if (sysfs_read(g.gl_pathv[k], buf, sizeof(buf)) < 0 ||
		    sysfs_read_cpulist(g.gl_pathv[k], &cpus) || !CPU_ISSET(cpu, &cpus) ||
		    CPU_COUNT(&cpus) < 2)
			continue;	/* only on the CPU already: keeping it would change nothing */
		int err = sysfs_write(g.gl_pathv[k], buf);
		if (!err && p->kept < 0)
			p->kept = irq;
		else if (!err && p->moved < 0)
			p->moved = irq;
		else if ((err == -EPERM || err == -EIO) && p->refused < 0)
			p->refused = irq;
	}
	globfree(&g);
}

static int irq_on(int irq, int cpu, int only)
{
	char path[64];
	cpu_set_t cpus;
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	if (sysfs_read_cpulist(path, &cpus))
		return -1;
	return only ? CPU_COUNT(&cpus) == 1 && CPU_ISSET(cpu, &cpus) : CPU_ISSET(cpu, &cpus) != 0;
}

/* 3. --irq on this machine's own IRQs. */
static void keep_irq_round_trip(int cpu, const char *cpuarg, const char *before)
{
	struct real_irqs p;
	struct run_result r;
	char arg[32], says[128];
	pick_irqs(cpu, &p);
	if (p.kept < 0) {
		printf("--irq round trip skipped: no IRQ here takes a new affinity\n");
		return;
	}
	snprintf(arg, sizeof(arg), "%d", p.kept);
	printf("--irq %d (moved: %d, refused: %d)\n", p.kept, p.moved, p.refused);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", cpuarg, "--irq", arg, "--state", state, NULL);
	printf("%s", r.out);
	CHECK_EQ(r.status, 0);
	CHECK_EQ(irq_on(p.kept, cpu, 1), 1);
	if (p.moved >= 0)
		CHECK_EQ(irq_on(p.moved, cpu, 0), 0);
	run_cmd(cmd_status, &r, "status", "--state", state, NULL);
	snprintf(says, sizeof(says), "IRQs kept on the real-time CPUs (--irq): %d", p.kept);
	CHECK_OUT(&r, says);
	snprintf(says, sizeof(says), "): on CPU %d\n", cpu);
	CHECK_OUT(&r, says);
	CHECK_EQ(release_now(), 0);
	char *after = snapshot();
	CHECK(snap_equal(before, after, "--irq round trip"), "release after --irq did not restore every value");
	free(after);

	/* Killed right after its first change, the kept IRQ's affinity. */
	setenv("DC_ISOLATE_STOP_AFTER", "1", 1);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", cpuarg, "--irq", arg, "--state", state, NULL);
	unsetenv("DC_ISOLATE_STOP_AFTER");
	CHECK(r.status == 128 + SIGKILL, "isolate --irq with DC_ISOLATE_STOP_AFTER=1: status %d\n%s",
	      r.status, r.out);
	CHECK_EQ(irq_on(p.kept, cpu, 1), 1);
	CHECK_EQ(release_now(), 0);
	after = snapshot();
	CHECK(snap_equal(before, after, "--irq killed"), "release after a killed --irq did not restore every value");
	free(after);

	if (p.refused < 0) {
		printf("refused --irq skipped: every IRQ here takes a new affinity\n");
		return;
	}
	/* The kept one first: its change must be rolled back when the second refuses. */
	snprintf(arg, sizeof(arg), "%d,%d", p.kept, p.refused);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", cpuarg, "--irq", arg, "--state", state, NULL);
	printf("%s", r.out);
	CHECK_EQ(r.status, 1);
	snprintf(says, sizeof(says), "--irq: IRQ %d", p.refused);
	CHECK_OUT(&r, says);
	CHECK_OUT(&r, "cannot be kept on CPU");
	CHECK(access(state, F_OK) != 0, "a refused --irq left the state file");
	after = snapshot();
	CHECK(snap_equal(before, after, "refused --irq"), "a refused --irq left changes");
	free(after);
}

int main(void)
{
	if (geteuid() != 0)
		SKIP("not root: the round trip changes cpusets and IRQs of this machine");
	unsetenv("DC_SYSROOT");
	unsetenv("DC_CPUS");
	setenv("DC_QUIET", "1", 1);
	int cpu = test_rt_cpu();
	if (cpu == 0)
		SKIP("one CPU: none can be isolated while a housekeeping CPU remains");
	if (access(DC_STATE_DEFAULT, F_OK) == 0 || dc_partition_cpu_isolated(cpu))
		SKIP("CPU %d is isolated already (%s): not touching someone's partition", cpu, DC_STATE_DEFAULT);
	struct cpuset_fs fs;
	if (cpuset_detect(&fs))
		SKIP("no cpuset controller mounted");
	test_pin_to_housekeeping();

	char dir[] = "/tmp/decouple-roundtrip.XXXXXX";
	if (!mkdtemp(dir))
		SKIP("mkdtemp: %s", strerror(errno));
	snprintf(state, sizeof(state), "%s/state", dir);
	setenv("DC_STATE", state, 1);

	char cpuarg[16];
	snprintf(cpuarg, sizeof(cpuarg), "%d", cpu);
	char *before = snapshot();
	struct run_result r;
	atexit(release_at_exit);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	/*
	 * 1. isolate and check in a child, so that whatever becomes of the
	 * checks (a failed one, a crash), this process releases and compares.
	 */
	fflush(NULL);
	checker = fork();
	if (checker == 0)
		_exit(isolate_and_check(cpu, cpuarg));
	int ws;
	waitpid(checker, &ws, 0);
	checker = 0;
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "isolate or its checks failed (%s %d)",
	      WIFEXITED(ws) ? "exit" : "signal", WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
	CHECK(access(state, F_OK) == 0, "isolate left no state file");
	CHECK_EQ(release_now(), 0);
	char *after = snapshot();
	CHECK(snap_equal(before, after, "round trip"), "release did not restore every value");
	free(after);

	/* 2. an isolate killed while it moves threads */
	setenv("DC_ISOLATE_STOP_AFTER", "12", 1);
	run_cmd(cmd_isolate, &r, "isolate", "--cpus", cpuarg, "--state", state, NULL);
	unsetenv("DC_ISOLATE_STOP_AFTER");
	CHECK(r.status == 128 + SIGKILL, "isolate with DC_ISOLATE_STOP_AFTER=12: status %d\n%s", r.status, r.out);
	CHECK(access(state, F_OK) == 0, "the killed isolate left no state");
	printf("after SIGKILL:\n");
	CHECK_EQ(release_now(), 0);
	after = snapshot();
	CHECK(snap_equal(before, after, "killed isolate"), "release after SIGKILL did not restore every value");
	free(after);

	keep_irq_round_trip(cpu, cpuarg, before);
	printf("%zu bytes of settings identical after every round trip\n", strlen(before));
	free(before);
	rmdir(dir);
	return test_done();
}
