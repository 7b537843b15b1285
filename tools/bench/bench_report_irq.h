/* SPDX-License-Identifier: MIT */
/*
 * The interrupt configurations' part of summary.md (issue 12): the
 * acceptance lines of the decoupled ISR against the SCHED_FIFO 99 timerfd
 * reader and the interrupt floor, on the isolated CPU.
 */
#ifndef DC_TOOL_BENCH_REPORT_IRQ_H
#define DC_TOOL_BENCH_REPORT_IRQ_H

#include <stdio.h>

#include "bench_result.h"

/* Periods that passed without a wake-up, in % of all periods of r. */
double bench_missed_percent(const struct bench_result *r);

/* r[BENCH_NCONFIGS], statistics computed.  One line each; n/a where not measured. */
void bench_acceptance_irq(FILE *f, const struct bench_result *r);

#endif
