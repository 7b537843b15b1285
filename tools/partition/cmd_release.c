/* SPDX-License-Identifier: MIT */
/*
 * decouple release: give isolated CPUs back to Linux by undoing the state
 * file of `decouple isolate`, newest change first.  It works as well after
 * an isolate that was killed half-way, and reports what it could not restore.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "cpulist.h"
#include "journal.h"
#include "partition.h"
#include "sysfs.h"
#include "undo.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: decouple release [--state FILE] [--root DIR]\n"
		"\n"
		"Restore every value that `decouple isolate` saved, remove the cpusets it\n"
		"made and move their threads back.  Also after an interrupted isolate.\n"
		"\n"
		"  -s, --state FILE  the state file (default: $DC_STATE or %s)\n"
		"      --root DIR    root of /proc and /sys (tests; default: $DC_SYSROOT or /)\n"
		"  -h, --help        this text\n"
		"\n"
		"Exit status: 0 all restored (or nothing to release), 1 something could not\n"
		"be restored (the state file stays), 2 usage error.  See decouple-release(1).\n",
		DC_STATE_DEFAULT);
}

int cmd_release(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *state = NULL;
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': state = optarg; break;
		case 'r': setenv("DC_SYSROOT", optarg, 1); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "decouple release: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	char path[PATH_MAX];
	if (state ? str_fmt(path, sizeof(path), "%s", state) : dc_state_path(path, sizeof(path))) {
		fprintf(stderr, "decouple release: state file path too long\n");
		return 2;
	}
	if (access(path, F_OK) != 0) {
		printf("nothing to release: no state file %s\n", path);
		return 0;
	}
	if (!sysfs_is_fake() && geteuid() != 0) {
		fprintf(stderr, "decouple release: must run as root to restore cpusets and IRQ affinity\n");
		return 1;
	}

	struct journal j;
	int err = journal_open(&j, path);
	if (err) {
		fprintf(stderr, "decouple release: %s: %s\n", path,
			err == -EWOULDBLOCK ? "an isolate or release is running" : strerror(-err));
		return 1;
	}
	struct dc_partition p;
	err = dc_partition_load(path, &p);
	if (err == -EINVAL && !p.records) {
		printf("nothing to release: %s is empty (an isolate stopped before its first change)\n", path);
		journal_remove(&j);
		return 0;
	}
	if (!err && !p.this_boot) {
		printf("%s is from an earlier boot, whose changes the reboot undid: removed\n", path);
		journal_remove(&j);
		return 0;
	}
	struct jrecords recs;
	if (!err)
		err = journal_load(path, &recs);
	if (err) {
		fprintf(stderr, "decouple release: %s: %s: nothing restored\n", path,
			err == -EINVAL ? "malformed state file" : strerror(-err));
		journal_close(&j);
		return 1;
	}

	char list[1024];
	struct undo_report rep;
	if (dc_cpulist_format(&p.cpus, list, sizeof(list)) < 0)
		list[0] = 0;
	printf("releasing CPU %s (%s%s)\n", list, p.mechanism[0] ? p.mechanism : "no cpuset",
	       p.complete ? "" : ", from an interrupted isolate");
	int failed = undo_journal(&recs, stdout, &rep);
	journal_free(&recs);
	printf("%d values restored, %d were as saved already", rep.restored, rep.unchanged);
	if (rep.rt_threads)
		printf("; %d threads moved back from decouple's cpusets", rep.rt_threads);
	printf("\n");
	if (failed) {
		fprintf(stderr, "decouple release: %d could not be restored (listed above); %s is kept "
			"so that release can be run again\n", failed, path);
		journal_close(&j);
		return 1;
	}
	journal_remove(&j);
	return 0;
}
