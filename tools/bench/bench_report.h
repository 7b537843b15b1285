/* SPDX-License-Identifier: MIT */
/* The reports of `decouple bench`: summary.json and summary.md. */
#ifndef DC_TOOL_BENCH_REPORT_H
#define DC_TOOL_BENCH_REPORT_H

#include "bench_result.h"
#include "machine.h"

#include <stdio.h>

#include "json.h"

/*
 * r[] holds every configuration (BENCH_NCONFIGS, in table order); those not
 * selected are BENCH_PENDING and left out.  Statistics must be computed.
 * x[] holds the extras (BENCH_NEXTRAS, in bench_extra_kind order), or is
 * NULL when none was selected.  0 or -errno.
 */
int bench_write_json(const char *path, const struct machine *m, const struct bench_params *p,
		     const struct bench_result *r, const struct bench_extra *x);
int bench_write_markdown(const char *path, const struct machine *m, const struct bench_params *p,
			 const struct bench_result *r, const struct bench_extra *x);

/* A latency in µs with the precision that is meaningful at its size. */
void bench_fmt_us(char *buf, size_t len, double us);

#endif
