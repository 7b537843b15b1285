/* SPDX-License-Identifier: MIT */
/*
 * cgroup v1: the real-time CPUs get an exclusive cpuset without load
 * balancing (decouple-rt), everything that can move goes to a housekeeping
 * cpuset (decouple-housekeeping), and the root stops balancing load so that
 * the real-time CPUs end up in no scheduling domain.  Cpusets that others
 * made give up the real-time CPUs.  Threads created later are born in the
 * housekeeping cpuset; an executive enters decouple-rt by writing its tid to
 * decouple-rt/tasks (dc_partition_admit()).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "cpuset.h"
#include "sysfs.h"
#include "tasks.h"

/*
 * Take the real-time CPUs out of every cpuset below `dir` (not ours),
 * children before parents since a child must stay within its parent.
 */
static int shrink_cpusets(struct changer *c, const char *dir, const cpu_set_t *iso, int depth)
{
	char full[PATH_MAX];
	sysfs_path(full, sizeof(full), dir);
	DIR *d = opendir(full);
	if (!d)
		return -errno;
	struct dirent *e;
	int err = 0;
	while (!err && (e = readdir(d))) {
		char child[PATH_MAX], file[PATH_MAX + 16], list[SYSFS_VALUE_MAX];
		if (e->d_name[0] == '.' || (depth == 0 && (!strcmp(e->d_name, CPUSET_RT_NAME) ||
							    !strcmp(e->d_name, CPUSET_HK_NAME))))
			continue;
		snprintf(child, sizeof(child), "%s/%s", dir, e->d_name);
		if (!sysfs_is_dir(child))
			continue;
		err = depth < 32 ? shrink_cpusets(c, child, iso, depth + 1) : -ELOOP;
		if (err)
			break;
		cpu_set_t cpus, both;
		snprintf(file, sizeof(file), "%s/cpuset.cpus", child);
		if (sysfs_read_cpulist(file, &cpus) != 0)
			continue;	/* not a cpuset directory */
		CPU_AND(&both, &cpus, iso);
		if (!CPU_COUNT(&both))
			continue;
		CPU_XOR(&cpus, &cpus, &both);
		if (!CPU_COUNT(&cpus)) {
			fprintf(c->out, "cpuset %s runs only on CPUs to be isolated: give it other "
				"CPUs or remove it first\n", child);
			err = -EBUSY;
			break;
		}
		dc_cpulist_format(&cpus, list, sizeof(list));
		int r = change_write(c, file, list, NULL, 0);
		if (r < 0) {
			fprintf(c->out, "cpuset %s: cannot set cpus to %s: %s\n", child, list, strerror(-r));
			err = r;
		} else if (r > 0) {
			change_report(c, "  cpuset %s: cpus now %s\n", child, list);
		}
	}
	closedir(d);
	return err;
}

