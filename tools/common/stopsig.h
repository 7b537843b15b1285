/* SPDX-License-Identifier: MIT */
/*
 * SIGINT and SIGTERM end a measurement early: the handler only raises a
 * flag, and the command still reports and saves what it measured.
 */
#ifndef DC_TOOL_STOPSIG_H
#define DC_TOOL_STOPSIG_H

#include <signal.h>
#include <stdatomic.h>

/* Set by the handler; the measuring loops poll it. */
extern _Atomic int stopsig_raised;

/* Install the handlers (no SA_RESTART: a sleeping main thread wakes).  0 or -errno. */
int stopsig_install(void);
/* SIGINT and SIGTERM, for pthread_sigmask(). */
void stopsig_set(sigset_t *set);

#endif
