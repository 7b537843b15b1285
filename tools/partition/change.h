/* SPDX-License-Identifier: MIT */
/*
 * Changes that `decouple isolate` makes, each journaled before it is made,
 * or only printed in a dry run.
 *
 * Test hook: DC_ISOLATE_STOP_AFTER=N kills the process with SIGKILL right
 * after its Nth change, as a crash would, so that tests can check that
 * `decouple release` undoes an interrupted isolate.
 */
#ifndef DC_TOOL_CHANGE_H
#define DC_TOOL_CHANGE_H

#include <stdio.h>

#include "journal.h"

struct changer {
	int dry_run;
	int resuming;			/* the journal already describes this partition */
	struct journal *journal;	/* NULL in a dry run */
	FILE *out;			/* the report (and the plan of a dry run) */
	unsigned long applied;		/* changes made */
	unsigned long stop_after;	/* the test hook; 0: never */
};

/* 0, or -EINVAL for a malformed DC_ISOLATE_STOP_AFTER. */
int changer_init(struct changer *c, struct journal *j, int dry_run, FILE *out);

/*
 * Make `path` hold `value` unless it does already (trailing white space
 * aside): journal its old contents, then write.  `old` (may be NULL)
 * receives the old contents.  1 changed (or would be, in a dry run), 0 was
 * so already, -errno.
 */
int change_write(struct changer *c, const char *path, const char *value, char *old, size_t oldlen);

/* The same for a file in a directory that this isolate created: no journal. */
int change_write_owned(struct changer *c, const char *path, const char *value);

/*
 * Create the cgroup directory `path`, journaled so that release moves the
 * threads listed in its `taskfile` to the parent and removes it.  1 created,
 * 0 it exists and the journal owns it (c->resuming), -EEXIST it exists
 * otherwise, -errno.
 */
int change_mkdir(struct changer *c, const char *path, const char *taskfile);

/* Write "+controller" to `path` (cgroup.subtree_control), journaled. */
int change_enable(struct changer *c, const char *path, const char *controller);

/* printf to c->out, except in a dry run (whose plan says it already). */
void change_report(struct changer *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Count a change that the journal covers otherwise (a thread moved into a cgroup we made). */
void change_applied(struct changer *c);

#endif
