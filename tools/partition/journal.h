/* SPDX-License-Identifier: MIT */
/*
 * The state file of `decouple isolate` as a journal: records appended and
 * fsynced one by one, each before the change it describes.  Its format is
 * described in lib/common/partition.h.
 */
#ifndef DC_TOOL_JOURNAL_H
#define DC_TOOL_JOURNAL_H

#include <limits.h>

struct journal {
	int fd;
	char path[PATH_MAX];
};

/*
 * Open (creating it and its directory) and lock the state file at `path`.
 * 0; -EWOULDBLOCK when another isolate or release holds it; -errno.
 */
int journal_open(struct journal *j, const char *path);
void journal_close(struct journal *j);
/* Remove the state file (still locked), then close it. */
int journal_remove(struct journal *j);
/* Nonzero when the file holds no record yet. */
int journal_empty(const struct journal *j);

/* Append one record of up to three words after `kind`, durably.  0 or -errno. */
int journal_append(struct journal *j, const char *kind, const char *a, const char *b);

/* All records of a state file, for release. */
struct jrecord {
	char *kind, *a, *b;	/* a and b may be NULL */
};
struct jrecords {
	struct jrecord *r;
	int n;
};
/* 0, -ENOENT (no state), -EINVAL (malformed), -ENOMEM. */
int journal_load(const char *path, struct jrecords *out);
void journal_free(struct jrecords *recs);

#endif
