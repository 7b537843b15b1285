/* SPDX-License-Identifier: MIT */
/* RT throttling and the fair server.  See rt_throttle.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_throttle.h"
#include "sysfs.h"

void rt_throttle_off(struct changer *c)
{
	char old[64];
	int r = change_write(c, RT_RUNTIME_PATH, "-1", old, sizeof(old));
	if (r < 0)
		fprintf(c->out, "RT throttling: cannot write -1 to %s: %s\n", RT_RUNTIME_PATH, strerror(-r));
	else
		change_report(c, "RT throttling: off (sched_rt_runtime_us %s -> -1)\n", sysfs_chomp(old));
}

void rt_throttle_describe(char *buf, size_t len)
{
	char runtime[64], period[64];
	int r = sysfs_read(RT_RUNTIME_PATH, runtime, sizeof(runtime));
	if (r < 0) {
		snprintf(buf, len, "unknown (%s: %s)", RT_RUNTIME_PATH, strerror(-r));
		return;
	}
	sysfs_chomp(runtime);
	if (!strcmp(runtime, "-1")) {
		snprintf(buf, len, "off (sched_rt_runtime_us -1)");
		return;
	}
	if (sysfs_read("/proc/sys/kernel/sched_rt_period_us", period, sizeof(period)) < 0)
		snprintf(period, sizeof(period), "?");
	snprintf(buf, len, "on: real-time threads may run %s us of every %s us "
		 "(sched_rt_runtime_us; `decouple isolate` turns it off)", runtime, sysfs_chomp(period));
}

/* Kernel version as major * 100 + minor, from osrelease; 0 if unknown. */
static int kernel_version(void)
{
	char rel[128];
	int major = 0, minor = 0;
	if (sysfs_read("/proc/sys/kernel/osrelease", rel, sizeof(rel)) < 0 ||
	    sscanf(rel, "%d.%d", &major, &minor) != 2)
		return 0;
	return major * 100 + minor;
}

void fair_server_describe(const cpu_set_t *cpus, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, cpus))
			continue;
		char path[128], runtime[64], period[64];
		snprintf(path, sizeof(path), "/sys/kernel/debug/sched/fair_server/cpu%d/runtime", cpu);
		if (sysfs_read(path, runtime, sizeof(runtime)) < 0)
			break;
		snprintf(path, sizeof(path), "/sys/kernel/debug/sched/fair_server/cpu%d/period", cpu);
		if (sysfs_read(path, period, sizeof(period)) < 0)
			snprintf(period, sizeof(period), "?");
		int w = snprintf(buf + n, len - n, "%sCPU %d: %s ns of every %s ns", n ? "; " : "",
				 cpu, sysfs_chomp(runtime), sysfs_chomp(period));
		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
	}
	if (n)
		return;
	int v = kernel_version();
	if (sysfs_is_dir("/sys/kernel/debug/sched"))
		snprintf(buf, len, "none (no /sys/kernel/debug/sched/fair_server)");
	else if (v >= 612)
		snprintf(buf, len, "present (Linux %d.%d has one), settings unknown: debugfs is not "
			 "mounted (mount -t debugfs none /sys/kernel/debug)", v / 100, v % 100);
	else
		snprintf(buf, len, "unknown (debugfs not mounted)");
}
