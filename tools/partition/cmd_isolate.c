/* SPDX-License-Identifier: MIT */
/*
 * decouple isolate: take CPUs away from Linux for real-time use, at run
 * time: a cpuset (cgroup v1 or v2), IRQ affinity, unbound workqueues and RT
 * throttling.  Every original value goes to the state file before it is
 * changed, so that `decouple release` restores it even after a crash.
 * `--irq` keeps chosen device IRQs on the isolated CPUs instead.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "change.h"
#include "commands.h"
#include "cpulist.h"
#include "cpuset.h"
#include "irq_affinity.h"
#include "journal.h"
#include "partition.h"
#include "rt_throttle.h"
#include "sysfs.h"
#include "tasks.h"
#include "undo.h"
#include "workqueue.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: decouple isolate --cpus LIST [--irq IRQS] [--dry-run] [--state FILE]\n"
		"                        [--root DIR]\n"
		"\n"
		"Take the CPUs in LIST (e.g. 1 or 2-3) away from Linux for real-time use:\n"
		"an exclusive cpuset without load balancing (cgroup v1) or an isolated\n"
		"partition (cgroup v2), every IRQ that can move, the unbound workqueues,\n"
		"and RT throttling off.  At least one CPU stays with Linux.\n"
		"\n"
		"  -c, --cpus LIST   the CPUs to isolate\n"
		"  -i, --irq IRQS    keep these device IRQs (N[,M...], as in /proc/interrupts)\n"
		"                    ON the isolated CPUs: their smp_affinity_list becomes LIST,\n"
		"                    so a decoupled ISR's interrupt is taken on its own CPU;\n"
		"                    every other IRQ still leaves.  May be repeated.  An IRQ\n"
		"                    the kernel will not move there is an error: isolate\n"
		"                    undoes everything and exits 1\n"
		"  -n, --dry-run     print what would change, change nothing\n"
		"  -s, --state FILE  where original values are saved (default: $DC_STATE or\n"
		"                    %s)\n"
		"      --root DIR    root of /proc and /sys (tests; default: $DC_SYSROOT or /)\n"
		"  -h, --help        this text\n"
		"\n"
		"`decouple release` restores every saved value.  See decouple-isolate(1).\n",
		DC_STATE_DEFAULT);
}

struct isolate_opts {
	cpu_set_t iso, hk;
	int dry_run;
	struct irq_keep keep;	/* --irq */
	char state[PATH_MAX];
};

#define MAX_IRQ_ARGS 16

/* The --irq lists, read once --root has said where /proc is.  0 or 2. */
static int parse_irqs(char *const *args, int n, struct irq_keep *k)
{
	char why[256];
	for (int i = 0; i < n; i++)
		if (irq_keep_parse(args[i], k, why, sizeof(why))) {
			fprintf(stderr, "decouple isolate: --irq '%s': %s\n", args[i], why);
			return 2;
		}
	return 0;
}

/* Options and the CPUs they name.  0 to go on, -1 after --help, or an exit status. */
static int parse_args(int argc, char **argv, struct isolate_opts *o)
{
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "irq", required_argument, NULL, 'i' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "state", required_argument, NULL, 's' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cpus = NULL, *state = NULL;
	char *irqs[MAX_IRQ_ARGS];
	int opt, nirqs = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "c:i:ns:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': cpus = optarg; break;
		case 'i':
			if (nirqs == MAX_IRQ_ARGS) {
				fprintf(stderr, "decouple isolate: more than %d --irq options: "
					"name several IRQs in one (--irq 36,37)\n", MAX_IRQ_ARGS);
				return 2;
			}
			irqs[nirqs++] = optarg;
			break;
		case 'n': o->dry_run = 1; break;
		case 's': state = optarg; break;
		case 'r': setenv("DC_SYSROOT", optarg, 1); break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "decouple isolate: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!cpus) {
		fprintf(stderr, "decouple isolate: --cpus LIST is required (e.g. --cpus 1)\n");
		return 2;
	}
	if (dc_cpulist_parse(cpus, &o->iso) || !CPU_COUNT(&o->iso)) {
		fprintf(stderr, "decouple isolate: --cpus '%s' is not a CPU list (e.g. 1 or 2-3,6)\n", cpus);
		return 2;
	}
	cpu_set_t online, missing;
	char list[1024];
	if (dc_online_cpus(&online)) {
		fprintf(stderr, "decouple isolate: cannot read the online CPUs "
			"(/sys/devices/system/cpu/online)\n");
		return 1;
	}
	dc_cpulist_format(&online, list, sizeof(list));
	CPU_AND(&missing, &o->iso, &online);
	CPU_XOR(&missing, &missing, &o->iso);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &missing)) {
			fprintf(stderr, "decouple isolate: CPU %d does not exist or is offline "
				"(online: %s)\n", c, list);
			return 2;
		}
	CPU_XOR(&o->hk, &online, &o->iso);
	if (!CPU_COUNT(&o->hk)) {
		fprintf(stderr, "decouple isolate: at least one housekeeping CPU must remain "
			"(online: %s)\n", list);
		return 2;
	}
	int err = state ? str_fmt(o->state, sizeof(o->state), "%s", state)
			: dc_state_path(o->state, sizeof(o->state));
	if (err) {
		fprintf(stderr, "decouple isolate: state file path too long\n");
		return 2;
	}
	return parse_irqs(irqs, nirqs, &o->keep);
}

