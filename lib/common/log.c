/* SPDX-License-Identifier: MIT */
/* Warnings to stderr, silenced by DC_QUIET=1.  Linux context only. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <stdatomic.h>

#include "log.h"

static void vwarn(const char *fmt, va_list ap)
{
	const char *quiet = getenv("DC_QUIET");
	if (quiet && *quiet && *quiet != '0')
		return;
	char buf[512];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "decouple: warning: %s\n", buf);
}

void dc_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void dc_warn_once(_Atomic int *once, const char *fmt, ...)
{
	if (atomic_exchange(once, 1))
		return;
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}
