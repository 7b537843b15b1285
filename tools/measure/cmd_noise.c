/* SPDX-License-Identifier: MIT */
/*
 * decouple noise: the noise floor of a CPU, in the spirit of hwlat and
 * osnoise (which this kernel may not have): what a polling loop at
 * SCHED_FIFO 99 on that CPU loses to everything below it.  Two modes:
 *
 *   gaps (default)          every gap between clock reads above a threshold:
 *                           histogram, percentiles, gaps per second;
 *   deadlines (-i US)       lateness of a bare poll for a deadline every US,
 *                           the floor for `decouple lat` on the same CPU.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "cyclictest_out.h"
#include "decouple.h"
#include "json.h"
#include "noise_measure.h"
#include "progress.h"
#include "rtopts.h"
#include "rt_throttle.h"
#include "samples.h"
#include "stopsig.h"
#include "sysfs.h"

#define PROG "decouple noise"
#define NOISE_MAX_GAPS		(4u << 20)	/* kept; more are counted only */
#define NOISE_MAX_SAMPLES	(64u << 20)
#define NOISE_ENDLESS_SAMPLES	(16u << 20)

struct noise_opts {
	struct rtopts rt;	/* -a -p -D -h -q --histfile --json --samples */
	uint64_t threshold_ns;
	uint64_t interval_ns;
	uint64_t loops;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: decouple noise -a CPU [-D TIME] [--threshold US] [-p PRIO] [-h US]\n"
		"                      [--histfile FILE] [--json=FILE] [-q]\n"
		"       decouple noise -a CPU -i US [-D TIME | -l LOOPS] --samples FILE [-q] ...\n"
		"\n"
		"Measure what a polling loop at SCHED_FIFO on CPU loses to interrupts, the\n"
		"tick, other real-time work, SMIs and the hypervisor.  It runs inside the\n"
		"partition of `decouple isolate` when there is one.\n"
		"\n"
		"  -a, --affinity CPU    the CPU to measure (default: the library's first\n"
		"                        real-time CPU)\n"
		"  -D, --duration TIME   run time: seconds, or with suffix s, m, h or d (default 10)\n"
		"  -p, --priority PRIO   SCHED_FIFO priority, 1..99 (default 99)\n"
		"  -t, --threshold US    record gaps longer than US microseconds (default 1)\n"
		"  -h, --histogram US    cyclictest's histogram block, 1 us buckets up to US\n"
		"      --histfile FILE   the histogram block to FILE instead of stdout\n"
		"      --json=FILE       the report as JSON\n"
		"  -q, --quiet           no live line\n"
		"  -i, --interval US     deadline mode: a deadline every US, polled for; its\n"
		"                        lateness is a clock read after the poll, as in lat\n"
		"  -l, --loops N         deadline mode: stop after N deadlines\n"
		"      --samples FILE    every gap (or every deadline's lateness) in ns, one per line\n"
		"      --help            this text\n"
		"\n"
		"Exit status: 0 measured (also when ended by SIGINT or SIGTERM), 1 the run\n"
		"could not be made, 2 usage error.\n");
}

