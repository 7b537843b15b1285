/* SPDX-License-Identifier: MIT */
/* A hex CPU mask file (IRQ affinity, workqueue cpumask) that must leave the isolated CPUs. */
#ifndef DC_TOOL_MASKFILE_H
#define DC_TOOL_MASKFILE_H

#include <sched.h>
#include <stddef.h>

#include "change.h"

/*
 * Remove `iso` from the mask in `path`; where nothing would be left, use
 * `hk`.  Written in the width of the old value.  `old` and `new` (may be
 * NULL) receive both masks as text.  1 changed (or would be), 0 already
 * clear of `iso`, -errno (-EINVAL: malformed).
 */
int maskfile_exclude(struct changer *c, const char *path, const cpu_set_t *iso,
		     const cpu_set_t *hk, char *old, char *new, size_t len);

#endif
