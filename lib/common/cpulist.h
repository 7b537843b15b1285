/* SPDX-License-Identifier: MIT */
/*
 * CPU lists as the kernel writes them ("0-3,8,10-11"): cpuset.cpus,
 * /sys/devices/system/cpu/online, DC_CPUS.  Shared by the library and the
 * tool (tools/ link libdecouple.a).
 */
#ifndef DC_CPULIST_H
#define DC_CPULIST_H

#include <sched.h>
#include <stddef.h>

/*
 * Parse `s` into `set`.  Accepts singletons and ranges separated by commas,
 * with optional surrounding white space; an empty string is the empty set.
 * 0, or -EINVAL when malformed or a CPU is beyond CPU_SETSIZE.
 */
int dc_cpulist_parse(const char *s, cpu_set_t *set);

/* Write `set` as a list ("" when empty).  Its length, or -ENOSPC. */
int dc_cpulist_format(const cpu_set_t *set, char *buf, size_t len);

#endif
