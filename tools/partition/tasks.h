/* SPDX-License-Identifier: MIT */
/* Threads as /proc shows them: what they are and where they may run. */
#ifndef DC_TOOL_TASKS_H
#define DC_TOOL_TASKS_H

#include <sched.h>

/* task_struct flags, as in /proc/TID/stat (field 9). */
#define TASK_PF_KTHREAD		0x00200000ul
#define TASK_PF_NO_SETAFFINITY	0x04000000ul

struct task_info {
	int tid, tgid;
	char comm[64];
	char state;		/* R, S, D, ... */
	int psr;		/* the CPU it last ran on */
	unsigned long flags;
	cpu_set_t allowed;	/* Cpus_allowed_list */
};

/* 0, -ESRCH (gone), -EINVAL (malformed). */
int task_read(int tid, struct task_info *t);

static inline int task_is_kernel(const struct task_info *t)
{
	return (t->flags & TASK_PF_KTHREAD) != 0;
}
/* The kernel pins it: no cpuset or affinity change can move it. */
static inline int task_is_pinned(const struct task_info *t)
{
	return (t->flags & TASK_PF_NO_SETAFFINITY) != 0;
}

/* Call fn for every thread of every process; stops at fn's first nonzero value. */
int tasks_for_each(int (*fn)(const struct task_info *t, void *ctx), void *ctx);

/*
 * The threads allowed to run on any CPU of `cpus`, for reports: those in
 * the cpuset `admitted_cpuset` (as /proc/TID/cpuset names it; NULL: none),
 * which belong there, then other user and kernel threads, with their names.
 */
struct tasks_on_cpus {
	int admitted, user, kernel, kernel_pinned;
	char admitted_names[512], user_names[512], kernel_names[1024];
	/*
	 * User threads that may no longer run there but last ran there: asleep
	 * since before the isolate, ps shows them on the old CPU until they wake.
	 */
	int user_asleep;
};
void tasks_on_cpus(const cpu_set_t *cpus, const char *admitted_cpuset, struct tasks_on_cpus *out);

#endif
