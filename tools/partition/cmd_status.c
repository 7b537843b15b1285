/* SPDX-License-Identifier: MIT */
/*
 * decouple status: the partition (which CPUs, by which mechanism), the IRQs
 * it keeps on them (--irq), what else is still allowed on those CPUs
 * (threads, IRQs), RT throttling and the fair server, and the CPUs the
 * library uses by default.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "cpulist.h"
#include "cpuset.h"
#include "irq_affinity.h"
#include "partition.h"
#include "rt_throttle.h"
#include "sysfs.h"
#include "tasks.h"
#include "workqueue.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: decouple status [--cpus LIST] [--state FILE] [--root DIR]\n"
		"\n"
		"Show the CPUs isolated for real-time use and by which mechanism, the IRQs\n"
		"kept on them (isolate --irq), the threads and IRQs still allowed on them,\n"
		"RT throttling, the fair server, and the CPUs the library uses by default.\n"
		"\n"
		"  -c, --cpus LIST   look at these CPUs (default: the isolated ones, else the\n"
		"                    library's default real-time CPUs)\n"
		"  -s, --state FILE  the state file (default: $DC_STATE or %s)\n"
		"      --root DIR    root of /proc and /sys (tests; default: $DC_SYSROOT or /)\n"
		"  -h, --help        this text\n",
		DC_STATE_DEFAULT);
}

static const char *fmt_list(const cpu_set_t *set, char *buf, size_t len)
{
	if (dc_cpulist_format(set, buf, len) < 0)
		snprintf(buf, len, "(too many to list)");
	else if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}

/* Is the cpuset of the state file still there, and as isolate left it? */
static void check_cpuset(const struct dc_partition *p)
{
	char path[1024], buf[512], why[256];
	if (!strcmp(p->mechanism, "cgroup-v2")) {
		str_fmt(path, sizeof(path), "%s/cpuset.cpus.partition", p->cpuset);
		if (sysfs_read(path, buf, sizeof(buf)) < 0)
			printf("  warning: %s is missing: the partition is gone\n", path);
		else if (!cpuset_v2_partition_ok(buf, why, sizeof(why)))
			printf("  warning: isolated invalid (%s)\n", why);
		else
			printf("  %s: a valid isolated partition\n", p->cpuset);
		return;
	}
	cpu_set_t cpus;
	str_fmt(path, sizeof(path), "%s/cpuset.cpus", p->cpuset);
	if (sysfs_read_cpulist(path, &cpus) != 0)
		printf("  warning: %s is missing: the cpuset is gone\n", path);
	else if (!CPU_EQUAL(&cpus, &p->cpus))
		printf("  warning: %s no longer holds the isolated CPUs\n", path);
	else
		printf("  %s: exclusive cpuset, no load balancing\n", p->cpuset);
}

/*
 * The IRQs that isolate --irq keeps on the real-time CPUs, and where each
 * is now: a driver that resets its affinity (on a reset or a resume) would
 * otherwise move it back unseen.
 */
static void show_kept(const char *state, const cpu_set_t *rt)
{
	struct irq_keep k;
	char list[1024], rtlist[1024];
	int err = irq_keep_load(state, &k);
	if (err) {
		printf("IRQs kept on the real-time CPUs: unknown: state file %s: %s\n", state,
		       err == -EINVAL ? "malformed" : strerror(-err));
		return;
	}
	if (!k.n)
		return;
	irq_keep_format(&k, list, sizeof(list));
	fmt_list(rt, rtlist, sizeof(rtlist));
	printf("IRQs kept on the real-time CPUs (--irq): %s\n", list);
	for (int i = 0; i < k.n; i++) {
		char path[64], item[160], now[1024];
		cpu_set_t cpus;
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", k.irq[i]);
		irq_describe(k.irq[i], item, sizeof(item));
		if (sysfs_read_cpulist(path, &cpus) != 0)
			printf("  warning: IRQ %s: cannot read %s: the device is gone?\n", item, path);
		else if (!CPU_EQUAL(&cpus, rt))
			printf("  warning: IRQ %s is on CPU %s now, not the real-time CPU %s\n", item,
			       fmt_list(&cpus, now, sizeof(now)), rtlist);
		else
			printf("  IRQ %s: on CPU %s\n", item, rtlist);
	}
}

