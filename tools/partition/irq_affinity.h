/* SPDX-License-Identifier: MIT */
/*
 * Interrupts off the isolated CPUs: /proc/irq/N/smp_affinity and
 * default_smp_affinity; and the device IRQs that `--irq` keeps on them
 * (/proc/irq/N/smp_affinity_list).
 */
#ifndef DC_TOOL_IRQ_AFFINITY_H
#define DC_TOOL_IRQ_AFFINITY_H

#include <sched.h>
#include <stddef.h>

#include "change.h"

/* The most IRQs one `--irq` can keep on the real-time CPUs. */
#define IRQ_KEEP_MAX 32

/* The IRQs `--irq` names, in order, each once. */
struct irq_keep {
	int n;
	int irq[IRQ_KEEP_MAX];
};

/*
 * Add the IRQs of `arg` ("N[,M...]") to `k`, dropping duplicates; each must
 * be a directory of /proc/irq with an smp_affinity_list.  0, or -EINVAL
 * with the reason in `why` (a phrase naming the item).
 */
int irq_keep_parse(const char *arg, struct irq_keep *k, char *why, size_t len);
/* Nonzero when `k` holds `irq`. */
int irq_keep_has(const struct irq_keep *k, int irq);
/* "6, 11" (or "none"). */
void irq_keep_format(const struct irq_keep *k, char *buf, size_t len);
/*
 * The IRQs kept by the partition of the state file at `path`: its
 * "keep-irq N" records.  0, or -errno from reading it.
 */
int irq_keep_load(const char *path, struct irq_keep *k);

/*
 * Set smp_affinity_list of every IRQ of `k` to `iso`, journaled.  An IRQ
 * that refuses is an error: 0, or -errno after a message on stderr that
 * names it (the caller rolls back).  Reports on c->out.
 */
int irq_keep_apply(struct changer *c, const struct irq_keep *k, const cpu_set_t *iso);

/*
 * Move every IRQ that allows it, and the default, off `iso`; reports on
 * c->out.  The IRQs of `keep` (may be NULL) are left alone.
 */
void irq_isolate(struct changer *c, const cpu_set_t *iso, const cpu_set_t *hk,
		 const struct irq_keep *keep);

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

/* "N (name)" of an IRQ, or "N" when it has no named handler. */
void irq_describe(int irq, char *buf, size_t len);

#endif
