/* SPDX-License-Identifier: MIT */
/*
 * Local timer interrupts per CPU: the "LOC" row of /proc/interrupts (read
 * under DC_SYSROOT, so that tests can give a fake tree).  A difference of
 * two readings says which CPU took a run's timer interrupts.
 */
#ifndef DC_TOOL_LOCIRQ_H
#define DC_TOOL_LOCIRQ_H

#include <stdint.h>

#define LOCIRQ_MAX_CPUS 1024

struct locirq {
	int ok;				/* the row was found */
	uint64_t count[LOCIRQ_MAX_CPUS];	/* by CPU number; 0 for CPUs not listed */
	int listed[LOCIRQ_MAX_CPUS];	/* the CPU had a column */
};

/* Read /proc/interrupts.  0, or -errno (-ENOENT: no LOC row); l->ok says. */
int locirq_read(struct locirq *l);

/*
 * What happened between `before` and `after`, added to sum (counts by
 * CPU; sum->ok only when both readings had the row).
 */
void locirq_add_diff(struct locirq *sum, const struct locirq *before, const struct locirq *after);

/* The CPU with the most interrupts in l, or -1 when none has any. */
int locirq_busiest(const struct locirq *l);

#endif
