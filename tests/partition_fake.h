/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the partition tests: fake /proc and /sys trees (DC_SYSROOT),
 * snapshots of a tree, and running a `decouple` command in a child process
 * with its output captured.
 */
#ifndef DC_TEST_PARTITION_FAKE_H
#define DC_TEST_PARTITION_FAKE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/fs.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static char fake_root[PATH_MAX];

static inline void fake_path(char *buf, size_t len, const char *path)
{
	if ((size_t)snprintf(buf, len, "%s%s", fake_root, path) >= len)
		abort();
}

static inline void mkdir_p(const char *dir)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

/* Write a file of the fake tree, making its directories. */
static inline void fake_file(const char *path, const char *content)
{
	char full[PATH_MAX], dir[PATH_MAX];
	fake_path(full, sizeof(full), path);
	snprintf(dir, sizeof(dir), "%s", full);
	*strrchr(dir, '/') = 0;
	mkdir_p(dir);
	FILE *f = fopen(full, "w");
	if (!f) {
		perror(full);
		exit(1);
	}
	fputs(content, f);
	fclose(f);
}

static inline void fake_dir(const char *path)
{
	char full[PATH_MAX];
	fake_path(full, sizeof(full), path);
	mkdir_p(full);
}

static inline void fake_remove(const char *path)
{
	char full[PATH_MAX];
	fake_path(full, sizeof(full), path);
	unlink(full);
}

/* A fake thread: /proc/TID/stat (flags, last CPU) and status (allowed CPUs). */
static inline void fake_task(int tid, const char *comm, unsigned long flags, const char *allowed, int psr)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	int n = snprintf(buf, sizeof(buf), "%d (%s) S 0 %d %d 0 -1 %lu", tid, comm, tid, tid, flags);
	for (int field = 10; field < 39; field++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " 0");
	snprintf(buf + n, sizeof(buf) - (size_t)n, " %d 0 0 0\n", psr);
	fake_file(path, buf);
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	snprintf(buf, sizeof(buf), "Name:\t%s\nTgid:\t%d\nPid:\t%d\nCpus_allowed_list:\t%s\n",
		 comm, tid, tid, allowed);
	fake_file(path, buf);
}

/*
 * A file the "kernel" refuses to change.  Root writes anything chmod
 * forbids, so as root the file is made immutable (ext4, tmpfs and most
 * others support it).  0, or -1 when that is not possible here.
 */
static inline int fake_readonly(const char *path)
{
	char full[PATH_MAX];
	fake_path(full, sizeof(full), path);
	if (geteuid() != 0)
		return chmod(full, 0444);
	int fd = open(full, O_RDONLY);
	int flags = 0, err = -1;
	if (fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		flags |= FS_IMMUTABLE_FL;
		err = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	if (fd >= 0)
		close(fd);
	return err;
}

static inline void clear_immutable(const char *full)
{
	int fd = open(full, O_RDONLY | O_NONBLOCK);
	int flags;
	if (fd < 0)
		return;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL)) {
		flags &= ~FS_IMMUTABLE_FL;
		ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
}

static inline void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char p[PATH_MAX];
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= sizeof(p) ||
		    lstat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			remove_tree(p);
		} else {
			clear_immutable(p);
			unlink(p);
		}
	}
	closedir(d);
	rmdir(dir);
}

static inline void fake_cleanup(void)
{
	if (fake_root[0])
		remove_tree(fake_root);
	fake_root[0] = 0;
}

/* A new, empty fake root; DC_SYSROOT and DC_STATE point into it. */
static inline void fake_begin(void)
{
	fake_cleanup();
	snprintf(fake_root, sizeof(fake_root), "/tmp/decouple-fake.XXXXXX");
	if (!mkdtemp(fake_root)) {
		perror("mkdtemp");
		exit(1);
	}
	char state[PATH_MAX];
	fake_path(state, sizeof(state), "/run/decouple/state");
	setenv("DC_SYSROOT", fake_root, 1);
	setenv("DC_STATE", state, 1);
	atexit(fake_cleanup);
}

/* --- snapshots ----------------------------------------------------------- */

struct snap {
	char *text;		/* "path<TAB>content<NL>" lines, in directory order sorted */
	size_t len, cap;
};

static inline void snap_add(struct snap *s, const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (s->len + (size_t)n + 1 > s->cap) {
		s->cap = (s->cap + (size_t)n + 1) * 2;
		s->text = realloc(s->text, s->cap);
		if (!s->text)
			abort();
	}
	memcpy(s->text + s->len, line, (size_t)n + 1);
	s->len += (size_t)n;
}

static inline int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in a task list file change under the "kernel"; `skip` lists such file names. */
static inline int skipped(const char *name, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (!strcmp(name, *skip))
			return 1;
	return 0;
}

