/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

void progress_init(struct progress *p, bool wanted)
{
	p->on = wanted && isatty(STDOUT_FILENO);
	p->shown = false;
}

void progress_update(struct progress *p, const char *fmt, ...)
{
	if (!p->on)
		return;
	va_list ap;
	va_start(ap, fmt);
	/* Carriage return, the text, then erase whatever a longer line left. */
	fputc('\r', stdout);
	vfprintf(stdout, fmt, ap);
	fputs("\033[K", stdout);
	va_end(ap);
	fflush(stdout);
	p->shown = true;
}

void progress_end(struct progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stdout);
	fflush(stdout);
	p->shown = false;
}

void progress_watch(bool wanted, _Atomic int *finished,
		    void (*show)(struct progress *p, void *arg), void *arg)
{
	struct progress p;
	progress_init(&p, wanted);
	while (!atomic_load_explicit(finished, memory_order_acquire)) {
		/* A signal cuts the nap short; the measuring thread sees the flag itself. */
		struct timespec nap = { 0, 100 * 1000 * 1000 };
		nanosleep(&nap, NULL);
		show(&p, arg);
	}
	progress_end(&p);
}
