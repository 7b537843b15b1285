/* SPDX-License-Identifier: MIT */
/*
 * decouple lat: cyclictest's counterpart on a decoupled thread (the paper's
 * L4Re-aware cyclictest).  Same flags, same meanings, same summary line,
 * histogram block and JSON shape; the thread that sleeps and measures runs
 * on an executive instead of under the Linux scheduler.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "cyclictest_out.h"
#include "decouple.h"
#include "json.h"
#include "lat_measure.h"
#include "progress.h"
#include "rtopts.h"
#include "samples.h"
#include "stopsig.h"

#define PROG "decouple lat"
/* Without -l or -D the run is endless; storage for this many samples bounds it. */
#define LAT_ENDLESS_SAMPLES	(16u << 20)
#define LAT_MAX_SAMPLES		(64u << 20)	/* 512 MiB of samples */

struct lat_opts {
	struct rtopts rt;	/* -a -p -D -h -q --histfile --json --samples */
	long interval_us;
	uint64_t loops;
	enum dc_placement placement;
	bool nsecs, verbose;
};

enum { OPT_PLACEMENT = RTOPT_OWN };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: decouple lat [-a CPU] [-p PRIO] [-i US] [-l LOOPS] [-D TIME] [-h US]\n"
		"                    [--histfile FILE] [-q] [--json=FILE] [-N] [-v]\n"
		"                    [--placement dedicated|shared|auto] [--samples FILE]\n"
		"\n"
		"Measure the wake-up lateness of a decoupled thread that sleeps until\n"
		"absolute deadlines, with cyclictest's options and output formats.\n"
		"\n"
		"  -a, --affinity CPU     the executive's CPU (default: the library's first\n"
		"                         real-time CPU, see decouple status)\n"
		"  -p, --priority PRIO    SCHED_FIFO priority of the executive, 1..99 (default 99)\n"
		"  -i, --interval US      period in microseconds (default 1000)\n"
		"  -l, --loops N          number of wake-ups (default: until -D or interrupted)\n"
		"  -D, --duration TIME    run time: seconds, or with suffix s, m, h or d\n"
		"  -h, --histogram US     print cyclictest's histogram block, 1 us buckets up to US\n"
		"      --histfile FILE    write the histogram block to FILE instead of stdout\n"
		"  -q, --quiet            no live line; only the summary at the end\n"
		"      --json=FILE        rt-tests' JSON report, plus percentiles and the\n"
		"                         executive's statistics\n"
		"  -N, --nsecs            summary line in nanoseconds\n"
		"  -v, --verbose          every sample as THREAD:CYCLE:VALUE after the run\n"
		"      --placement P      dedicated (poll), shared (sleep in Linux, wake early)\n"
		"                         or auto (the library's: dedicated on an isolated CPU);\n"
		"                         default: $DC_PLACEMENT if set, else dedicated\n"
		"      --samples FILE     every sample's lateness in ns, one per line\n"
		"  -m, --mlockall         accepted (the executive always locks memory)\n"
		"  -d, --distance US      accepted (one thread: no distance to apply)\n"
		"      --help             this text\n"
		"\n"
		"Exit status: 0 measured (also when ended early by SIGINT or SIGTERM),\n"
		"1 the run could not be made, 2 usage error.\n");
}

static int parse(int argc, char **argv, struct lat_opts *o)
{
	static const struct option longopts[] = {
		RTOPTS_LONGOPTS,
		{ "interval",  required_argument, NULL, 'i' },
		{ "loops",     required_argument, NULL, 'l' },
		{ "mlockall",  no_argument,       NULL, 'm' },
		{ "distance",  required_argument, NULL, 'd' },
		{ "nsecs",     no_argument,       NULL, 'N' },
		{ "verbose",   no_argument,       NULL, 'v' },
		{ "placement", required_argument, NULL, OPT_PLACEMENT },
		{ NULL, 0, NULL, 0 },
	};
	long long v;
	int c, err;

	memset(o, 0, sizeof(*o));
	rtopts_init(&o->rt);
	o->interval_us = 1000;
	/*
	 * Like cyclictest, measure the best the path can do: the paper's
	 * dedicated core.  DC_PLACEMENT, when set, is left to the library.
	 */
	const char *env = getenv("DC_PLACEMENT");
	o->placement = env && *env ? DC_PLACEMENT_AUTO : DC_PLACEMENT_DEDICATED;
	while ((c = getopt_long(argc, argv, ":a:p:i:l:D:h:qmd:Nv", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_int(PROG, "-p", optarg, 1, 99, &v)) {
				fprintf(stderr, PROG ": the executive runs SCHED_FIFO: -p takes 1..99\n");
				return -EINVAL;
			}
			o->rt.prio = (int)v;
			break;
		case 'i':
			if (cli_int(PROG, "-i", optarg, 1, 1000000000, &v))
				return -EINVAL;
			o->interval_us = (long)v;
			break;
		case 'l':
			if (cli_int(PROG, "-l", optarg, 0, LAT_MAX_SAMPLES, &v))
				return -EINVAL;
			o->loops = (uint64_t)v;
			break;
		case 'd':
			if (cli_int(PROG, "-d", optarg, 0, 1000000000, &v))
				return -EINVAL;
			break;
		case 'm': break;
		case 'N': o->nsecs = true; break;
		case 'v': o->verbose = true; break;
		case OPT_PLACEMENT:
			if (rtopts_placement(PROG, optarg, &o->placement))
				return -EINVAL;
			break;
		default:
			if ((err = rtopts_option(PROG, c, argv, &o->rt)) != 0) {
				if (err == 1)
					usage(stdout);
				return err;
			}
		}
	}
	if (rtopts_check(PROG, argc, argv, &o->rt) || rtopts_default_cpu(PROG, &o->rt))
		return -EINVAL;
	return 0;
}