/* The partition line(s).  Fills `iso` with the CPUs isolated by any means. */
static void show_partition(const char *state, cpu_set_t *iso)
{
	struct dc_partition p;
	char list[1024];
	CPU_ZERO(iso);
	int err = dc_partition_load(state, &p);
	if (err == -ENOENT)
		printf("partition: none by decouple (no state file %s)\n", state);
	else if (err)
		printf("partition: unknown: state file %s: %s\n", state,
		       err == -EINVAL ? "malformed" : strerror(-err));
	else if (!p.this_boot)
		printf("partition: none; state file %s is from an earlier boot "
		       "(`decouple release` removes it)\n", state);
	else if (!p.complete) {
		printf("partition: CPU %s half-isolated by an interrupted isolate: run "
		       "`decouple release` (or isolate again)\n", fmt_list(&p.cpus, list, sizeof(list)));
		show_kept(state, &p.cpus);
	} else {
		printf("partition: CPU %s isolated by decouple (%s), state %s\n",
		       fmt_list(&p.cpus, list, sizeof(list)), p.mechanism, state);
		check_cpuset(&p);
		show_kept(state, &p.cpus);
		CPU_OR(iso, iso, &p.cpus);
	}

	cpu_set_t boot;
	if (dc_kernel_isolated_cpus(&boot) == 0 && CPU_COUNT(&boot)) {
		printf("isolated at boot (isolcpus=): CPU %s\n", fmt_list(&boot, list, sizeof(list)));
		CPU_OR(iso, iso, &boot);
	}
	cpu_set_t nohz;
	if (sysfs_read_cpulist("/sys/devices/system/cpu/nohz_full", &nohz) == 0 && CPU_COUNT(&nohz))
		printf("nohz_full (boot): CPU %s\n", fmt_list(&nohz, list, sizeof(list)));
}

static void show_cpus(const cpu_set_t *cpus)
{
	struct tasks_on_cpus t;
	char list[1024], rel[64];
	struct irq_census irq;
	fmt_list(cpus, list, sizeof(list));
	snprintf(rel, sizeof(rel), "/%s", CPUSET_RT_NAME);
	tasks_on_cpus(cpus, rel, &t);
	printf("threads allowed on CPU %s:\n", list);
	printf("  %d kernel threads (%d per-CPU or kernel-managed)%s%s\n", t.kernel,
	       t.kernel_pinned, t.kernel ? ": " : "", t.kernel_names);
	printf("  %d user threads%s%s\n", t.user, t.user ? ": " : "", t.user_names);
	if (t.user_asleep)
		printf("  (%d more user threads last ran there and have slept since: they wake on "
		       "allowed CPUs, but ps shows the old CPU until then)\n", t.user_asleep);
	if (t.admitted)
		printf("  %d threads in %s: %s\n", t.admitted, CPUSET_RT_NAME, t.admitted_names);
	irq_on_cpus(cpus, &irq);
	printf("IRQs allowed on CPU %s: %d%s%s\n", list, irq.allowed, irq.allowed ? ": " : "",
	       irq.allowed_list);
	if (irq.pending)
		printf("  %d more still routed there until their next interrupt moves them: %s\n",
		       irq.pending, irq.pending_list);
}

static void show_mask(const char *what, const char *path)
{
	char buf[256];
	if (sysfs_read(path, buf, sizeof(buf)) < 0)
		printf("%s: unknown (no %s)\n", what, path);
	else
		printf("%s: %s\n", what, sysfs_chomp(buf));
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 's' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cpus = NULL, *state = NULL;
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': cpus = optarg; break;
		case 's': state = optarg; break;
		case 'r': setenv("DC_SYSROOT", optarg, 1); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "decouple status: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	cpu_set_t look, iso, online, hk, def;
	if (cpus && (dc_cpulist_parse(cpus, &look) || !CPU_COUNT(&look))) {
		fprintf(stderr, "decouple status: --cpus '%s' is not a CPU list (e.g. 1 or 2-3)\n", cpus);
		return 2;
	}
	char path[PATH_MAX], list[1024];
	if (state ? str_fmt(path, sizeof(path), "%s", state) : dc_state_path(path, sizeof(path))) {
		fprintf(stderr, "decouple status: state file path too long\n");
		return 2;
	}

	if (state)
		setenv("DC_STATE", path, 1);	/* the library's view too */
	show_partition(path, &iso);
	if (dc_online_cpus(&online) == 0) {
		CPU_AND(&hk, &online, &iso);
		CPU_XOR(&hk, &hk, &online);
		printf("housekeeping CPUs: %s\n", fmt_list(&hk, list, sizeof(list)));
	}

	const char *source;
	int err = dc_partition_default_cpus(&def, &source);
	if (err)
		printf("library default real-time CPUs: DC_CPUS='%s' is malformed\n", getenv("DC_CPUS"));
	else
		printf("library default real-time CPUs: %s (from %s; DC_CPUS overrides)\n",
		       fmt_list(&def, list, sizeof(list)), source);

	if (!cpus)
		look = CPU_COUNT(&iso) ? iso : def;
	if (CPU_COUNT(&look))
		show_cpus(&look);
	show_mask("default IRQ affinity", "/proc/irq/default_smp_affinity");
	show_mask("unbound workqueue cpumask", WQ_CPUMASK_PATH);
	char buf[512];
	rt_throttle_describe(buf, sizeof(buf));
	printf("RT throttling: %s\n", buf);
	fair_server_describe(&look, buf, sizeof(buf));
	printf("fair server: %s\n", buf);
	printf("C-states: an executive holds /dev/cpu_dma_latency at 0 while it runs\n");
	return 0;
}
