/* SPDX-License-Identifier: MIT */
/*
 * The partition made by `decouple isolate`, as the library and the tool see
 * it: where /proc and /sys are, and the state file.
 *
 * The state file (DC_STATE, default $DC_SYSROOT/run/decouple/state) is an
 * append-only journal: one record a line, words separated by one space, each
 * word escaped as %XX where a byte is a space, a control character, '%' or
 * not ASCII.  `decouple isolate` appends (and fsyncs) each record BEFORE the
 * change it describes, so that `decouple release` can undo, in reverse
 * order, whatever a killed isolate had done.  A last line without its
 * newline was cut short and is ignored.
 *
 *   decouple-state 1              first line: the format
 *   boot BOOT_ID                  /proc/sys/kernel/random/boot_id at isolate
 *   cpus LIST                     the isolated CPUs
 *   mechanism cgroup-v1|cgroup-v2
 *   cpuset PATH                   the real-time cpuset (a directory)
 *   admit FILE                    where a thread's tid is written to enter it
 *   keep-irq N                    isolate --irq keeps IRQ N on the isolated CPUs
 *                                 (one record each, in the header, before any
 *                                 change; the change itself is a "write" of
 *                                 /proc/irq/N/smp_affinity_list).  Describes,
 *                                 undoes nothing; `decouple status` lists them
 *   write PATH =OLD               PATH held OLD (its exact bytes, after the '=',
 *                                 which keeps an empty value a word) before a write
 *   mkdir PATH TASKFILE           PATH was created; undo moves the threads in
 *                                 PATH/TASKFILE to the parent, then removes it
 *   enable PATH CONTROLLER        "+CONTROLLER" was written to PATH
 *                                 (cgroup.subtree_control); undo writes "-"
 *   complete                      the partition is in place
 *
 * Readers skip the records they do not use (the library reads the header
 * only), so a kind added later leaves "decouple-state 1" as it is.  But
 * `decouple release` never skips a kind it does not know: it may be a
 * change.  It restores every other record, reports that one, and keeps the
 * state file (exit 1).  A release older than "keep-irq" does that with a
 * state file of isolate --irq; the current one releases it.
 */
#ifndef DC_PARTITION_H
#define DC_PARTITION_H

#include <sched.h>
#include <stddef.h>

#define DC_STATE_DEFAULT	"/run/decouple/state"
#define DC_STATE_MAX_WORDS	4
#define DC_STATE_MAX_LINE	8192

/* The root of /proc and /sys: DC_SYSROOT, "" for the real ones (tests use fake trees). */
const char *dc_sysroot(void);
/* DC_SYSROOT + path into buf.  0 or -ENAMETOOLONG. */
int dc_sysroot_path(char *buf, size_t len, const char *path);
/* The state file: DC_STATE, else DC_SYSROOT + DC_STATE_DEFAULT. */
int dc_state_path(char *buf, size_t len);

/* Escape `in` for one word of a record.  Its length, or -ENOSPC. */
int dc_state_escape(const char *in, char *out, size_t len);

struct dc_state_record {
	int argc;
	char *argv[DC_STATE_MAX_WORDS];		/* unescaped, NUL-terminated */
};
/*
 * Call fn for each complete record of the state file at `path`, in order.
 * 0; -errno when it cannot be read (-ENOENT: no partition); -EINVAL when a
 * line is malformed; or the first nonzero value fn returns.
 */
int dc_state_read(const char *path,
		  int (*fn)(const struct dc_state_record *r, void *ctx), void *ctx);

/* What the header of a state file says. */
struct dc_partition {
	cpu_set_t cpus;
	int complete;		/* a "complete" record was seen */
	int this_boot;		/* written since the machine last booted */
	int records;
	char mechanism[16];	/* "cgroup-v1", "cgroup-v2" */
	char cpuset[512];	/* the real-time cpuset's directory (without DC_SYSROOT) */
	char admit[32];		/* file in it that takes a tid */
	char boot[64];
};
/* Read the state file at `path` (NULL: dc_state_path()).  0, -ENOENT, -EINVAL. */
int dc_partition_load(const char *path, struct dc_partition *p);
/* The partition is in place: complete, and made during this boot. */
static inline int dc_partition_active(const struct dc_partition *p)
{
	return p->complete && p->this_boot;
}

/* CPUs isolated at boot (isolcpus=): /sys/devices/system/cpu/isolated.  0 or -errno. */
int dc_kernel_isolated_cpus(cpu_set_t *set);
/* Online CPUs: /sys/devices/system/cpu/online.  0 or -errno. */
int dc_online_cpus(cpu_set_t *set);

/*
 * The library's default real-time CPUs and where they come from (a phrase
 * for `decouple status`).  DC_CPUS wins, then the partition and CPUs isolated
 * at boot, then the last online CPU.  0 or -EINVAL (malformed DC_CPUS).
 */
int dc_partition_default_cpus(cpu_set_t *set, const char **source);

/* The sysfs root: DC_SYSFS_ROOT, else DC_SYSROOT + "/sys" (sysfs_root.c). */
int dc_sysfs_path(char *buf, size_t len, const char *rel);

/* Nonzero if `cpu` is isolated by decouple isolate. */
int dc_partition_cpu_isolated(int cpu);
/*
 * Give the Linux thread `tid` access to the isolated `cpu` (a cpuset move
 * where the partition needs one).  0 when the CPU is not partitioned.
 */
int dc_partition_admit(int cpu, int tid);

#endif
