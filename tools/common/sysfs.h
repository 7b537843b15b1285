/* SPDX-License-Identifier: MIT */
/*
 * Files of /proc and /sys, under the root prefix DC_SYSROOT (tests point it
 * at fake trees).  Paths are written as on the real system ("/proc/irq").
 * Every call returns a negative errno value on failure.
 */
#ifndef DC_TOOL_SYSFS_H
#define DC_TOOL_SYSFS_H

#include <limits.h>
#include <sched.h>
#include <stddef.h>

#define SYSFS_VALUE_MAX 4096

/* DC_SYSROOT + path. */
int sysfs_path(char *buf, size_t len, const char *path);
/* Nonzero when DC_SYSROOT names a fake tree. */
int sysfs_is_fake(void);

/* The whole file, NUL-terminated: its length, or -errno (-EFBIG if it does not fit). */
int sysfs_read(const char *path, char *buf, size_t len);
/* One write(2) of `value`, as the kernel's files want.  0 or -errno. */
int sysfs_write(const char *path, const char *value);
int sysfs_exists(const char *path);
int sysfs_is_dir(const char *path);

/* A CPU list file ("0-3") or a hex mask file ("ff,ffffffff"). */
int sysfs_read_cpulist(const char *path, cpu_set_t *set);
int sysfs_read_cpumask(const char *path, cpu_set_t *set);

/*
 * snprintf that says whether it fitted: 0, or -ENAMETOOLONG (the output is
 * then cut short).  For paths and for text that may be shortened.
 */
int str_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Strip trailing white space in place. */
char *sysfs_chomp(char *s);

#endif
