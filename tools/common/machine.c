/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "machine.h"

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

void machine_describe(struct machine *m)
{
	memset(m, 0, sizeof(*m));
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof(m->kernel), "%s", u.release);
	m->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  m->clocksource, sizeof(m->clocksource));
	char buf[32];
	read_line("/proc/sys/kernel/sched_rt_runtime_us", buf, sizeof(buf));
	m->rt_runtime_us = buf[0] ? strtol(buf, NULL, 10) : -1;

	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		char *val = colon + 1 + (colon[1] == ' ');
		val[strcspn(val, "\n")] = 0;
		if (!m->cpu_model[0] && !strncmp(line, "model name", 10))
			snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", val);
		/* The "hypervisor" CPUID bit shows up among the flags. */
		if (!strncmp(line, "flags", 5) && strstr(val, " hypervisor"))
			m->virtualized = 1;
	}
	if (f)
		fclose(f);
}
