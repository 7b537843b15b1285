/* SPDX-License-Identifier: MIT */
/*
 * The cpuset part of `decouple isolate`: cgroup v1 (an exclusive cpuset
 * without load balancing, everything else moved to a housekeeping cpuset)
 * or cgroup v2 (an isolated partition, which takes its CPUs away from every
 * other cgroup by itself).
 */
#ifndef DC_TOOL_CPUSET_H
#define DC_TOOL_CPUSET_H

#include <limits.h>
#include <sched.h>

#include "change.h"

#define CPUSET_RT_NAME	"decouple-rt"
#define CPUSET_HK_NAME	"decouple-housekeeping"

enum cpuset_version { CPUSET_NONE, CPUSET_V1, CPUSET_V2 };

struct cpuset_fs {
	enum cpuset_version version;
	char mount[PATH_MAX];		/* where the hierarchy is mounted (without DC_SYSROOT) */
};

/* Find the cpuset controller in /proc/self/mounts.  0 or -ENOENT. */
int cpuset_detect(struct cpuset_fs *fs);
const char *cpuset_mechanism(const struct cpuset_fs *fs);	/* "cgroup-v1", "cgroup-v2" */
/* The real-time cpuset's directory and the file that takes a tid. */
void cpuset_rt_path(const struct cpuset_fs *fs, char *buf, size_t len);
const char *cpuset_admit_file(const struct cpuset_fs *fs);

/*
 * Partition `iso` away from `hk`, journaled through `c`, reporting on c->out.
 * 0, or -errno after a message (nothing is isolated then).
 */
int cpuset_v1_isolate(struct changer *c, const struct cpuset_fs *fs,
		      const cpu_set_t *iso, const cpu_set_t *hk);
int cpuset_v2_isolate(struct changer *c, const struct cpuset_fs *fs,
		      const cpu_set_t *iso, const cpu_set_t *hk);

/*
 * What cgroup v2's cpuset.cpus.partition says: 1 for a valid "isolated"
 * partition; 0 otherwise, with the kernel's reason (or the state) in `why`.
 */
int cpuset_v2_partition_ok(const char *content, char *why, size_t len);

#endif
