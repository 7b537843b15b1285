/* SPDX-License-Identifier: MIT */
/*
 * Hexadecimal CPU masks as in /proc/irq/N/smp_affinity and the workqueue
 * cpumask: comma-separated 32-bit words, the most significant first
 * ("ff,ffffffff").
 */
#ifndef DC_TOOL_CPUMASK_H
#define DC_TOOL_CPUMASK_H

#include <sched.h>
#include <stddef.h>

/* 0, or -EINVAL when malformed or naming a CPU beyond CPU_SETSIZE. */
int cpumask_parse(const char *s, cpu_set_t *set);

/* Hex digits in a mask as written (its width), commas and white space aside. */
int cpumask_width(const char *s);

/*
 * Write `set` with at least `width` hex digits (as many as the CPUs need
 * otherwise), grouped as the kernel does.  Its length, or -ENOSPC.
 */
int cpumask_format(const cpu_set_t *set, int width, char *buf, size_t len);

#endif
