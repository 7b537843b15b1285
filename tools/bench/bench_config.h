/* SPDX-License-Identifier: MIT */
/*
 * The configurations of `decouple bench`: the paper's twelve (Section III.B)
 * as they exist on one machine, plus the strong Linux baseline on the
 * partitioned CPU and the machine's noise floor; then the interrupt
 * configurations (`decouple irqlat`: a periodic timerfd's interrupt).  Names are fixed by
 * DESIGN.md ("Benchmark configuration names").
 */
#ifndef DC_TOOL_BENCH_CONFIG_H
#define DC_TOOL_BENCH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum bench_tool {
	BENCH_CYCLICTEST,	/* rt-tests' cyclictest: Linux wakes the thread */
	BENCH_LAT_SHARED,	/* decouple lat --placement shared */
	BENCH_LAT_DEDICATED,	/* decouple lat --placement dedicated */
	BENCH_NOISE,		/* decouple noise: a bare polling loop */
	BENCH_IRQ_LINUX,	/* decouple irqlat --variants linux: FIFO 99 thread in read() on a timerfd */
	BENCH_IRQ_DECOUPLED,	/* decouple irqlat --variants decoupled: the ISR, default path */
	BENCH_IRQ_FLOOR,	/* decouple irqlat --variants floor: the interrupt floor */
};

/* The irqlat variant a configuration measures, or NULL for a timer configuration. */
const char *bench_irq_variant(enum bench_tool tool);

struct bench_config {
	const char *name;
	enum bench_tool tool;
	bool partitioned;	/* measured while `decouple isolate` holds the CPU */
	bool load;		/* hackbench (or --load) runs meanwhile */
	const char *figure;	/* the paper's counterpart */
	const char *what;	/* one line for the report */
};

#define BENCH_NCONFIGS 16
extern const struct bench_config bench_configs[BENCH_NCONFIGS];

/* Index of the configuration called `name`, or -1. */
int bench_config_index(const char *name);

/*
 * The extras: benchmarks of their own (`decouple irqbench`, `decouple
 * fwdbench`) that bench runs once, unpartitioned, and reports beside the
 * latency configurations.  In a selection they follow the configurations:
 * sel[BENCH_NCONFIGS + BENCH_IRQBENCH].
 */
enum bench_extra_kind { BENCH_IRQBENCH, BENCH_FWDBENCH, BENCH_NEXTRAS };
#define BENCH_NSELECT (BENCH_NCONFIGS + BENCH_NEXTRAS)
extern const char *const bench_extra_names[BENCH_NEXTRAS];

/*
 * A comma-separated list of configuration and extra names into sel[] (all
 * false first).  0, or -EINVAL with the offending name copied into bad (an
 * empty name too).
 */
int bench_configs_parse(const char *list, bool sel[BENCH_NSELECT], char *bad, size_t badlen);

#endif
