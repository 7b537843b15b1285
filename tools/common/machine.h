/* SPDX-License-Identifier: MIT */
/* What a benchmark report says about the machine it ran on. */
#ifndef DC_TOOL_MACHINE_H
#define DC_TOOL_MACHINE_H

struct machine {
	char kernel[128];	/* uname -r */
	char cpu_model[128];	/* /proc/cpuinfo "model name" */
	int cpus;		/* online */
	int virtualized;	/* the CPU reports a hypervisor */
	char clocksource[64];
	long rt_runtime_us;	/* sched_rt_runtime_us, -1 = no throttling */
};

void machine_describe(struct machine *m);

#endif
