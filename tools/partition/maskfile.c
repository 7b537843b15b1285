/* SPDX-License-Identifier: MIT */
/* Hex CPU mask files that must leave the isolated CPUs.  See maskfile.h. */
#include <errno.h>
#include <stdio.h>

#include "cpumask.h"
#include "maskfile.h"
#include "sysfs.h"

int maskfile_exclude(struct changer *c, const char *path, const cpu_set_t *iso,
		     const cpu_set_t *hk, char *old, char *new, size_t len)
{
	char cur[SYSFS_VALUE_MAX], next[SYSFS_VALUE_MAX];
	cpu_set_t mask, both;
	int n = sysfs_read(path, cur, sizeof(cur));
	if (n < 0)
		return n;
	sysfs_chomp(cur);
	if (old)
		snprintf(old, len, "%s", cur);
	if (new)
		snprintf(new, len, "%s", cur);
	if (cpumask_parse(cur, &mask))
		return -EINVAL;
	CPU_AND(&both, &mask, iso);
	if (!CPU_COUNT(&both))
		return 0;
	CPU_XOR(&mask, &mask, &both);
	if (!CPU_COUNT(&mask))
		mask = *hk;
	if (cpumask_format(&mask, cpumask_width(cur), next, sizeof(next)) < 0)
		return -ENOSPC;
	if (new)
		snprintf(new, len, "%s", next);
	return change_write(c, path, next, NULL, 0);
}
