/* SPDX-License-Identifier: MIT */
/* The extras' parts of the reports of `decouple bench` (x may be NULL). */
#ifndef DC_TOOL_BENCH_REPORT_EXTRAS_H
#define DC_TOOL_BENCH_REPORT_EXTRAS_H

#include <stdio.h>

#include "bench_result.h"
#include "json.h"

void bench_json_extras(struct json *j, const struct bench_extra *x);
void bench_md_extras(FILE *f, const struct bench_extra *x);
void bench_acceptance_extras(FILE *f, const struct bench_extra *x);

#endif
