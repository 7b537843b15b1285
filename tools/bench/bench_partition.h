/* SPDX-License-Identifier: MIT */
/*
 * The partition during `decouple bench`: `decouple isolate` and `decouple
 * release` run as child processes of this same executable, their output in
 * DIR/raw/isolate-N.log and release-N.log.
 */
#ifndef DC_TOOL_BENCH_PARTITION_H
#define DC_TOOL_BENCH_PARTITION_H

#include <stdbool.h>

struct bench_partition {
	char *self;		/* this executable (exec wants it writable) */
	const char *out;	/* the report directory */
	int cpu;
	bool isolated;		/* a partition (or what a failed isolate left) is in place */
	int isolations;
	bool release_failed;	/* some release could not restore everything */
};

/* Isolate bp->cpu.  0, or -EIO after a message. */
int bench_isolate(struct bench_partition *bp);
/* Release, when isolated.  0, or -EIO after a message. */
int bench_release(struct bench_partition *bp);

#endif
