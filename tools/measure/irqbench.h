/* SPDX-License-Identifier: MIT */
/*
 * Irq delivery latency: from a trigger's timestamp to its waiter running,
 * for a decoupled waiter (dc_irq_wait on the dedicated placement) and for a
 * SCHED_FIFO 99 Linux thread blocked on an eventfd, on the same CPU, taking
 * turns in one run.  Used by `decouple irqbench` (and `decouple bench`).
 */
#ifndef DC_TOOL_IRQBENCH_H
#define DC_TOOL_IRQBENCH_H

#include <stdint.h>

struct irqbench_opts {
	int cpu;			/* where both waiters run */
	uint64_t samples;		/* per waiter */
	uint64_t interval_ns;		/* between samples (jittered by up to a half) */
};

struct irqbench_stats {
	uint64_t n;
	double p50, p99, p999, max;	/* microseconds */
};

struct irqbench_result {
	struct irqbench_stats decoupled, linux;
};

/* One measurement.  0, or -errno (with a message on stderr). */
int irqbench_latency(const struct irqbench_opts *o, struct irqbench_result *r);

/*
 * `triggers` triggers from two Linux threads to one decoupled waiter on
 * `cpu`: what the waiter counted, in *counted.  0 or -errno.
 */
int irqbench_count(int cpu, uint64_t triggers, uint64_t *counted, double *seconds);

#endif
