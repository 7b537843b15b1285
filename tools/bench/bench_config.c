/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench_config.h"

/*
 * The order here is the order of the report.  The measuring order is
 * decided by cmd_bench.c (unpartitioned ones together, then partitioned).
 */
const struct bench_config bench_configs[BENCH_NCONFIGS] = {
	{ "linux-idle", BENCH_CYCLICTEST, false, false, "Fig. 3/6, no load",
	  "cyclictest, Linux wakes it on a CPU it shares with everything" },
	{ "linux-load", BENCH_CYCLICTEST, false, true, "Fig. 3/6, hackbench",
	  "cyclictest under load on all CPUs, as the paper's bare-metal runs" },
	{ "decoupled-shared-idle", BENCH_LAT_SHARED, false, false, "Fig. 5/8, no load",
	  "decouple lat, executive at FIFO 99 on a CPU Linux also uses" },
	{ "decoupled-shared-load", BENCH_LAT_SHARED, false, true, "Fig. 5/8, hackbench",
	  "decouple lat on the shared CPU while hackbench runs there too" },
	{ "linux-isolated-idle", BENCH_CYCLICTEST, true, false, "(none: strong baseline)",
	  "cyclictest inside the partition: Linux wakes it on the isolated CPU" },
	{ "linux-isolated-load", BENCH_CYCLICTEST, true, true, "(none: strong baseline)",
	  "cyclictest on the isolated CPU, hackbench on the others" },
	{ "decoupled-dedicated-idle", BENCH_LAT_DEDICATED, true, false, "Fig. 4/7, no load",
	  "decouple lat, executive polling on the isolated CPU" },
	{ "decoupled-dedicated-load", BENCH_LAT_DEDICATED, true, true, "Fig. 4/7, hackbench",
	  "decouple lat on the isolated CPU, hackbench on the others" },
	{ "noise-idle", BENCH_NOISE, true, false, "(none: the floor)",
	  "decouple noise: lateness a bare polling loop sees at each deadline" },
	{ "noise-load", BENCH_NOISE, true, true, "(none: the floor)",
	  "decouple noise on the isolated CPU, hackbench on the others" },
	{ "linux-irq-idle", BENCH_IRQ_LINUX, true, false, "(none: interrupt baseline)",
	  "decouple irqlat: SCHED_FIFO 99 thread in read() on a periodic timerfd, isolated CPU" },
	{ "linux-irq-load", BENCH_IRQ_LINUX, true, true, "(none: interrupt baseline)",
	  "the timerfd reader on the isolated CPU, hackbench on the others" },
	{ "decoupled-irq-idle", BENCH_IRQ_DECOUPLED, true, false, "Fig. 4 for interrupts, no load",
	  "decouple irqlat: decoupled ISR in dc_irq_wait() on the timerfd, default path" },
	{ "decoupled-irq-load", BENCH_IRQ_DECOUPLED, true, true, "Fig. 4 for interrupts, hackbench",
	  "the decoupled ISR on the isolated CPU, hackbench on the others" },
	{ "irq-floor-idle", BENCH_IRQ_FLOOR, true, false, "(none: the interrupt floor)",
	  "decouple irqlat: expiry to return to user of a bare polling loop on the CPU" },
	{ "irq-floor-load", BENCH_IRQ_FLOOR, true, true, "(none: the interrupt floor)",
	  "the interrupt floor on the isolated CPU, hackbench on the others" },
};

const char *bench_irq_variant(enum bench_tool tool)
{
	switch (tool) {
	case BENCH_IRQ_LINUX: return "linux";
	case BENCH_IRQ_DECOUPLED: return "decoupled";
	case BENCH_IRQ_FLOOR: return "floor";
	default: return NULL;
	}
}

const char *const bench_extra_names[BENCH_NEXTRAS] = { "irqbench", "fwdbench" };

int bench_config_index(const char *name)
{
	for (int i = 0; i < BENCH_NCONFIGS; i++)
		if (!strcmp(bench_configs[i].name, name))
			return i;
	return -1;
}

/* Index into a selection: a configuration's, or BENCH_NCONFIGS + an extra's.  -1 if neither. */
static int select_index(const char *name)
{
	int i = bench_config_index(name);
	for (int k = 0; i < 0 && k < BENCH_NEXTRAS; k++)
		if (!strcmp(bench_extra_names[k], name))
			i = BENCH_NCONFIGS + k;
	return i;
}

int bench_configs_parse(const char *list, bool sel[BENCH_NSELECT], char *bad, size_t badlen)
{
	memset(sel, 0, BENCH_NSELECT * sizeof(*sel));
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		char name[64];
		int i = -1;
		if (len && len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = 0;
			i = select_index(name);
		}
		if (i < 0) {
			snprintf(bad, badlen, "%.*s", (int)len, p);
			return -EINVAL;
		}
		sel[i] = true;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}
