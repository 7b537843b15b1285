/* SPDX-License-Identifier: MIT */
/*
 * Unbound workqueues off the isolated CPUs.  Per-CPU work (vmstat, bound
 * kworkers) stays: only boot-time nohz_full could move it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "maskfile.h"
#include "sysfs.h"
#include "workqueue.h"

void workqueue_isolate(struct changer *c, const cpu_set_t *iso, const cpu_set_t *hk)
{
	char old[256], new[256];
	int r = maskfile_exclude(c, WQ_CPUMASK_PATH, iso, hk, old, new, sizeof(old));
	if (r == -ENOENT)
		fprintf(c->out, "unbound workqueues: no %s (kernel without it): left alone\n", WQ_CPUMASK_PATH);
	else if (r < 0)
		fprintf(c->out, "unbound workqueues: cannot change %s: %s\n", WQ_CPUMASK_PATH,
			r == -EINVAL ? "malformed mask" : strerror(-r));
	else
		change_report(c, "unbound workqueues: cpumask %s -> %s\n", old, new);
}
