/* SPDX-License-Identifier: MIT */
/* Interrupts off the isolated CPUs: /proc/irq/N/smp_affinity and default_smp_affinity. */
#ifndef DC_TOOL_IRQ_AFFINITY_H
#define DC_TOOL_IRQ_AFFINITY_H

#include <sched.h>

#include "change.h"

/* Move every IRQ that allows it, and the default, off `iso`; reports on c->out. */
void irq_isolate(struct changer *c, const cpu_set_t *iso, const cpu_set_t *hk);

/*
 * The IRQs that may still fire on `cpus`: those whose affinity includes one
 * of them, and those whose affinity does not but whose effective affinity
 * still does (x86 moves an IRQ at its next interrupt).  "N (name)" lists.
 */
struct irq_census {
	int allowed, pending;
	char allowed_list[1024], pending_list[1024];
};
void irq_on_cpus(const cpu_set_t *cpus, struct irq_census *out);

#endif
