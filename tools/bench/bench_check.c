/* SPDX-License-Identifier: MIT */
#include <stdarg.h>

#include "bench_check.h"

void bench_check_line(FILE *f, int ok, const char *fmt, ...)
{
	va_list ap;
	fprintf(f, "- %s ", ok > 0 ? "**pass**" : ok == 0 ? "**FAIL**" : "n/a:");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}
