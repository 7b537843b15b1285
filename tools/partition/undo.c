/* SPDX-License-Identifier: MIT */
/*
 * Undo a journal, newest record first, so that a file changed twice gets
 * its first value back and a cgroup is emptied before it is removed.
 * Values that already hold what was saved are left alone: a change that
 * failed, or never happened because isolate was killed, needs no undoing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfs.h"
#include "undo.h"

static int same_value(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	while (la && (a[la - 1] == '\n' || a[la - 1] == ' '))
		la--;
	while (lb && (b[lb - 1] == '\n' || b[lb - 1] == ' '))
		lb--;
	return la == lb && !memcmp(a, b, la);
}

static void undo_write(const struct jrecord *r, FILE *out, struct undo_report *rep)
{
	char cur[SYSFS_VALUE_MAX], shown[128];
	const char *old = r->b + 1;	/* after the '=' */
	int n = sysfs_read(r->a, cur, sizeof(cur));
	if (n >= 0 && same_value(cur, old)) {
		rep->unchanged++;
		return;
	}
	/* The exact bytes saved: kernel files take them as they gave them. */
	int err = n < 0 ? n : sysfs_write(r->a, old);
	if (!err) {
		rep->restored++;
		return;
	}
	snprintf(shown, sizeof(shown), "%s", old);
	sysfs_chomp(shown);
	fprintf(out, "  could not restore %s to \"%s\": %s\n", r->a, shown, strerror(-err));
	rep->failed++;
}

/* Move every thread listed in dir/taskfile to the parent cgroup.  The number left behind. */
static int evacuate(const char *dir, const char *taskfile, struct undo_report *rep)
{
	char from[PATH_MAX], to[PATH_MAX], parent[PATH_MAX];
	static char list[1 << 16];
	snprintf(parent, sizeof(parent), "%s", dir);
	char *slash = strrchr(parent, '/');
	if (slash)
		*slash = 0;
	if (str_fmt(from, sizeof(from), "%s/%s", dir, taskfile) ||
	    str_fmt(to, sizeof(to), "%s/%s", parent, taskfile))
		return 0;	/* the paths cannot exist either */
	int left = 0;
	/* Threads forked meanwhile join the cgroup of their parent: a few passes. */
	for (int pass = 0; pass < 5; pass++) {
		int n = sysfs_read(from, list, sizeof(list));
		if (n <= 0)
			return 0;
		left = 0;
		char *save;
		for (char *tok = strtok_r(list, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
			int err = sysfs_write(to, tok);
			if (err == -ESRCH)
				continue;	/* exited */
			if (err == -EOPNOTSUPP && !strcmp(taskfile, "cgroup.threads")) {
				/* cgroup v2: a thread of a process outside the threaded domain */
				char procs[PATH_MAX];
				str_fmt(procs, sizeof(procs), "%s/cgroup.procs", parent);
				err = sysfs_write(procs, tok);
			}
			if (err)
				left++;
			else
				rep->rt_threads++;
		}
		if (sysfs_is_fake())
			return left;	/* a fake tree's task files never drain */
	}
	return left;
}

/* A fake tree's cgroup is a plain directory: its files must go first. */
static void empty_fake_dir(const char *full)
{
	DIR *d = opendir(full);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char p[PATH_MAX];
		if (e->d_name[0] == '.')
			continue;
		if (!str_fmt(p, sizeof(p), "%s/%s", full, e->d_name))
			unlink(p);
	}
	closedir(d);
}

/*
 * A cgroup v2 partition becomes a member again before its directory goes:
 * Linux 6.1 gives the parent back the CPUs of a removed isolated threaded
 * partition only that way (rmdir alone left the root's
 * cpuset.cpus.effective at "0" for "0-1"; seen in make check-vm, Debian's
 * 6.1.0-57 kernel).  A directory without the file (cgroup v1) is left as
 * it is.
 */
static void leave_partition(const char *dir, FILE *out)
{
	char file[PATH_MAX], state[SYSFS_VALUE_MAX];
	if (str_fmt(file, sizeof(file), "%s/cpuset.cpus.partition", dir) ||
	    sysfs_read(file, state, sizeof(state)) < 0)
		return;
	sysfs_chomp(state);
	if (!strcmp(state, "member"))
		return;
	int err = sysfs_write(file, "member");
	if (err)
		fprintf(out, "  could not write member to %s: %s\n", file, strerror(-err));
}

static void undo_mkdir(const struct jrecord *r, FILE *out, struct undo_report *rep)
{
	char full[PATH_MAX];
	if (!sysfs_is_dir(r->a)) {
		rep->unchanged++;	/* killed before mkdir, or removed already */
		return;
	}
	int before = rep->rt_threads;
	int left = evacuate(r->a, r->b, rep);
	if (rep->rt_threads > before)
		fprintf(out, "  moved %d threads out of %s\n", rep->rt_threads - before, r->a);
	sysfs_path(full, sizeof(full), r->a);
	leave_partition(r->a, out);
	if (sysfs_is_fake())
		empty_fake_dir(full);
	if (rmdir(full) == 0) {
		rep->restored++;
		return;
	}
	int err = errno;
	fprintf(out, "  could not remove %s: %s", r->a, strerror(err));
	if (left)
		fprintf(out, " (%d threads would not leave it)", left);
	fputc('\n', out);
	rep->failed++;
}

static void undo_enable(const struct jrecord *r, FILE *out, struct undo_report *rep)
{
	char value[64];
	snprintf(value, sizeof(value), "-%s", r->b);
	int err = sysfs_write(r->a, value);
	if (!err) {
		rep->restored++;
		return;
	}
	fprintf(out, "  could not write %s to %s: %s\n", value, r->a, strerror(-err));
	rep->failed++;
}

/*
 * Records that describe the partition and change nothing ("keep-irq": the
 * change it names is a "write" record of its own).  Any other kind is a
 * change this release does not know how to undo: it is reported and the
 * state file kept, never skipped.
 */
static int is_header(const char *kind)
{
	static const char *const kinds[] = {
		"decouple-state", "boot", "cpus", "mechanism", "cpuset", "admit", "keep-irq",
		"complete",
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i]))
			return 1;
	return 0;
}

int undo_journal(const struct jrecords *recs, FILE *out, struct undo_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	for (int i = recs->n - 1; i >= 0; i--) {
		const struct jrecord *r = &recs->r[i];
		if (!strcmp(r->kind, "write") && r->a && r->b && r->b[0] == '=')
			undo_write(r, out, rep);
		else if (!strcmp(r->kind, "mkdir") && r->a && r->b)
			undo_mkdir(r, out, rep);
		else if (!strcmp(r->kind, "enable") && r->a && r->b)
			undo_enable(r, out, rep);
		else if (!is_header(r->kind)) {
			fprintf(out, "  record %d (%s) is malformed or unknown: not undone\n",
				i + 1, r->kind);
			rep->failed++;
		}
	}
	return rep->failed;
}
