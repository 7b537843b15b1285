/* SPDX-License-Identifier: MIT */
/* One acceptance line of summary.md, shared by the report and its extras. */
#ifndef DC_TOOL_BENCH_CHECK_H
#define DC_TOOL_BENCH_CHECK_H

#include <stdio.h>

/* ok > 0 pass, 0 FAIL, < 0 n/a. */
void bench_check_line(FILE *f, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
