/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "bench_partition.h"
#include "bench_run.h"
#include "partition.h"

/* --- the partition ----------------------------------------------------------- */

int bench_isolate(struct bench_partition *bp)
{
	char cpu[16], log[PATH_MAX];
	snprintf(cpu, sizeof(cpu), "%d", bp->cpu);
	snprintf(log, sizeof(log), "%s/raw/isolate-%d.log", bp->out, bp->isolations + 1);
	char *argv[] = { bp->self, "isolate", "--cpus", cpu, NULL };
	int st = bench_run_simple(argv, log);
	struct dc_partition part;
	if (st == 0 && dc_partition_load(NULL, &part) == 0 && dc_partition_active(&part)) {
		bp->isolated = true;
		bp->isolations++;
		return 0;
	}
	fprintf(stderr, "decouple bench: `decouple isolate --cpus %s` failed (exit %d): see %s\n",
		cpu, st, log);
	/* A failed isolate rolls itself back; a journal it still leaves is released. */
	if (dc_partition_load(NULL, &part) != -ENOENT) {
		bp->isolated = true;
		bp->isolations++;
	}
	return -EIO;
}

int bench_release(struct bench_partition *bp)
{
	char log[PATH_MAX];
	if (!bp->isolated)
		return 0;
	snprintf(log, sizeof(log), "%s/raw/release-%d.log", bp->out, bp->isolations);
	char *argv[] = { bp->self, "release", NULL };
	int st = bench_run_simple(argv, log);
	bp->isolated = false;
	if (st) {
		fprintf(stderr, "decouple bench: `decouple release` failed (exit %d): see %s, and run "
			"`decouple release` again\n", st, log);
		bp->release_failed = true;
		return -EIO;
	}
	return 0;
}
