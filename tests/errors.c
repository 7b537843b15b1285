/* SPDX-License-Identifier: MIT */
/* Every documented error of the foundation API, and no crash on misuse. */
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "decouple.h"
#include "harness.h"

/* In a child without privileges: SCHED_FIFO is refused, and so is decoupling. */
static int decouple_unprivileged(int cpu)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 0, 0 };
		setrlimit(RLIMIT_RTPRIO, &rl);
		if (setgid(65534) || setuid(65534))
			_exit(100);
		int err = dc_decouple(cpu, 10);
		_exit(err == -EPERM ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(void)
{
	test_skip_decoupled_under_tsan();
	test_pin_to_housekeeping();
	int cpu = test_rt_cpu();
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);

	CHECK_EQ(dc_decouple(-1, 10), -EINVAL);
	CHECK_EQ(dc_decouple(1 << 20, 10), -EINVAL);
	if (ncpus + 3 < 1024)
		CHECK_EQ(dc_decouple((int)ncpus + 3, 10), -ENODEV);
	CHECK_EQ(dc_decouple(cpu, 0), -EINVAL);
	CHECK_EQ(dc_decouple(cpu, 256), -EINVAL);
	CHECK_EQ(dc_decouple(cpu, -5), -EINVAL);
	CHECK_EQ(dc_recouple(), -EPERM);
	CHECK_EQ(dc_is_decoupled(), 0);

	struct dc_executive_attr bad_placement = { .placement = 7 };
	struct dc_executive_attr bad_prio = { .placement = DC_PLACEMENT_SHARED, .sched_priority = 100 };
	struct dc_executive_attr ok = { .placement = DC_PLACEMENT_SHARED, .sched_priority = 0 };
	CHECK_EQ(dc_executive_configure(cpu, NULL), -EINVAL);
	CHECK_EQ(dc_executive_configure(-1, &ok), -EINVAL);
	CHECK_EQ(dc_executive_configure(cpu, &bad_placement), -EINVAL);
	CHECK_EQ(dc_executive_configure(cpu, &bad_prio), -EINVAL);

	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(-1, &st), -EINVAL);
	CHECK_EQ(dc_executive_stats(cpu, NULL), -EINVAL);
	CHECK_EQ(dc_executive_stats(cpu, &st), -ENOENT);

	/* A bad environment is an error, not a silent default. */
	setenv("DC_PLACEMENT", "sometimes", 1);
	CHECK_EQ(dc_decouple(cpu, 10), -EINVAL);
	unsetenv("DC_PLACEMENT");
	setenv("DC_EXEC_PRIO", "120", 1);
	CHECK_EQ(dc_decouple(cpu, 10), -EINVAL);
	unsetenv("DC_EXEC_PRIO");
	setenv("DC_TIMER_LEAD_NS", "-1", 1);
	CHECK_EQ(dc_decouple(cpu, 10), -EINVAL);
	setenv("DC_TIMER_LEAD_NS", "100001", 1);
	CHECK_EQ(dc_decouple(cpu, 10), -EINVAL);
	unsetenv("DC_TIMER_LEAD_NS");
	CHECK_EQ(dc_is_decoupled(), 0);

	if (geteuid() == 0)
		CHECK_EQ(decouple_unprivileged(cpu), 0);

	/* An offline CPU, in a fake /sys. */
	char root[] = "/tmp/dc-errors-XXXXXX", path[256];
	CHECK(mkdtemp(root) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "mkdir -p %s/sys/devices/system/cpu/cpu%d && echo 0 > "
		 "%s/sys/devices/system/cpu/cpu%d/online", root, cpu, root, cpu);
	CHECK_EQ(system(path), 0);
	setenv("DC_SYSROOT", root, 1);
	CHECK_EQ(dc_decouple(cpu, 10), -ENODEV);
	unsetenv("DC_SYSROOT");
	snprintf(path, sizeof(path), "rm -rf %s", root);
	CHECK_EQ(system(path), 0);

	CHECK_EQ(dc_executive_configure(cpu, &ok), 0);
	int err = dc_decouple(cpu, 10);
	if (err == -EPERM)
		SKIP("no permission for SCHED_FIFO");
	CHECK_EQ(err, 0);
	CHECK_EQ(dc_decouple(cpu, 10), -EALREADY);
	CHECK_EQ(dc_executive_configure(cpu, &ok), -EBUSY);
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	CHECK_EQ(st.running, 1);
	CHECK_EQ(st.threads, 1);
	CHECK_EQ(st.placement, DC_PLACEMENT_SHARED);
	CHECK_EQ(dc_recouple(), 0);
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	CHECK_EQ(st.running, 0);
	CHECK_EQ(st.threads, 0);
	return test_done();
}
