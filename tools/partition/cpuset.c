/* SPDX-License-Identifier: MIT */
/* Where the cpuset controller is mounted.  See cpuset.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuset.h"
#include "sysfs.h"

/* Nonzero when the comma-separated `list` holds `word`. */
static int has_word(const char *list, const char *word, const char *seps)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || strchr(seps, p[-1])) && (!p[n] || strchr(seps, p[n])))
			return 1;
	return 0;
}

int cpuset_detect(struct cpuset_fs *fs)
{
	static char mounts[1 << 16];
	memset(fs, 0, sizeof(*fs));
	if (sysfs_read("/proc/self/mounts", mounts, sizeof(mounts)) < 0)
		return -ENOENT;
	char v2[PATH_MAX] = "";
	char *save;
	for (char *line = strtok_r(mounts, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dev[256], dir[PATH_MAX], type[64], opts[1024];
		if (sscanf(line, "%255s %4095s %63s %1023s", dev, dir, type, opts) != 4)
			continue;
		if (!strcmp(type, "cgroup") && has_word(opts, "cpuset", ",")) {
			fs->version = CPUSET_V1;
			snprintf(fs->mount, sizeof(fs->mount), "%s", dir);
			return 0;
		}
		if (!strcmp(type, "cgroup2") && !v2[0]) {
			char path[PATH_MAX + 32], ctrl[1024];
			snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
			if (sysfs_read(path, ctrl, sizeof(ctrl)) >= 0 && has_word(ctrl, "cpuset", " \n"))
				snprintf(v2, sizeof(v2), "%s", dir);
		}
	}
	/* The controller lives in one hierarchy: v1 when mounted there, else v2. */
	if (!v2[0])
		return -ENOENT;
	fs->version = CPUSET_V2;
	snprintf(fs->mount, sizeof(fs->mount), "%s", v2);
	return 0;
}

const char *cpuset_mechanism(const struct cpuset_fs *fs)
{
	return fs->version == CPUSET_V1 ? "cgroup-v1" : fs->version == CPUSET_V2 ? "cgroup-v2" : "none";
}

void cpuset_rt_path(const struct cpuset_fs *fs, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", fs->mount, CPUSET_RT_NAME);
}

const char *cpuset_admit_file(const struct cpuset_fs *fs)
{
	return fs->version == CPUSET_V1 ? "tasks" : "cgroup.threads";
}