static int parse(int argc, char **argv, struct noise_opts *o)
{
	static const struct option longopts[] = {
		RTOPTS_LONGOPTS,
		{ "threshold", required_argument, NULL, 't' },
		{ "interval",  required_argument, NULL, 'i' },
		{ "loops",     required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	long long v;
	int c, err;

	memset(o, 0, sizeof(*o));
	rtopts_init(&o->rt);
	o->threshold_ns = 1000;
	while ((c = getopt_long(argc, argv, ":a:D:p:t:h:qi:l:", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (cli_int(PROG, "--threshold", optarg, 1, 1000000000, &v))
				return -EINVAL;
			o->threshold_ns = (uint64_t)v * 1000;
			break;
		case 'i':
			if (cli_int(PROG, "-i", optarg, 1, 1000000000, &v))
				return -EINVAL;
			o->interval_ns = (uint64_t)v * 1000;
			break;
		case 'l':
			if (cli_int(PROG, "-l", optarg, 1, NOISE_MAX_SAMPLES, &v))
				return -EINVAL;
			o->loops = (uint64_t)v;
			break;
		default:
			if ((err = rtopts_option(PROG, c, argv, &o->rt)) != 0) {
				if (err == 1)
					usage(stdout);
				return err;
			}
		}
	}
	if (rtopts_check(PROG, argc, argv, &o->rt))
		return -EINVAL;
	if (o->loops && !o->interval_ns) {
		fprintf(stderr, PROG ": -l counts deadlines: it needs -i US\n");
		return -EINVAL;
	}
	/* Gap mode always runs for a time; deadline mode may count loops instead. */
	if (!o->rt.duration_ns && !o->loops)
		o->rt.duration_ns = 10ull * 1000000000ull;
	if (rtopts_default_cpu(PROG, &o->rt))
		return -EINVAL;
	return 0;
}

static size_t sample_budget(const struct noise_opts *o)
{
	if (!o->interval_ns)
		return NOISE_MAX_GAPS;
	uint64_t want = NOISE_ENDLESS_SAMPLES;
	if (o->rt.duration_ns)
		want = o->rt.duration_ns / o->interval_ns + 1;
	if (o->loops && (o->loops < want || !o->rt.duration_ns))
		want = o->loops;
	return want > NOISE_MAX_SAMPLES ? NOISE_MAX_SAMPLES : (size_t)want;
}

static void warn_throttling(int cpu)
{
	char buf[64];
	if (sysfs_read(RT_RUNTIME_PATH, buf, sizeof(buf)) <= 0)
		return;
	long runtime = strtol(buf, NULL, 10);
	if (runtime < 0)
		return;
	fprintf(stderr, PROG ": warning: RT throttling is on (sched_rt_runtime_us=%ld): the "
		"SCHED_FIFO poller on CPU %d is stopped for the rest of each period once it has "
		"run %ld us, which shows as gaps of tens of ms.  `decouple isolate` turns it off.\n",
		runtime, cpu, runtime);
}

/* Locked before the poller starts: it must never take a page fault. */
static void lock_memory(bool quiet)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	/* The sanitizers' shadow memory is terabytes of reserve: never lock it. */
	(void)quiet;
#else
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0 && !quiet)
		fprintf(stderr, PROG ": mlockall: %s: page faults may show as noise\n",
			strerror(errno));
#endif
}

struct noise_watch {
	const struct noise_opts *o;
	struct noise_measure *m;
	uint64_t t0;
};

static void show(struct progress *p, void *arg)
{
	struct noise_watch *w = arg;
	uint64_t n = atomic_load_explicit(&w->m->live.done, memory_order_relaxed);
	double secs = (dc_now() - w->t0) / 1e9;
	double max_us = atomic_load_explicit(&w->m->live.max_ns, memory_order_relaxed) / 1e3;
	if (w->o->interval_ns)
		progress_update(p, "CPU %d  %.1f s  %" PRIu64 " deadlines  max %.1f us",
				w->o->rt.cpu, secs, n, max_us);
	else
		progress_update(p, "CPU %d  %.1f s  %" PRIu64 " gaps > %" PRIu64 " us  max %.1f us",
				w->o->rt.cpu, secs, n, w->o->threshold_ns / 1000, max_us);
}

static void wait_for(const struct noise_opts *o, struct noise_measure *m)
{
	struct noise_watch w = { o, m, dc_now() };
	progress_watch(!o->rt.quiet, &m->finished, show, &w);
	noise_measure_join(m);
}

static int write_json(const struct noise_opts *o, const struct noise_measure *m,
		      const struct latency_stats *st, const struct ct_run *run, long rt_runtime)
{
	struct json j;
	FILE *f = rtopts_json_open(PROG, &o->rt, &j);
	if (!f)
		return -EIO;
	double secs = m->elapsed_ns / 1e9;
	if (o->interval_ns) {
		/* Deadline mode reads like a cyclictest report, as decouple lat's does. */
		ct_json_begin(&j, run);
		ct_json_thread(&j, &m->s, st, o->rt.buckets, o->rt.cpu);
		ct_json_thread_end(&j);
		json_object_begin(&j, "decouple");
		json_string(&j, "tool", "noise");
		json_string(&j, "mode", "deadlines");
		json_int(&j, "interval_us", (long long)(o->interval_ns / 1000));
		json_int(&j, "samples", (long long)m->s.n);
		json_int(&j, "skipped_deadlines", (long long)m->skipped);
	} else {
		json_object_begin(&j, NULL);
		json_object_begin(&j, "decouple");
		json_string(&j, "tool", "noise");
		json_string(&j, "mode", "gaps");
		json_int(&j, "threshold_ns", (long long)o->threshold_ns);
		json_int(&j, "gaps", (long long)m->gap_count);
		json_int(&j, "gaps_kept", (long long)m->s.n);
		json_double(&j, "gaps_per_second", secs > 0 ? m->gap_count / secs : 0);
		json_double(&j, "noise_us_total", m->gap_total_ns / 1e3);
		json_double(&j, "noise_percent",
			    m->elapsed_ns ? 100.0 * m->gap_total_ns / m->elapsed_ns : 0);
		ct_json_histogram(&j, &m->s, o->rt.buckets);
	}
	json_int(&j, "cpu", o->rt.cpu);
	json_int(&j, "priority", o->rt.prio);
	json_double(&j, "duration_s", secs);
	json_int(&j, "clock_reads", (long long)m->reads);
	json_int(&j, "rt_runtime_us", rt_runtime);
	samples_json_stats(&j, st);
	json_object_end(&j);
	json_object_end(&j);
	return rtopts_json_close(PROG, &o->rt, f);
}

static int report(const struct noise_opts *o, struct noise_measure *m, const struct ct_run *run)
{
	int ret = 0;
	char buf[64];
	long rt_runtime = 0;
	if (sysfs_read(RT_RUNTIME_PATH, buf, sizeof(buf)) > 0)
		rt_runtime = strtol(buf, NULL, 10);

	if (o->rt.samples && rtopts_save_samples(PROG, &o->rt, &m->s))
		ret = 1;
	uint64_t sum = 0;
	for (size_t i = 0; i < m->s.n; i++)
		sum += m->s.ns[i];
	struct latency_stats st;
	samples_stats(&m->s, &st);
	double secs = m->elapsed_ns / 1e9;

	if (o->rt.buckets && rtopts_write_histogram(PROG, &o->rt, &m->s))
		ret = 1;
	if (o->interval_ns) {
		struct ct_line l = {
			.tid = m->tid, .prio = o->rt.prio, .interval_us = (long)(o->interval_ns / 1000),
			.cycles = (unsigned long)m->s.n,
			.min = m->s.n ? (long)(m->s.ns[0] / 1000) : 0,
			.act = (long)(atomic_load(&m->live.act_ns) / 1000),
			.avg = m->s.n ? (long)(sum / m->s.n / 1000) : 0,
			.max = m->s.n ? (long)(m->s.ns[m->s.n - 1] / 1000) : 0,
		};
		if (!(o->rt.quiet && o->rt.buckets && !o->rt.histfile))
			ct_write_line(stdout, &l);
		if (!o->rt.quiet)
			printf("# deadline lateness of a bare poll: p50 %.3f us, p99 %.3f us, "
			       "p99.9 %.3f us, p99.99 %.3f us, max %.3f us\n",
			       st.p50_us, st.p99_us, st.p999_us, st.p9999_us, st.max_us);
	} else {
		printf("# noise on CPU %d: %.1f s, %" PRIu64 " gaps > %.1f us (%.1f per second), "
		       "%.1f us lost (%.4f%%)\n", o->rt.cpu, secs, m->gap_count, o->threshold_ns / 1e3,
		       secs > 0 ? m->gap_count / secs : 0, m->gap_total_ns / 1e3,
		       m->elapsed_ns ? 100.0 * m->gap_total_ns / m->elapsed_ns : 0);
		if (m->s.n)
			printf("# gaps: min %.3f us, p50 %.3f us, p99 %.3f us, p99.9 %.3f us, "
			       "p99.99 %.3f us, max %.3f us\n", st.min_us, st.p50_us, st.p99_us,
			       st.p999_us, st.p9999_us, st.max_us);
		if (m->dropped)
			printf("# %" PRIu64 " gaps beyond the first %zu were counted, not kept\n",
			       m->dropped, m->s.n);
	}
	fflush(stdout);
	if (o->rt.json && write_json(o, m, &st, run, rt_runtime))
		ret = 1;
	return ret;
}

int cmd_noise(int argc, char **argv)
{
	struct noise_opts o;
	int err = parse(argc, argv, &o);
	if (err == 1)
		return 0;
	if (err)
		return 2;

	struct noise_measure m;
	memset(&m, 0, sizeof(m));
	m.cpu = o.rt.cpu;
	m.prio = o.rt.prio;
	m.duration_ns = o.rt.duration_ns;
	m.threshold_ns = o.threshold_ns;
	m.interval_ns = o.interval_ns;
	m.loops = o.loops;
	m.stop = &stopsig_raised;

	warn_throttling(o.rt.cpu);
	struct ct_run run = { .argc = argc, .argv = argv, .start = time(NULL) };
	if (rtopts_stopsig(PROG))
		return 1;
	lock_memory(o.rt.quiet);
	dc_now();	/* calibrate the clock here, not in the loop */
	if ((err = noise_measure_start(&m, sample_budget(&o))) != 0) {
		fprintf(stderr, PROG ": cannot start the polling thread: %s\n", strerror(-err));
		return 1;
	}
	cli_keep_off_cpu(o.rt.cpu);
	wait_for(&o, &m);
	run.end = time(NULL);

	if (m.err) {
		rtopts_setup_error(PROG, m.err, o.rt.cpu, 0, "set up the poller on");
		noise_measure_free(&m);
		return 1;
	}
	int ret = report(&o, &m, &run);
	noise_measure_free(&m);
	return ret;
}
