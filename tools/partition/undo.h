/* SPDX-License-Identifier: MIT */
/* Undo a journal of `decouple isolate`, newest record first: release, and the rollback of a failed isolate. */
#ifndef DC_TOOL_UNDO_H
#define DC_TOOL_UNDO_H

#include <stdio.h>

#include "journal.h"

struct undo_report {
	int restored;		/* values written back, cgroups removed */
	int unchanged;		/* already as saved */
	int failed;		/* could not be restored: each one is reported on `out` */
	int rt_threads;		/* threads found in a cgroup being removed, moved out */
};

/* Undo every record of `recs`.  Reports each failure on `out`.  Returns rep->failed. */
int undo_journal(const struct jrecords *recs, FILE *out, struct undo_report *rep);

#endif
