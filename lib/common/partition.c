/* SPDX-License-Identifier: MIT */
/*
 * The library's view of the partition made by `decouple isolate`: which CPUs
 * are isolated (the executive polls there by default), how a thread enters
 * the real-time cpuset, and the default real-time CPUs.  It reads the state
 * file that isolate writes; see partition.h for its format.
 *
 * Linux context only, but no allocation: dc_partition_admit() runs on a
 * starting executive thread.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpulist.h"
#include "decouple.h"
#include "log.h"
#include "partition.h"

const char *dc_sysroot(void)
{
	const char *root = getenv("DC_SYSROOT");
	return root ? root : "";
}

int dc_sysroot_path(char *buf, size_t len, const char *path)
{
	int n = snprintf(buf, len, "%s%s", dc_sysroot(), path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int dc_state_path(char *buf, size_t len)
{
	const char *env = getenv("DC_STATE");
	if (env && *env) {
		int n = snprintf(buf, len, "%s", env);
		return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
	}
	return dc_sysroot_path(buf, len, DC_STATE_DEFAULT);
}

/* Read a small file under DC_SYSROOT, NUL-terminated.  Its length or -errno. */
static int read_sys(const char *path, char *buf, size_t len)
{
	char full[768];
	int err = dc_sysroot_path(full, sizeof(full), path);
	if (err)
		return err;
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = 0;
	return (int)n;
}

static int read_sys_cpulist(const char *path, cpu_set_t *set)
{
	char buf[4096];
	int n = read_sys(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	return dc_cpulist_parse(buf, set);
}

int dc_kernel_isolated_cpus(cpu_set_t *set)
{
	return read_sys_cpulist("/sys/devices/system/cpu/isolated", set);
}

int dc_online_cpus(cpu_set_t *set)
{
	return read_sys_cpulist("/sys/devices/system/cpu/online", set);
}

/* --- the state file ---------------------------------------------------------- */

static int escaped(unsigned char c)
{
	return c <= ' ' || c >= 0x7f || c == '%';
}

int dc_state_escape(const char *in, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (n + 4 > len)
			return -ENOSPC;
		if (escaped(*p)) {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		} else {
			out[n++] = (char)*p;
		}
	}
	if (n + 1 > len)
		return -ENOSPC;
	out[n] = 0;
	return (int)n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Unescape a word in place.  0 or -EINVAL. */
static int unescape(char *w)
{
	char *out = w;
	for (char *p = w; *p; p++) {
		if (*p != '%') {
			*out++ = *p;
			continue;
		}
		int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
		if (lo < 0)
			return -EINVAL;
		*out++ = (char)(hi << 4 | lo);
		p += 2;
	}
	*out = 0;
	return 0;
}

static int parse_line(char *line, int (*fn)(const struct dc_state_record *, void *), void *ctx)
{
	struct dc_state_record r = { 0 };
	char *p = line;
	if (!*p)
		return -EINVAL;
	for (;;) {
		if (r.argc == DC_STATE_MAX_WORDS)
			return -EINVAL;
		r.argv[r.argc++] = p;
		char *sp = strchr(p, ' ');
		if (!sp)
			break;
		*sp = 0;
		p = sp + 1;
	}
	for (int i = 0; i < r.argc; i++)
		if (!*r.argv[i] || unescape(r.argv[i]))
			return -EINVAL;
	return fn(&r, ctx);
}

int dc_state_read(const char *path,
		  int (*fn)(const struct dc_state_record *r, void *ctx), void *ctx)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[DC_STATE_MAX_LINE];
	size_t have = 0;
	int err = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;		/* a last line without '\n' was cut short: ignored */
		have += (size_t)n;
		char *start = buf, *nl;
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			*nl = 0;
			err = parse_line(start, fn, ctx);
			if (err)
				goto out;
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		if (have == sizeof(buf)) {
			err = -EINVAL;	/* a line longer than any record */
			break;
		}
	}
out:
	close(fd);
	return err;
}

static int copy_word(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);
	if (n >= len)
		return -EINVAL;
	memcpy(dst, src, n + 1);
	return 0;
}

static int load_record(const struct dc_state_record *r, void *ctx)
{
	struct dc_partition *p = ctx;
	const char *kind = r->argv[0];
	if (p->records++ == 0)
		return r->argc == 2 && !strcmp(kind, "decouple-state") && !strcmp(r->argv[1], "1")
			? 0 : -EINVAL;
	if (!strcmp(kind, "complete"))
		p->complete = 1;
	else if (r->argc != 2)
		return 0;	/* change records: for `decouple release` */
	else if (!strcmp(kind, "cpus"))
		return dc_cpulist_parse(r->argv[1], &p->cpus);
	else if (!strcmp(kind, "mechanism"))
		return copy_word(p->mechanism, sizeof(p->mechanism), r->argv[1]);
	else if (!strcmp(kind, "cpuset"))
		return copy_word(p->cpuset, sizeof(p->cpuset), r->argv[1]);
	else if (!strcmp(kind, "admit"))
		return copy_word(p->admit, sizeof(p->admit), r->argv[1]);
	else if (!strcmp(kind, "boot"))
		return copy_word(p->boot, sizeof(p->boot), r->argv[1]);
	return 0;
}