/* Create cpuset `dir` with the given files, in order (cpus before cpu_exclusive). */
static int make_cpuset(struct changer *c, const char *dir, const char *const kv[][2], int n)
{
	int r = change_mkdir(c, dir, "tasks");
	if (r == -EEXIST)
		fprintf(c->out, "%s exists, but no decouple state records it: remove it "
			"(rmdir) if nothing uses it\n", dir);
	else if (r < 0)
		fprintf(c->out, "cannot create cpuset %s: %s\n", dir, strerror(-r));
	if (r < 0)
		return r;
	for (int i = 0; i < n; i++) {
		char file[PATH_MAX + 32];
		snprintf(file, sizeof(file), "%s/%s", dir, kv[i][0]);
		r = change_write_owned(c, file, kv[i][1]);
		if (r < 0) {
			fprintf(c->out, "cannot write %s to %s: %s\n", kv[i][1], file, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* Move every thread of the root cpuset that may move into `hk`. */
static void move_threads(struct changer *c, const char *root, const char *hk)
{
	static char list[1 << 18];
	char from[PATH_MAX + 8], to[PATH_MAX + 8], refused[512] = "";
	snprintf(from, sizeof(from), "%s/tasks", root);
	snprintf(to, sizeof(to), "%s/tasks", hk);
	int moved = 0, kernel = 0, nref = 0;
	/* Threads forked meanwhile are born in the root: a few passes. */
	for (int pass = 0; pass < 4; pass++) {
		int n = sysfs_read(from, list, sizeof(list));
		if (n < 0) {
			fprintf(c->out, "  cannot read %s: %s\n", from, strerror(-n));
			return;
		}
		int moved_now = 0;
		kernel = nref = 0;
		refused[0] = 0;
		char *save;
		for (char *tok = strtok_r(list, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
			struct task_info t;
			if (task_read(atoi(tok), &t) != 0)
				continue;	/* exited */
			if (task_is_pinned(&t)) {
				kernel++;	/* per-CPU or kernel-managed: no cpuset can move it */
				continue;
			}
			if (c->dry_run) {
				moved_now++;
				continue;
			}
			int r = sysfs_write(to, tok);
			if (r == -ESRCH)
				continue;
			if (r == -EINVAL && task_is_kernel(&t)) {
				kernel++;	/* kthreadd: the kernel keeps it in the root */
				continue;
			}
			if (r) {
				size_t len = strlen(refused);
				snprintf(refused + len, sizeof(refused) - len, " %s[%d](%s)", t.comm, t.tid,
					 strerror(-r));
				nref++;
				continue;
			}
			moved_now++;
			change_applied(c);
		}
		moved += moved_now;
		if (c->dry_run || !moved_now || sysfs_is_fake())
			break;	/* a fake tree's task files never drain */
	}
	fprintf(c->out, "  %s %d threads to %s; %d kernel threads stay where the kernel keeps them\n",
		c->dry_run ? "would move" : "moved", moved, CPUSET_HK_NAME, kernel);
	if (nref)
		fprintf(c->out, "  %d threads refused to move:%s\n", nref, refused);
}

int cpuset_v1_isolate(struct changer *c, const struct cpuset_fs *fs,
		      const cpu_set_t *iso, const cpu_set_t *hk)
{
	char mems[SYSFS_VALUE_MAX], isolist[SYSFS_VALUE_MAX], hklist[SYSFS_VALUE_MAX];
	char path[PATH_MAX + 32], rt[PATH_MAX], hkdir[PATH_MAX];
	const char *root = fs->mount;
	fprintf(c->out, "cpuset: cgroup v1 at %s\n", root);

	snprintf(path, sizeof(path), "%s/cpuset.mems", root);
	int r = sysfs_read(path, mems, sizeof(mems));
	if (r < 0) {
		fprintf(c->out, "cannot read %s: %s\n", path, strerror(-r));
		return r;
	}
	sysfs_chomp(mems);
	dc_cpulist_format(iso, isolist, sizeof(isolist));
	dc_cpulist_format(hk, hklist, sizeof(hklist));

	r = shrink_cpusets(c, root, iso, 0);
	if (r < 0)
		return r;

	str_fmt(hkdir, sizeof(hkdir), "%s/%s", root, CPUSET_HK_NAME);
	const char *const hk_files[][2] = { { "cpuset.cpus", hklist }, { "cpuset.mems", mems } };
	r = make_cpuset(c, hkdir, hk_files, 2);
	if (r < 0)
		return r;

	cpuset_rt_path(fs, rt, sizeof(rt));
	const char *const rt_files[][2] = {
		{ "cpuset.cpus", isolist }, { "cpuset.mems", mems },
		{ "cpuset.cpu_exclusive", "1" }, { "cpuset.sched_load_balance", "0" },
	};
	r = make_cpuset(c, rt, rt_files, 4);
	if (r < 0)
		return r;
	change_report(c, "  %s: cpus %s, cpu_exclusive 1, sched_load_balance 0; %s: cpus %s\n",
		CPUSET_RT_NAME, isolist, CPUSET_HK_NAME, hklist);

	/* Without balancing at the root, the real-time CPUs are in no scheduling domain. */
	char old[64];
	snprintf(path, sizeof(path), "%s/cpuset.sched_load_balance", root);
	r = change_write(c, path, "0", old, sizeof(old));
	if (r < 0) {
		fprintf(c->out, "cannot turn off load balancing in %s: %s\n", path, strerror(-r));
		return r;
	}
	change_report(c, "  root sched_load_balance: %s -> 0\n", sysfs_chomp(old));

	move_threads(c, root, hkdir);
	return 0;
}