static inline void snap_dir(struct snap *s, const char *dir, size_t strip, const char *const *skip)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	char *names[4096];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 4096)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(char *), name_cmp);
	for (int i = 0; i < n; i++) {
		char p[PATH_MAX];
		struct stat st;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, names[i]) >= sizeof(p))
			p[0] = 0;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			snap_add(s, "%s/\n", p + strip);
			snap_dir(s, p, strip, skip);
		} else if (!skipped(names[i], skip)) {
			char buf[4096] = "";
			int fd = open(p, O_RDONLY);
			ssize_t r = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
			if (fd >= 0)
				close(fd);
			buf[r > 0 ? r : 0] = 0;
			snap_add(s, "%s\t%s\n", p + strip, buf);
		}
		free(names[i]);
	}
}

/*
 * The real settings that match globs (NULL-terminated), in glob order: one
 * "path<TAB>value" per readable file, "dir path" per pattern ending in '/'.
 */
static inline char *snap_globs(const char *const *globs)
{
	struct snap s = { 0 };
	snap_add(&s, "%s", "");
	for (int i = 0; globs[i]; i++) {
		glob_t g;
		if (glob(globs[i], 0, NULL, &g) != 0)
			continue;
		for (size_t k = 0; k < g.gl_pathc; k++) {
			const char *p = g.gl_pathv[k];
			char buf[4096] = "";
			if (strstr(p, "memory_pressure"))
				continue;	/* a rate, not a setting */
			if (p[strlen(p) - 1] == '/') {
				snap_add(&s, "dir %s\n", p);
				continue;
			}
			int fd = open(p, O_RDONLY);
			if (fd < 0)
				continue;	/* write-only files */
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[n > 0 ? n : 0] = 0;
			snap_add(&s, "%s\t%s", p, buf);
		}
		globfree(&g);
	}
	return s.text;
}

/* Every directory and file of the fake tree but the state, with contents. */
static inline char *fake_snapshot(const char *const *skip)
{
	struct snap s = { 0 };
	snap_add(&s, "%s", "");
	snap_dir(&s, fake_root, strlen(fake_root), skip);
	/* the state file is decouple's own, not the system's */
	char *run = strstr(s.text, "/run/");
	if (run) {
		char *end = run;
		while (*end && !strncmp(end, "/run/", 5)) {
			char *nl = strchr(end, '\n');
			end = nl ? nl + 1 : end + strlen(end);
		}
		memmove(run, end, strlen(end) + 1);
	}
	return s.text;
}

/* Equal snapshots; otherwise report the first line that differs. */
static inline int snap_equal(const char *a, const char *b, const char *what)
{
	if (!strcmp(a, b))
		return 1;
	const char *la = a, *lb = b;	/* starts of the current lines */
	while (*a && *a == *b) {
		if (*a == '\n') {
			la = a + 1;
			lb = b + 1;
		}
		a++, b++;
	}
	fprintf(stderr, "%s: snapshots differ:\n  before: %.*s\n  after:  %.*s\n", what,
		(int)strcspn(la, "\n"), la, (int)strcspn(lb, "\n"), lb);
	return 0;
}

/* --- running commands ------------------------------------------------------- */

struct run_result {
	int status;		/* exit status, or 128 + signal */
	char out[16384];	/* stdout and stderr together */
};

/* Run cmd(argv) in a child (it may exit or be killed), capturing its output. */
static inline void run_cmd(int (*cmd)(int, char **), struct run_result *r, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	va_start(ap, r);
	for (char *a; argc < 15 && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	char tmpl[] = "/tmp/decouple-out.XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	unlink(tmpl);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		int st = cmd(argc, argv);
		fflush(NULL);
		_exit(st);
	}
	int ws = 0;
	waitpid(pid, &ws, 0);
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	ssize_t n = pread(fd, r->out, sizeof(r->out) - 1, 0);
	r->out[n > 0 ? n : 0] = 0;
	close(fd);
}

#define CHECK_OUT(r, needle) \
	CHECK(strstr((r)->out, (needle)) != NULL, "output lacks \"%s\":\n%s", (needle), (r)->out)

/* The contents of a fake file, trailing newline removed ("" if absent). */
static inline const char *fake_read(const char *path)
{
	static char buf[4096];
	char full[PATH_MAX];
	fake_path(full, sizeof(full), path);
	buf[0] = 0;
	int fd = open(full, O_RDONLY);
	if (fd < 0)
		return "(missing)";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return buf;
}

static inline int fake_exists(const char *path)
{
	char full[PATH_MAX];
	fake_path(full, sizeof(full), path);
	return access(full, F_OK) == 0;
}

#endif
