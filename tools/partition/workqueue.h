/* SPDX-License-Identifier: MIT */
/* Unbound workqueues off the isolated CPUs: /sys/devices/virtual/workqueue/cpumask. */
#ifndef DC_TOOL_WORKQUEUE_H
#define DC_TOOL_WORKQUEUE_H

#include <sched.h>

#include "change.h"

#define WQ_CPUMASK_PATH "/sys/devices/virtual/workqueue/cpumask"

void workqueue_isolate(struct changer *c, const cpu_set_t *iso, const cpu_set_t *hk);

#endif
