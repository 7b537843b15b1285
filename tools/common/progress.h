/* SPDX-License-Identifier: MIT */
/*
 * The live status line of a measuring command: rewritten in place on a
 * terminal, never written anywhere else (a pipe or file gets the final
 * report only).
 */
#ifndef DC_TOOL_PROGRESS_H
#define DC_TOOL_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>

struct progress {
	bool on;	/* stdout is a terminal and the caller wants the line */
	bool shown;	/* something is on the line now */
};

void progress_init(struct progress *p, bool wanted);
/* Replace the line with the formatted text. */
void progress_update(struct progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Clear the line, so that the report starts on a clean one. */
void progress_end(struct progress *p);

/*
 * A measuring command's main thread while its measuring thread runs: until
 * *finished (stored with release), every 100 ms show(p, arg) may update the
 * line; then the line is cleared.
 */
void progress_watch(bool wanted, _Atomic int *finished,
		    void (*show)(struct progress *p, void *arg), void *arg);

#endif
