/* SPDX-License-Identifier: MIT */
/* Threads from /proc (under DC_SYSROOT).  See tasks.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "sysfs.h"
#include "tasks.h"

/* /proc/TID/stat: "tid (comm) state ppid ... flags(9) ... processor(39)". */
static int parse_stat(char *buf, struct task_info *t)
{
	char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	if (!open || !close || close < open || close[1] != ' ')
		return -EINVAL;
	size_t n = (size_t)(close - open - 1);
	if (n >= sizeof(t->comm))
		n = sizeof(t->comm) - 1;
	memcpy(t->comm, open + 1, n);
	t->comm[n] = 0;
	char *p = close + 2;
	t->state = *p;
	/* Fields after the comm, from 3 (state) on. */
	int field = 3;
	char *save;
	t->psr = -1;
	for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
		if (field == 9)
			t->flags = strtoul(tok, NULL, 10);
		else if (field == 39) {
			t->psr = atoi(tok);
			break;
		}
	}
	return field >= 9 ? 0 : -EINVAL;
}

int task_read(int tid, struct task_info *t)
{
	char path[64], buf[4096];
	memset(t, 0, sizeof(*t));
	t->tid = t->tgid = tid;
	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	int n = sysfs_read(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : n;
	int err = parse_stat(buf, t);
	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	n = sysfs_read(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : n;
	char *line = strstr(buf, "\nTgid:");
	if (line)
		t->tgid = atoi(line + 6);
	line = strstr(buf, "\nCpus_allowed_list:");
	if (!line)
		return -EINVAL;
	line += strlen("\nCpus_allowed_list:");
	char *end = strchr(line, '\n');
	if (end)
		*end = 0;
	return dc_cpulist_parse(line, &t->allowed);
}

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

int tasks_for_each(int (*fn)(const struct task_info *t, void *ctx), void *ctx)
{
	char proc[PATH_MAX];
	sysfs_path(proc, sizeof(proc), "/proc");
	DIR *d = opendir(proc);
	if (!d)
		return -errno;
	struct dirent *e;
	int ret = 0;
	while (!ret && (e = readdir(d))) {
		if (!is_number(e->d_name))
			continue;
		char taskdir[PATH_MAX];
		str_fmt(taskdir, sizeof(taskdir), "%s/%s/task", proc, e->d_name);
		DIR *td = opendir(taskdir);
		if (!td) {
			/* a fake tree may list only the process */
			struct task_info t;
			if (task_read(atoi(e->d_name), &t) == 0)
				ret = fn(&t, ctx);
			continue;
		}
		struct dirent *te;
		while (!ret && (te = readdir(td))) {
			struct task_info t;
			if (is_number(te->d_name) && task_read(atoi(te->d_name), &t) == 0)
				ret = fn(&t, ctx);
		}
		closedir(td);
	}
	closedir(d);
	return ret;
}

static void add_name(char *list, size_t len, const char *name)
{
	size_t n = strlen(list);
	if (n + strlen(name) + 6 >= len) {
		if (n + 5 < len && !strstr(list, " ..."))
			strcat(list, " ...");
		return;
	}
	if (n)
		list[n++] = ' ';
	strcpy(list + n, name);
}

struct on_cpus_ctx {
	const cpu_set_t *cpus;
	const char *admitted_cpuset;
	struct tasks_on_cpus *out;
};

/* The thread's cpuset as /proc/TID/cpuset names it (relative to the hierarchy). */
static int in_cpuset(int tid, const char *cpuset)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/cpuset", tid);
	return sysfs_read(path, buf, sizeof(buf)) > 0 && !strcmp(sysfs_chomp(buf), cpuset);
}

static int count_on_cpus(const struct task_info *t, void *arg)
{
	struct on_cpus_ctx *c = arg;
	cpu_set_t both;
	CPU_AND(&both, &t->allowed, c->cpus);
	if (!CPU_COUNT(&both)) {
		if (!task_is_kernel(t) && t->psr >= 0 && t->psr < CPU_SETSIZE && CPU_ISSET(t->psr, c->cpus))
			c->out->user_asleep++;
		return 0;
	}
	if (c->admitted_cpuset && in_cpuset(t->tid, c->admitted_cpuset)) {
		char name[96];
		snprintf(name, sizeof(name), "%s[%d]", t->comm, t->tid);
		c->out->admitted++;
		add_name(c->out->admitted_names, sizeof(c->out->admitted_names), name);
	} else if (task_is_kernel(t)) {
		c->out->kernel++;
		if (task_is_pinned(t))
			c->out->kernel_pinned++;
		add_name(c->out->kernel_names, sizeof(c->out->kernel_names), t->comm);
	} else {
		char name[96];
		snprintf(name, sizeof(name), "%s[%d]", t->comm, t->tid);
		c->out->user++;
		add_name(c->out->user_names, sizeof(c->out->user_names), name);
	}
	return 0;
}

void tasks_on_cpus(const cpu_set_t *cpus, const char *admitted_cpuset, struct tasks_on_cpus *out)
{
	memset(out, 0, sizeof(*out));
	struct on_cpus_ctx c = { cpus, admitted_cpuset, out };
	tasks_for_each(count_on_cpus, &c);
}
