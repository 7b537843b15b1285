/* SPDX-License-Identifier: MIT */
/*
 * What the library needs to know of the partition made by `decouple isolate`.
 * Until that lands, no CPU is considered isolated.
 */
#include "internal.h"

int dc_partition_cpu_isolated(int cpu)
{
	(void)cpu;
	return 0;
}

int dc_partition_admit(int cpu, int tid)
{
	(void)cpu;
	(void)tid;
	return 0;
}
