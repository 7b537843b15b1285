/* SPDX-License-Identifier: MIT */
/* The state file as a journal.  See journal.h and lib/common/partition.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "partition.h"

/* mkdir -p of the directory that will hold `path`. */
static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int journal_open(struct journal *j, const char *path)
{
	j->fd = -1;
	if (snprintf(j->path, sizeof(j->path), "%s", path) >= (int)sizeof(j->path))
		return -ENAMETOOLONG;
	int err = make_parent(path);
	if (err)
		return err;
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	j->fd = fd;
	return 0;
}

void journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

int journal_remove(struct journal *j)
{
	int err = unlink(j->path) == 0 ? 0 : -errno;
	journal_close(j);
	return err;
}

int journal_empty(const struct journal *j)
{
	struct stat st;
	return fstat(j->fd, &st) == 0 && st.st_size == 0;
}

int journal_append(struct journal *j, const char *kind, const char *a, const char *b)
{
	const char *words[3] = { kind, a, b };
	char line[DC_STATE_MAX_LINE];
	size_t n = 0;
	for (int i = 0; i < 3 && words[i]; i++) {
		if (i)
			line[n++] = ' ';
		int w = dc_state_escape(words[i], line + n, sizeof(line) - n - 1);
		if (w < 0)
			return w;
		if (w == 0)
			return -EINVAL;	/* an empty word cannot be read back */
		n += (size_t)w;
	}
	line[n++] = '\n';
	/* One write: with O_APPEND a record is either all there or cut short. */
	ssize_t w = write(j->fd, line, n);
	if (w < 0)
		return -errno;
	if ((size_t)w != n)
		return -EIO;
	return fsync(j->fd) == 0 ? 0 : -errno;
}

static char *dup_word(const struct dc_state_record *r, int i)
{
	return i < r->argc ? strdup(r->argv[i]) : NULL;
}

static int load_one(const struct dc_state_record *r, void *ctx)
{
	struct jrecords *out = ctx;
	if (r->argc > 3)
		return -EINVAL;
	struct jrecord *grown = realloc(out->r, (size_t)(out->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	out->r = grown;
	struct jrecord *rec = &out->r[out->n];
	rec->kind = dup_word(r, 0);
	rec->a = dup_word(r, 1);
	rec->b = dup_word(r, 2);
	out->n++;
	if (!rec->kind || (r->argc > 1 && !rec->a) || (r->argc > 2 && !rec->b))
		return -ENOMEM;
	return 0;
}

int journal_load(const char *path, struct jrecords *out)
{
	out->r = NULL;
	out->n = 0;
	int err = dc_state_read(path, load_one, out);
	if (!err && (out->n == 0 || strcmp(out->r[0].kind, "decouple-state")))
		err = -EINVAL;
	if (err)
		journal_free(out);
	return err;
}

void journal_free(struct jrecords *recs)
{
	for (int i = 0; i < recs->n; i++) {
		free(recs->r[i].kind);
		free(recs->r[i].a);
		free(recs->r[i].b);
	}
	free(recs->r);
	recs->r = NULL;
	recs->n = 0;
}
