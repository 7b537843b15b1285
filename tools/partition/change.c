/* SPDX-License-Identifier: MIT */
/* Journaled changes and dry runs.  See change.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "change.h"
#include "sysfs.h"

int changer_init(struct changer *c, struct journal *j, int dry_run, FILE *out)
{
	memset(c, 0, sizeof(*c));
	c->dry_run = dry_run;
	c->journal = dry_run ? NULL : j;
	c->out = out;
	const char *hook = getenv("DC_ISOLATE_STOP_AFTER");
	if (hook && *hook) {
		char *end;
		unsigned long v = strtoul(hook, &end, 10);
		if (*end)
			return -EINVAL;
		c->stop_after = v;
	}
	return 0;
}

void change_report(struct changer *c, const char *fmt, ...)
{
	if (c->dry_run)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
}

void change_applied(struct changer *c)
{
	c->applied++;
	if (c->stop_after && c->applied >= c->stop_after) {
		fflush(NULL);
		kill(getpid(), SIGKILL);
	}
}

static int same_value(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	while (la && (a[la - 1] == '\n' || a[la - 1] == ' '))
		la--;
	while (lb && (b[lb - 1] == '\n' || b[lb - 1] == ' '))
		lb--;
	return la == lb && !memcmp(a, b, la);
}

static void show(const char *s, char *buf, size_t len)
{
	str_fmt(buf, len, "%s", s);	/* shortened for the plan */
	sysfs_chomp(buf);
	if (!buf[0])
		snprintf(buf, len, "(empty)");
}

static void plan(struct changer *c, const char *path, const char *old, const char *value)
{
	char a[128], b[128];
	show(value, b, sizeof(b));
	if (old) {
		show(old, a, sizeof(a));
		fprintf(c->out, "  would write %s: %s -> %s\n", path, a, b);
	} else {
		fprintf(c->out, "  would write %s: %s\n", path, b);
	}
}

int change_write(struct changer *c, const char *path, const char *value, char *old, size_t oldlen)
{
	char cur[SYSFS_VALUE_MAX], word[SYSFS_VALUE_MAX + 1];
	int n = sysfs_read(path, cur, sizeof(cur));
	if (n < 0)
		return n;
	if (old)
		snprintf(old, oldlen, "%s", cur);
	if (same_value(cur, value))
		return 0;
	if (c->dry_run) {
		plan(c, path, cur, value);
		return 1;
	}
	snprintf(word, sizeof(word), "=%s", cur);
	int err = journal_append(c->journal, "write", path, word);
	if (err)
		return err;
	err = sysfs_write(path, value);
	if (err)
		return err;
	change_applied(c);
	return 1;
}

int change_write_owned(struct changer *c, const char *path, const char *value)
{
	char cur[SYSFS_VALUE_MAX];
	int n = sysfs_read(path, cur, sizeof(cur));
	if (n >= 0 && same_value(cur, value))
		return 0;
	if (c->dry_run) {
		plan(c, path, NULL, value);
		return 1;
	}
	if (n == -ENOENT && sysfs_is_fake()) {
		/* A fake tree's new "cgroup" is an empty directory: make the file. */
		char full[PATH_MAX];
		sysfs_path(full, sizeof(full), path);
		int fd = open(full, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	int err = sysfs_write(path, value);
	if (err)
		return err;
	change_applied(c);
	return 1;
}

int change_mkdir(struct changer *c, const char *path, const char *taskfile)
{
	if (sysfs_is_dir(path))
		return c->resuming ? 0 : -EEXIST;
	if (c->dry_run) {
		fprintf(c->out, "  would create %s\n", path);
		return 1;
	}
	int err = journal_append(c->journal, "mkdir", path, taskfile);
	if (err)
		return err;
	char full[PATH_MAX];
	err = sysfs_path(full, sizeof(full), path);
	if (err)
		return err;
	if (mkdir(full, 0755) != 0)
		return -errno;
	if (sysfs_is_fake()) {
		/* cgroupfs makes a cgroup's files with it; a fake tree's directory is empty */
		char file[PATH_MAX + 64];
		if (str_fmt(file, sizeof(file), "%s/%s", full, taskfile) == 0) {
			int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
		}
	}
	change_applied(c);
	return 1;
}

int change_enable(struct changer *c, const char *path, const char *controller)
{
	char value[64];
	snprintf(value, sizeof(value), "+%s", controller);
	if (c->dry_run) {
		plan(c, path, NULL, value);
		return 1;
	}
	int err = journal_append(c->journal, "enable", path, controller);
	if (err)
		return err;
	err = sysfs_write(path, value);
	if (err)
		return err;
	change_applied(c);
	return 1;
}