static int same_keep(const struct irq_keep *a, const struct irq_keep *b)
{
	if (a->n != b->n)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (!irq_keep_has(b, a->irq[i]))
			return 0;
	return 1;
}

/*
 * An existing state file: isolating the same CPUs again is allowed (and
 * re-checks every setting); anything else is refused.  0: go on (*resume
 * set when there is one); 1: refused, after a message.
 */
static int check_existing(const struct isolate_opts *o, const struct cpuset_fs *fs, int *resume)
{
	struct dc_partition p;
	char have[1024];
	*resume = 0;
	int err = dc_partition_load(o->state, &p);
	if (err == -ENOENT || (err == -EINVAL && !p.records))
		return 0;	/* none, or created empty by a run killed at once */
	if (err) {
		fprintf(stderr, "decouple isolate: state file %s: %s; inspect it, or remove it if "
			"nothing is isolated\n", o->state, err == -EINVAL ? "malformed" : strerror(-err));
		return 1;
	}
	dc_cpulist_format(&p.cpus, have, sizeof(have));
	if (!p.this_boot) {
		fprintf(stderr, "decouple isolate: state file %s is from an earlier boot: run "
			"`decouple release` to discard it\n", o->state);
		return 1;
	}
	if (!CPU_EQUAL(&p.cpus, &o->iso) || strcmp(p.mechanism, cpuset_mechanism(fs))) {
		fprintf(stderr, "decouple isolate: CPUs %s are isolated already (%s, state %s): "
			"run `decouple release` first\n", have, p.mechanism, o->state);
		return 1;
	}
	/*
	 * The kept IRQs are part of the partition: checking it again with
	 * other ones would leave the state describing neither.
	 */
	struct irq_keep kept;
	char was[1024], now[1024];
	err = irq_keep_load(o->state, &kept);
	if (err || !same_keep(&kept, &o->keep)) {
		irq_keep_format(&kept, was, sizeof(was));
		irq_keep_format(&o->keep, now, sizeof(now));
		fprintf(stderr, "decouple isolate: CPUs %s are isolated already keeping IRQs %s "
			"on them (state %s), not %s: isolate with the same --irq, or run "
			"`decouple release` first\n", have, err ? "(unreadable)" : was, o->state, now);
		return 1;
	}
	printf("CPUs %s are isolated already%s: checking every setting again\n", have,
	       p.complete ? "" : " (by an isolate that was interrupted)");
	*resume = 1;
	return 0;
}

