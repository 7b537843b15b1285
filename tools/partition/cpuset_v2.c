/* SPDX-License-Identifier: MIT */
/*
 * cgroup v2: the real-time CPUs become an isolated partition
 * (cpuset.cpus.partition = isolated) in a new child of the root, which the
 * kernel takes out of every other cgroup's effective CPUs, out of load
 * balancing and, since 6.7, out of the unbound workqueues.  No thread needs
 * moving.
 *
 * The child is threaded, so that a single thread (an executive) can enter
 * it through cgroup.threads.  cgroup v2 moves a thread only within its
 * process's threaded domain, here the root cgroup: a program whose
 * executives use the partition must run in the root cgroup.  The kernel
 * says so with EOPNOTSUPP, and the library reports it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpulist.h"
#include "cpuset.h"
#include "sysfs.h"

int cpuset_v2_partition_ok(const char *content, char *why, size_t len)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", content);
	sysfs_chomp(buf);
	if (!strcmp(buf, "isolated")) {
		snprintf(why, len, "isolated");
		return 1;
	}
	/* "isolated invalid (Cpu list in cpuset.cpus not exclusive)" */
	char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	if (strstr(buf, "invalid") && open && close > open) {
		*close = 0;
		snprintf(why, len, "%s", open + 1);
	} else {
		snprintf(why, len, "the partition is \"%s\", not \"isolated\"", buf[0] ? buf : "(empty)");
	}
	return 0;
}

static int has_controller(const char *list, const char *name)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", list);
	char *save;
	for (char *w = strtok_r(buf, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
		if (!strcmp(w, name))
			return 1;
	return 0;
}

static int write_owned(struct changer *c, const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int r = change_write_owned(c, path, value);
	if (r < 0)
		fprintf(c->out, "cannot write %s to %s: %s\n", value, path, strerror(-r));
	return r;
}

int cpuset_v2_isolate(struct changer *c, const struct cpuset_fs *fs,
		      const cpu_set_t *iso, const cpu_set_t *hk)
{
	char path[PATH_MAX + 64], rt[PATH_MAX], list[SYSFS_VALUE_MAX], ctrl[1024];
	const char *root = fs->mount;
	(void)hk;	/* the partition takes its CPUs from everyone else by itself */
	fprintf(c->out, "cpuset: cgroup v2 at %s\n", root);
	dc_cpulist_format(iso, list, sizeof(list));

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	int r = sysfs_read(path, ctrl, sizeof(ctrl));
	if (r < 0) {
		fprintf(c->out, "cannot read %s: %s\n", path, strerror(-r));
		return r;
	}
	if (!has_controller(ctrl, "cpuset")) {
		r = change_enable(c, path, "cpuset");
		if (r < 0) {
			fprintf(c->out, "cannot enable the cpuset controller in %s: %s\n", path, strerror(-r));
			return r;
		}
	}

	cpuset_rt_path(fs, rt, sizeof(rt));
	r = change_mkdir(c, rt, "cgroup.threads");
	if (r == -EEXIST)
		fprintf(c->out, "%s exists, but no decouple state records it: remove it "
			"(rmdir) if nothing uses it\n", rt);
	else if (r < 0)
		fprintf(c->out, "cannot create %s: %s\n", rt, strerror(-r));
	if (r < 0)
		return r;
	if ((r = write_owned(c, rt, "cgroup.type", "threaded")) < 0 ||
	    (r = write_owned(c, rt, "cpuset.cpus", list)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/cpuset.cpus.exclusive", rt);
	if (sysfs_exists(path) || c->dry_run)
		write_owned(c, rt, "cpuset.cpus.exclusive", list);	/* 6.7+: wins over siblings' cpus */
	if ((r = write_owned(c, rt, "cpuset.cpus.partition", "isolated")) < 0)
		return r;
	if (c->dry_run)
		return 0;

	/* The kernel accepts any write here and says afterwards whether it took. */
	char state[512], why[256];
	snprintf(path, sizeof(path), "%s/cpuset.cpus.partition", rt);
	r = sysfs_read(path, state, sizeof(state));
	if (r < 0) {
		fprintf(c->out, "cannot read %s: %s\n", path, strerror(-r));
		return r;
	}
	if (!cpuset_v2_partition_ok(state, why, sizeof(why))) {
		fprintf(c->out, "isolated invalid (%s): %s did not become an isolated partition\n",
			why, rt);
		return -EINVAL;
	}
	fprintf(c->out, "  %s: cpus %s, threaded, isolated partition (valid)\n", CPUSET_RT_NAME, list);
	return 0;
}
