/* SPDX-License-Identifier: MIT */
/* Files of /proc and /sys under DC_SYSROOT.  See sysfs.h. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpulist.h"
#include "cpumask.h"
#include "partition.h"
#include "sysfs.h"

int sysfs_path(char *buf, size_t len, const char *path)
{
	return dc_sysroot_path(buf, len, path);
}

int sysfs_is_fake(void)
{
	return dc_sysroot()[0] != 0;
}

int sysfs_read(const char *path, char *buf, size_t len)
{
	char full[PATH_MAX];
	int err = sysfs_path(full, sizeof(full), path);
	if (err)
		return err;
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t have = 0;
	for (;;) {
		if (have == len - 1) {
			err = -EFBIG;
			break;
		}
		ssize_t n = read(fd, buf + have, len - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = 0;
	return err ? err : (int)have;
}

int sysfs_write(const char *path, const char *value)
{
	char full[PATH_MAX];
	int err = sysfs_path(full, sizeof(full), path);
	if (err)
		return err;
	/* O_TRUNC matters only in fake trees: kernel files ignore it. */
	int fd = open(full, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	ssize_t n;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) != 0 && !err)
		err = -errno;	/* some kernel files report errors on close */
	return err;
}

static int stat_path(const char *path, struct stat *st)
{
	char full[PATH_MAX];
	if (sysfs_path(full, sizeof(full), path))
		return -1;
	return stat(full, st);
}

int sysfs_exists(const char *path)
{
	struct stat st;
	return stat_path(path, &st) == 0;
}

int sysfs_is_dir(const char *path)
{
	struct stat st;
	return stat_path(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sysfs_read_cpulist(const char *path, cpu_set_t *set)
{
	char buf[SYSFS_VALUE_MAX];
	int n = sysfs_read(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	return dc_cpulist_parse(buf, set);
}

int sysfs_read_cpumask(const char *path, cpu_set_t *set)
{
	char buf[SYSFS_VALUE_MAX];
	int n = sysfs_read(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	return cpumask_parse(buf, set);
}

char *sysfs_chomp(char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

int str_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