int dc_partition_load(const char *path, struct dc_partition *p)
{
	char def[512];
	memset(p, 0, sizeof(*p));
	if (!path) {
		int err = dc_state_path(def, sizeof(def));
		if (err)
			return err;
		path = def;
	}
	int err = dc_state_read(path, load_record, p);
	if (err)
		return err;
	if (!p->records)
		return -EINVAL;	/* empty: cut short before its first record */
	/* /run may outlive a reboot; the partition does not. */
	char boot[64];
	int n = read_sys("/proc/sys/kernel/random/boot_id", boot, sizeof(boot));
	while (n > 0 && isspace((unsigned char)boot[n - 1]))
		boot[--n] = 0;
	p->this_boot = n <= 0 || !p->boot[0] || !strcmp(boot, p->boot);
	return 0;
}

/* --- what the executive asks ------------------------------------------------- */

/*
 * These run in the caller's thread (dc_decouple()), whose errno is the
 * application's: the files they read must leave it alone.
 */
int dc_partition_cpu_isolated(int cpu)
{
	struct dc_partition p;
	cpu_set_t boot;
	int saved_errno = errno, isolated = 0;
	if (cpu >= 0 && cpu < CPU_SETSIZE)
		isolated = (dc_partition_load(NULL, &p) == 0 && dc_partition_active(&p) &&
			    CPU_ISSET(cpu, &p.cpus)) ||
			   (dc_kernel_isolated_cpus(&boot) == 0 && CPU_ISSET(cpu, &boot));
	errno = saved_errno;
	return isolated;
}

int dc_partition_admit(int cpu, int tid)
{
	static _Atomic int warned;
	struct dc_partition p;
	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	int saved_errno = errno;
	int active = dc_partition_load(NULL, &p) == 0 && dc_partition_active(&p) &&
		     CPU_ISSET(cpu, &p.cpus) && p.cpuset[0] && p.admit[0];
	errno = saved_errno;
	if (!active)
		return 0;	/* not partitioned by decouple: nothing to enter */
	char rel[600], path[768], num[16];
	snprintf(rel, sizeof(rel), "%s/%s", p.cpuset, p.admit);
	int err = dc_sysroot_path(path, sizeof(path), rel);
	if (err)
		return err;
	int n = snprintf(num, sizeof(num), "%d", tid);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		err = -errno;
	else if (write(fd, num, (size_t)n) != n)
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err == -EOPNOTSUPP)
		dc_warn_once(&warned, "cannot move thread %d into %s: on cgroup v2 a thread can "
			     "enter the isolated partition only from a process in the root cgroup "
			     "(see decouple-isolate(1))", tid, p.cpuset);
	else if (err)
		dc_warn_once(&warned, "cannot move thread %d into %s: %s", tid, p.cpuset,
			     strerror(-err));
	return err;
}

int dc_partition_default_cpus(cpu_set_t *set, const char **source)
{
	const char *env = getenv("DC_CPUS");
	struct dc_partition p;
	cpu_set_t boot;
	CPU_ZERO(set);
	if (env && *env) {
		*source = "DC_CPUS";
		if (dc_cpulist_parse(env, set) || !CPU_COUNT(set))
			return -EINVAL;
		return 0;
	}
	if (dc_partition_load(NULL, &p) == 0 && dc_partition_active(&p)) {
		*source = "the partition (decouple isolate)";
		CPU_OR(set, set, &p.cpus);
	}
	if (dc_kernel_isolated_cpus(&boot) == 0 && CPU_COUNT(&boot)) {
		*source = CPU_COUNT(set) ? "the partition and isolcpus" : "isolcpus (boot)";
		CPU_OR(set, set, &boot);
	}
	if (CPU_COUNT(set))
		return 0;
	/* Nothing isolated: the last online CPU, the one Linux tends to use least. */
	*source = "no partition: the last online CPU (shared with Linux)";
	cpu_set_t online;
	int last = 0;
	if (dc_online_cpus(&online) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &online))
				last = c;
	CPU_SET(last, set);
	return 0;
}

int dc_default_cpus(int *cpus, int max)
{
	cpu_set_t set;
	const char *source;
	if (max < 0 || (max && !cpus))
		return -EINVAL;
	int saved_errno = errno;
	int err = dc_partition_default_cpus(&set, &source);
	errno = saved_errno;
	if (err)
		return err;
	int n = 0;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			if (n < max)
				cpus[n] = c;
			n++;
		}
	return n;
}