static int write_header(struct journal *j, const struct isolate_opts *o, const struct cpuset_fs *fs)
{
	char list[1024], boot[128] = "", rt[PATH_MAX];
	dc_cpulist_format(&o->iso, list, sizeof(list));
	if (sysfs_read("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)) < 0)
		boot[0] = 0;
	sysfs_chomp(boot);
	cpuset_rt_path(fs, rt, sizeof(rt));
	int err = journal_append(j, "decouple-state", "1", NULL);
	if (!err && boot[0])
		err = journal_append(j, "boot", boot, NULL);
	if (!err)
		err = journal_append(j, "cpus", list, NULL);
	if (!err)
		err = journal_append(j, "mechanism", cpuset_mechanism(fs), NULL);
	if (!err)
		err = journal_append(j, "cpuset", rt, NULL);
	if (!err)
		err = journal_append(j, "admit", cpuset_admit_file(fs), NULL);
	/* Before any change: a killed isolate's state says which IRQs it meant to keep. */
	for (int i = 0; !err && i < o->keep.n; i++) {
		char num[16];
		snprintf(num, sizeof(num), "%d", o->keep.irq[i]);
		err = journal_append(j, "keep-irq", num, NULL);
	}
	return err;
}

/* Undo a failed isolate from its own journal. */
static void roll_back(struct journal *j)
{
	struct jrecords recs;
	struct undo_report rep;
	if (journal_load(j->path, &recs) != 0) {
		fprintf(stderr, "decouple isolate: cannot read back %s: run `decouple release`\n", j->path);
		return;
	}
	printf("rolling back:\n");
	if (undo_journal(&recs, stdout, &rep) == 0)
		journal_remove(j);
	else
		fprintf(stderr, "decouple isolate: %d values could not be restored; the state "
			"stays in %s\n", rep.failed, j->path);
	journal_free(&recs);
}

static void report_threads(const struct cpuset_fs *fs, const cpu_set_t *iso)
{
	struct tasks_on_cpus t;
	char list[1024], rel[64];
	snprintf(rel, sizeof(rel), "/%s", CPUSET_RT_NAME);
	tasks_on_cpus(iso, rel, &t);
	dc_cpulist_format(iso, list, sizeof(list));
	printf("threads allowed on CPU %s: %d kernel threads (%d per-CPU or kernel-managed)%s%s; "
	       "%d user threads\n", list, t.kernel, t.kernel_pinned, t.kernel ? ": " : "",
	       t.kernel_names, t.user);
	if (t.user)
		printf("  user threads still allowed there%s: %s\n",
		       fs->version == CPUSET_V2 ? " (by their cgroup's effective CPUs)" : "", t.user_names);
	if (t.admitted)
		printf("  %d threads in %s: %s\n", t.admitted, CPUSET_RT_NAME, t.admitted_names);
	if (t.user_asleep)
		printf("  %d user threads asleep since before the isolate last ran there: they wake on "
		       "a housekeeping CPU, but ps -o psr shows the old CPU until then\n", t.user_asleep);
}

int cmd_isolate(int argc, char **argv)
{
	struct isolate_opts o;
	memset(&o, 0, sizeof(o));
	int status = parse_args(argc, argv, &o);
	if (status)
		return status < 0 ? 0 : status;
	if (!o.dry_run && !sysfs_is_fake() && geteuid() != 0) {
		fprintf(stderr, "decouple isolate: must run as root to change cpusets and IRQ "
			"affinity (--dry-run shows the plan)\n");
		return 1;
	}
	struct cpuset_fs fs;
	if (cpuset_detect(&fs)) {
		fprintf(stderr, "decouple isolate: no cpuset controller: neither a cgroup v1 "
			"hierarchy with cpuset nor cgroup v2 with cpuset in cgroup.controllers "
			"is mounted (see /proc/self/mounts)\n");
		return 1;
	}

	struct journal j = { .fd = -1 };
	int resume = 0, err;
	if (!o.dry_run) {
		err = journal_open(&j, o.state);
		if (err == -EWOULDBLOCK) {
			fprintf(stderr, "decouple isolate: another isolate or release holds %s\n", o.state);
			return 1;
		}
		if (err) {
			fprintf(stderr, "decouple isolate: cannot open %s: %s\n", o.state, strerror(-err));
			return 1;
		}
	}
	if (check_existing(&o, &fs, &resume)) {
		journal_close(&j);
		return 1;
	}
	if (!o.dry_run && !resume && journal_empty(&j) && (err = write_header(&j, &o, &fs))) {
		fprintf(stderr, "decouple isolate: cannot write %s: %s\n", o.state, strerror(-err));
		journal_remove(&j);
		return 1;
	}

	struct changer c;
	if (changer_init(&c, &j, o.dry_run, stdout)) {
		fprintf(stderr, "decouple isolate: DC_ISOLATE_STOP_AFTER must be a number\n");
		journal_close(&j);
		return 2;
	}
	c.resuming = resume;
	char isolist[1024], hklist[1024];
	dc_cpulist_format(&o.iso, isolist, sizeof(isolist));
	dc_cpulist_format(&o.hk, hklist, sizeof(hklist));
	printf("%s CPU %s for real-time use; CPU %s stays with Linux\n",
	       o.dry_run ? "dry run: nothing changes; would isolate" : "isolating", isolist, hklist);

	/* The kept IRQs first: a refusal then has the least to undo. */
	if (irq_keep_apply(&c, &o.keep, &o.iso)) {
		fprintf(stderr, "decouple isolate: nothing is isolated\n");
		if (!o.dry_run)
			roll_back(&j);
		return 1;
	}
	err = fs.version == CPUSET_V1 ? cpuset_v1_isolate(&c, &fs, &o.iso, &o.hk)
				      : cpuset_v2_isolate(&c, &fs, &o.iso, &o.hk);
	if (err) {
		fprintf(stderr, "decouple isolate: the cpuset could not be set up: nothing is isolated\n");
		if (!o.dry_run)
			roll_back(&j);
		return 1;
	}
	irq_isolate(&c, &o.iso, &o.hk, &o.keep);
	workqueue_isolate(&c, &o.iso, &o.hk);
	rt_throttle_off(&c);
	char fair[512];
	fair_server_describe(&o.iso, fair, sizeof(fair));
	printf("fair server: %s\n", fair);
	if (o.dry_run)
		return 0;

	report_threads(&fs, &o.iso);
	err = journal_append(&j, "complete", NULL, NULL);
	journal_close(&j);
	if (err) {
		fprintf(stderr, "decouple isolate: cannot write %s: %s\n", o.state, strerror(-err));
		return 1;
	}
	printf("saved in %s: `decouple release` restores every original value\n", o.state);
	return 0;
}