/* Storage for every sample the run can take: -l, -D, or an endless run's bound. */
static int sample_budget(const struct lat_opts *o, size_t *n)
{
	uint64_t want = o->loops ? o->loops : LAT_ENDLESS_SAMPLES;
	if (o->rt.duration_ns) {
		uint64_t by_time = o->rt.duration_ns / ((uint64_t)o->interval_us * 1000) + 1;
		if (!o->loops && by_time > LAT_MAX_SAMPLES) {
			fprintf(stderr, PROG ": -D at -i %ld takes %" PRIu64 " samples, more than the "
				"%u this tool keeps: use a longer interval, a shorter run or -l\n",
				o->interval_us, by_time, LAT_MAX_SAMPLES);
			return -EINVAL;
		}
		if (!o->loops || by_time < want)
			want = by_time;
	}
	*n = (size_t)want;
	return 0;
}

static long shown(const struct lat_opts *o, uint64_t ns)
{
	return (long)(o->nsecs ? ns : ns / 1000);
}

static void fill_line(const struct lat_opts *o, struct lat_measure *m, struct ct_line *l)
{
	uint64_t n = atomic_load_explicit(&m->live.done, memory_order_relaxed);
	memset(l, 0, sizeof(*l));
	l->tid = atomic_load(&m->tid);
	l->prio = o->rt.prio;
	l->interval_us = o->interval_us;
	l->cycles = (unsigned long)n;
	l->min = shown(o, atomic_load_explicit(&m->live.min_ns, memory_order_relaxed));
	l->act = shown(o, atomic_load_explicit(&m->live.act_ns, memory_order_relaxed));
	l->avg = n ? shown(o, atomic_load_explicit(&m->live.sum_ns, memory_order_relaxed) / n) : 0;
	l->max = shown(o, atomic_load_explicit(&m->live.max_ns, memory_order_relaxed));
}

struct lat_watch {
	const struct lat_opts *o;
	struct lat_measure *m;
};

/* The live line is the summary line so far. */
static void show(struct progress *p, void *arg)
{
	struct lat_watch *w = arg;
	struct ct_line l;
	fill_line(w->o, w->m, &l);
	if (p->on) {
		char buf[160];
		FILE *mem = fmemopen(buf, sizeof(buf), "w");
		if (mem) {
			ct_write_line(mem, &l);
			fclose(mem);
			buf[strcspn(buf, "\n")] = 0;
			progress_update(p, "%s", buf);
		}
	}
}

static void wait_for(const struct lat_opts *o, struct lat_measure *m)
{
	struct lat_watch w = { o, m };
	progress_watch(!o->rt.quiet, &m->finished, show, &w);
	lat_measure_join(m);
}

