/* SPDX-License-Identifier: MIT */
/*
 * Background load for benchmarks: a shell command run over and over in its
 * own process group, so that stopping it reaps every process it started.
 */
#ifndef DC_TOOL_LOAD_H
#define DC_TOOL_LOAD_H

#include <sys/types.h>

struct load {
	pid_t pgid;	/* 0 when not running */
};

/* Start `cmd` (sh -c), restarted whenever it ends.  0 or -errno. */
int load_start(struct load *l, const char *cmd);
/*
 * Stop it: SIGTERM to the group, SIGKILL after a grace period, and reap.
 * Returns the number of processes still found in the group afterwards (0).
 * Async-signal-safe.
 */
int load_stop(struct load *l);

#endif
