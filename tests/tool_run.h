/* SPDX-License-Identifier: MIT */
/*
 * Run the decouple tool of the build under test ($DC_BUILD_DIR/decouple, or
 * build/decouple) as a user would, and read back what it wrote.
 */
#ifndef DC_TEST_TOOL_RUN_H
#define DC_TEST_TOOL_RUN_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tool_path[PATH_MAX];
static char tool_dir[PATH_MAX];	/* scratch directory of this test */
/* Nonzero: the next tool runs as this uid (and gid), without supplementary groups. */
static uid_t tool_as_uid;

static void tool_init(const char *name)
{
	const char *b = getenv("DC_BUILD_DIR");
	snprintf(tool_path, sizeof(tool_path), "%s/decouple", b && *b ? b : "build");
	if (access(tool_path, X_OK) != 0)
		SKIP("%s is not built", tool_path);
	snprintf(tool_dir, sizeof(tool_dir), "/tmp/decouple-test-%s.XXXXXX", name);
	if (!mkdtemp(tool_dir)) {
		perror("mkdtemp");
		exit(1);
	}
}

/* tool_dir/name, in one of a few rotating buffers. */
static const char *tool_file(const char *name)
{
	static char bufs[8][2 * PATH_MAX];
	static int i;
	char *b = bufs[i++ % 8];
	snprintf(b, 2 * PATH_MAX, "%s/%s", tool_dir, name);
	return b;
}

/*
 * Start `decouple ARGS...` (NULL-terminated) with stdout and stderr in
 * tool_dir/out and tool_dir/err.  Its pid.
 */
static pid_t tool_start_v(const char *const *args)
{
	const char *argv[64];
	int n = 0;
	argv[n++] = tool_path;
	while (*args && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		/*
		 * If the runner's timeout kills the test, the tool still gets
		 * to clean up: stop its load, release its partition.
		 */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int o = open(tool_file("out"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(tool_file("err"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		if (tool_as_uid && (setgroups(0, NULL) || setgid(tool_as_uid) ||
				    setuid(tool_as_uid)))
			_exit(127);
		execv(tool_path, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int tool_wait(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define tool_run(...) tool_wait(tool_start_v((const char *const[]){ __VA_ARGS__, NULL }))
#define tool_start(...) tool_start_v((const char *const[]){ __VA_ARGS__, NULL })

/* The whole file, NUL-terminated, or NULL (the caller frees it). */
static char *tool_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 == cap) {
			char *p = realloc(buf, cap *= 2);
			if (!p) {
				free(buf);
				buf = NULL;
			}
			buf = p;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = 0;
	return buf;
}

/* Lines of a sample file, -1 if one is not a plain decimal number.  min/max in ns. */
static long tool_count_samples(const char *path, uint64_t *min, uint64_t *max)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[64];
	long n = 0;
	*min = UINT64_MAX;
	*max = 0;
	while (fgets(line, sizeof(line), f)) {
		char *end;
		if (line[0] < '0' || line[0] > '9')
			goto bad;
		uint64_t v = strtoull(line, &end, 10);
		if (*end != '\n')
			goto bad;
		if (v < *min)
			*min = v;
		if (v > *max)
			*max = v;
		n++;
	}
	fclose(f);
	return n;
bad:
	fclose(f);
	return -1;
}

/*
 * Check a JSON file with python3 running `check` (Python statements, `d` is
 * the document; an assertion fails the check).  1 passed, 0 failed, -1 no
 * python3 (the caller says so and goes on).
 */
static int tool_json_check(const char *path, const char *check)
{
	if (system("command -v python3 >/dev/null 2>&1") != 0)
		return -1;
	const char *py = tool_file("check.py");
	FILE *f = fopen(py, "w");
	if (!f)
		return 0;
	fprintf(f, "import json, sys\nd = json.load(open(sys.argv[1]))\n%s\n", check);
	fclose(f);
	char cmd[3 * PATH_MAX];
	snprintf(cmd, sizeof(cmd), "python3 %s %s", py, path);
	return system(cmd) == 0;
}

static void tool_cleanup(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tool_dir);
	if (tool_dir[0] && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tool_dir);
}

/*
 * After a tool's usage-error checks: end there on a failure, and skip
 * where measuring cannot run: not root, or one CPU (`one_cpu` says what
 * the measurement needs the second for).
 */
static inline void tool_need_measuring(const char *one_cpu)
{
	if (test_failures)
		exit(test_done());
	if (geteuid() != 0)
		SKIP("flag errors checked; measuring needs root (SCHED_FIFO, mlockall)");
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("flag errors checked; %s", one_cpu);
}

/* Usage errors: exit 2 and a message that names the problem. */
#define CHECK_USAGE_ERROR(needle, ...) do {				\
	int _rc = tool_run(__VA_ARGS__);				\
	char *_err = tool_slurp(tool_file("err"));			\
	CHECK_EQ(_rc, 2);						\
	CHECK(_err && strstr(_err, needle), "stderr lacks '%s': %s",	\
	      needle, _err ? _err : "(none)");				\
	free(_err);							\
} while (0)

#endif