static const char *placement_name(enum dc_placement p)
{
	return p == DC_PLACEMENT_DEDICATED ? "dedicated" : p == DC_PLACEMENT_SHARED ? "shared" : "auto";
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static int write_json(const struct lat_opts *o, struct lat_measure *m,
		      const struct latency_stats *st, const struct ct_run *run)
{
	struct json j;
	FILE *f = rtopts_json_open(PROG, &o->rt, &j);
	if (!f)
		return -EIO;
	ct_json_begin(&j, run);
	ct_json_thread(&j, &m->s, st, o->rt.buckets, o->rt.cpu);
	ct_json_thread_end(&j);

	json_object_begin(&j, "decouple");
	json_string(&j, "tool", "lat");
	json_int(&j, "interval_us", o->interval_us);
	json_int(&j, "priority", o->rt.prio);
	json_int(&j, "samples", (long long)m->s.n);
	json_int(&j, "skipped_deadlines", (long long)m->skipped);
	json_int(&j, "early_wakeups", (long long)m->early);
	samples_json_stats(&j, st);
	json_object_begin(&j, "clock_check");
	json_int(&j, "max_abs_diff_ns", (long long)m->mono_max_diff_ns);
	json_int(&j, "early_by_monotonic", (long long)m->mono_early);
	json_object_end(&j);
	if (m->have_stats) {
		const struct dc_executive_stats *x = &m->st;
		json_string(&j, "placement", placement_name(x->placement));
		json_object_begin(&j, "executive");
		json_double(&j, "uptime_s", x->uptime_ns / 1e9);
		json_double(&j, "cpu_percent", pct(x->uptime_ns - (x->sleep_ns < x->uptime_ns ?
								    x->sleep_ns : x->uptime_ns),
						   x->uptime_ns));
		json_double(&j, "spin_percent", pct(x->spin_ns, x->uptime_ns));
		json_double(&j, "sleep_percent", pct(x->sleep_ns, x->uptime_ns));
		json_double(&j, "run_percent", pct(x->run_ns, x->uptime_ns));
		json_int(&j, "switches", (long long)x->switches);
		json_int(&j, "linux_wakeups", (long long)x->linux_wakeups);
		json_int(&j, "late_linux_wakeups", (long long)x->late_linux_wakeups);
		json_double(&j, "wake_margin_us", x->wake_margin_ns / 1e3);
		json_double(&j, "timer_lead_us", x->timer_lead_ns / 1e3);
		json_int(&j, "preemptions", (long long)x->preemptions);
		json_object_end(&j);
	} else {
		json_string(&j, "placement", placement_name(o->placement));
	}
	json_object_end(&j);
	json_object_end(&j);
	return rtopts_json_close(PROG, &o->rt, f);
}

static int report(const struct lat_opts *o, struct lat_measure *m, const struct ct_run *run)
{
	int ret = 0;
	if (o->rt.samples && rtopts_save_samples(PROG, &o->rt, &m->s))
		ret = 1;
	if (o->verbose)
		for (size_t i = 0; i < m->s.n; i++)
			printf("%8d:%8zu:%8ld\n", 0, i, shown(o, m->s.ns[i]));

	struct ct_line line;
	fill_line(o, m, &line);
	struct latency_stats st;
	samples_stats(&m->s, &st);	/* sorts: after the in-order outputs above */

	if (o->rt.buckets && rtopts_write_histogram(PROG, &o->rt, &m->s))
		ret = 1;
	/* As cyclictest: a quiet run whose histogram went to stdout shows only that. */
	if (!(o->rt.quiet && o->rt.buckets && !o->rt.histfile))
		ct_write_line(stdout, &line);
	if (!o->rt.quiet) {
		printf("# p50 %.3f us, p99 %.3f us, p99.9 %.3f us, p99.99 %.3f us, max %.3f us",
		       st.p50_us, st.p99_us, st.p999_us, st.p9999_us, st.max_us);
		if (m->skipped)
			printf(", %" PRIu64 " deadlines skipped", m->skipped);
		putchar('\n');
		if (m->have_stats)
			printf("# executive: %s, busy %.1f%% of CPU %d (polling %.1f%%), "
			       "%" PRIu64 " Linux wake-ups, margin %.1f us\n",
			       placement_name(m->st.placement),
			       pct(m->st.uptime_ns - (m->st.sleep_ns < m->st.uptime_ns ?
						       m->st.sleep_ns : m->st.uptime_ns),
				   m->st.uptime_ns),
			       o->rt.cpu, pct(m->st.spin_ns, m->st.uptime_ns),
			       m->st.linux_wakeups, m->st.wake_margin_ns / 1e3);
	}
	fflush(stdout);
	if (o->rt.json && write_json(o, m, &st, run))
		ret = 1;
	return ret;
}

int cmd_lat(int argc, char **argv)
{
	struct lat_opts o;
	int err = parse(argc, argv, &o);
	if (err == 1)
		return 0;	/* --help */
	if (err)
		return 2;
	size_t budget;
	if (sample_budget(&o, &budget))
		return 2;

	struct lat_measure m;
	memset(&m, 0, sizeof(m));
	m.cpu = o.rt.cpu;
	m.prio = o.rt.prio;
	m.placement = o.placement;
	m.interval_ns = (uint64_t)o.interval_us * 1000;
	m.loops = o.loops;
	m.duration_ns = o.rt.duration_ns;
	m.stop = &stopsig_raised;

	struct ct_run run = { .argc = argc, .argv = argv, .start = time(NULL) };
	if (rtopts_stopsig(PROG))
		return 1;
	if ((err = lat_measure_start(&m, budget)) != 0) {
		fprintf(stderr, PROG ": cannot start the measuring thread: %s\n", strerror(-err));
		return 1;
	}
	/* After the start: the measuring thread must inherit an affinity that has the CPU. */
	cli_keep_off_cpu(o.rt.cpu);
	wait_for(&o, &m);
	run.end = time(NULL);

	if (m.err && !m.s.n) {
		rtopts_setup_error(PROG, m.err, o.rt.cpu, o.rt.prio, "decouple onto");
		lat_measure_free(&m);
		return 1;
	}
	if (m.err)
		fprintf(stderr, PROG ": the run ended early: %s\n", strerror(-m.err));
	if (m.s.n == m.s.cap && !o.loops && !o.rt.duration_ns)
		fprintf(stderr, PROG ": sample storage full after %zu samples: stopped\n", m.s.n);
	run.return_code = m.err ? 1 : 0;
	int ret = report(&o, &m, &run);
	lat_measure_free(&m);
	return ret || m.err ? 1 : 0;
}
