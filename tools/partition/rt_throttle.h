/* SPDX-License-Identifier: MIT */
/*
 * RT throttling and the fair server: the two ways the kernel takes a CPU
 * back from a real-time thread that never sleeps.
 */
#ifndef DC_TOOL_RT_THROTTLE_H
#define DC_TOOL_RT_THROTTLE_H

#include <sched.h>
#include <stddef.h>

#include "change.h"

#define RT_RUNTIME_PATH "/proc/sys/kernel/sched_rt_runtime_us"

/* sched_rt_runtime_us = -1, journaled; reports on c->out. */
void rt_throttle_off(struct changer *c);

/* "off (-1)", "on: 950000 us per 1000000 us", or why it is unknown. */
void rt_throttle_describe(char *buf, size_t len);

/*
 * The fair server of the CPUs in `cpus` (Linux 6.12+): it lends CFS tasks
 * runtime out of every period even under a spinning real-time thread.  Its
 * settings live in debugfs only: without debugfs the line says so.
 */
void fair_server_describe(const cpu_set_t *cpus, char *buf, size_t len);

#endif
