/* SPDX-License-Identifier: MIT */
/*
 * decouple irqlat: cyclictest's counterpart for interrupts.  The source is
 * the timer interrupt of a periodic absolute timerfd, whose fire times are
 * known (the paper's own method); the latency of a wake-up runs from the
 * programmed expiry to the first instruction after it.  The variants
 * (irqlat_measure.h, irqlat_cyclictest.h) take turns on the same CPU at
 * the same period, in rounds whose order alternates, so that a slow drift
 * of a noisy machine hits all of them alike.  Flags and outputs follow
 * `decouple lat`.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "irqlat.h"
#include "irqlat_cyclictest.h"
#include "progress.h"
#include "stopsig.h"

#define PROG "decouple irqlat"
#define IRQLAT_MAX_SAMPLES	(64u << 20)	/* per variant, all threads: 512 MiB */
#define IRQLAT_ENDLESS_SAMPLES	(1u << 20)	/* per thread, without -l or -D */
#define IRQLAT_MAX_ROUNDS	10		/* the default's bound */

enum {
	OPT_PATH = RTOPT_OWN,
	OPT_VARIANTS,
	OPT_ROUNDS,
	OPT_PLACEMENT,
	OPT_THRESHOLD,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: decouple irqlat [-a CPU] [-p PRIO] [-i US] [-l LOOPS] [-D TIME] [-t N]\n"
		"                       [-h US] [--histfile FILE] [-q] [--json=FILE]\n"
		"                       [--path auto|uring|bridge] [--variants LIST]\n"
		"                       [--rounds N] [--placement P] [--threshold NS]\n"
		"                       [--samples PREFIX]\n"
		"\n"
		"Interrupt latency, cyclictest's counterpart for interrupts: from the\n"
		"programmed expiry of a periodic absolute timerfd (a real timer interrupt)\n"
		"to the first instruction after the wake-up.  The variants take turns on\n"
		"the same CPU at the same period, in rounds:\n"
		"\n"
		"  decoupled   ISR threads decoupled onto the CPU, in dc_irq_wait() on\n"
		"              dc_irq_from_fd_attr(timerfd) over the chosen --path\n"
		"  linux       SCHED_FIFO Linux threads on the CPU, in read() on a timerfd\n"
		"  cyclictest  rt-tests' cyclictest on the CPU (needs it in PATH)\n"
		"  floor       a bare polling loop on the CPU: the end of the first gap\n"
		"              after each expiry; the least any path can reach there\n"
		"\n"
		"  -a, --affinity CPU     the real-time CPU (default: the library's first\n"
		"                         real-time CPU, see decouple status)\n"
		"  -p, --priority PRIO    SCHED_FIFO priority, 1..99 (default 99)\n"
		"  -i, --interval US      timer period in microseconds, 1..1000000 (default 1000)\n"
		"  -l, --loops N          wake-ups per variant and thread, all rounds together\n"
		"  -D, --duration TIME    measuring time per variant: seconds, or with suffix\n"
		"                         s, m, h or d (without -l or -D: until interrupted)\n"
		"  -t, --threads N        ISR threads (linux and cyclictest threads), 1..64\n"
		"                         (default 1); the floor has one\n"
		"  -h, --histogram US     cyclictest's histogram block per variant, 1 us buckets\n"
		"      --histfile FILE    write the histogram blocks to FILE instead of stdout\n"
		"  -q, --quiet            no live line; only the summary lines at the end\n"
		"      --json=FILE        every variant's statistics, the path used, missed\n"
		"                         periods and which CPU took the interrupts\n"
		"      --path P           how the timerfd reaches the ISR: auto (the library's\n"
		"                         choice, $DC_IRQ_PATH), uring or bridge; a forced path\n"
		"                         this system lacks is an error\n"
		"      --variants LIST    comma-separated subset of decoupled,linux,cyclictest,\n"
		"                         floor (default: all; cyclictest when it is installed)\n"
		"      --rounds N         turns per variant (default: one per 1000 wake-ups or\n"
		"                         second, at most %d)\n"
		"      --placement P      the executive's: dedicated, shared or auto\n"
		"                         (default: $DC_PLACEMENT if set, else dedicated)\n"
		"      --threshold NS     the floor's gap threshold (default 300)\n"
		"      --samples PREFIX   every sample in ns, one per line, in PREFIX.VARIANT\n"
		"      --help             this text\n"
		"\n"
		"Exit status: 0 measured (also when ended early by SIGINT or SIGTERM),\n"
		"1 the run could not be made, 2 usage error.\n", IRQLAT_MAX_ROUNDS);
}

static int parse_variants(const char *list, struct irqlat_opts *o)
{
	memset(o->want, 0, sizeof(o->want));
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		int v = -1;
		for (int k = 0; k < IRQLAT_NVARIANTS; k++)
			if (len == strlen(irqlat_variant_names[k]) &&
			    !strncmp(p, irqlat_variant_names[k], len))
				v = k;
		if (v < 0) {
			fprintf(stderr, PROG ": --variants: '%.*s': expected decoupled, linux, "
				"cyclictest or floor\n", (int)len, p);
			return -EINVAL;
		}
		o->want[v] = true;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static int parse_own(int c, struct irqlat_opts *o)
{
	long long v;
	switch (c) {
	case 'i':
		if (cli_int(PROG, "-i", optarg, 1, 1000000, &v))
			return -EINVAL;
		o->interval_us = (long)v;
		return 0;
	case 'l':
		if (cli_int(PROG, "-l", optarg, 1, IRQLAT_MAX_SAMPLES, &v))
			return -EINVAL;
		o->loops = (uint64_t)v;
		return 0;
	case 't':
		if (cli_int(PROG, "-t", optarg, 1, IRQLAT_MAX_THREADS, &v))
			return -EINVAL;
		o->threads = (int)v;
		return 0;
	case 'm':
		return 0;
	case OPT_ROUNDS:
		if (cli_int(PROG, "--rounds", optarg, 1, 1000000, &v))
			return -EINVAL;
		o->rounds = (int)v;
		return 0;
	case OPT_THRESHOLD:
		if (cli_int(PROG, "--threshold", optarg, 20, 1000000, &v))
			return -EINVAL;
		o->floor_threshold_ns = (uint64_t)v;
		return 0;
	case OPT_PATH:
		/* The library's names: dc_irq_path_name() knows them all. */
		for (int p = DC_IRQ_PATH_AUTO; dc_irq_path_name(p); p++) {
			if (!strcmp(optarg, dc_irq_path_name(p))) {
				o->path = (enum dc_irq_path)p;
				return 0;
			}
		}
		fprintf(stderr, PROG ": --path: '%s': expected auto, uring or bridge\n", optarg);
		return -EINVAL;
	case OPT_PLACEMENT:
		return rtopts_placement(PROG, optarg, &o->placement);
	case OPT_VARIANTS:
		o->variants_given = true;
		return parse_variants(optarg, o);
	}
	return 2;	/* not ours */
}

/* 0, 1 for --help, -EINVAL after a message. */
static int parse(int argc, char **argv, struct irqlat_opts *o)
{
	static const struct option longopts[] = {
		RTOPTS_LONGOPTS,
		{ "interval",  required_argument, NULL, 'i' },
		{ "loops",     required_argument, NULL, 'l' },
		{ "threads",   required_argument, NULL, 't' },
		{ "mlockall",  no_argument,       NULL, 'm' },
		{ "path",      required_argument, NULL, OPT_PATH },
		{ "variants",  required_argument, NULL, OPT_VARIANTS },
		{ "rounds",    required_argument, NULL, OPT_ROUNDS },
		{ "placement", required_argument, NULL, OPT_PLACEMENT },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ NULL, 0, NULL, 0 },
	};
	int c, err;

	memset(o, 0, sizeof(*o));
	rtopts_init(&o->rt);
	o->interval_us = 1000;
	o->threads = 1;
	o->floor_threshold_ns = 300;
	for (int k = 0; k < IRQLAT_NVARIANTS; k++)
		o->want[k] = true;
	/* As decouple lat: the paper's dedicated core, unless DC_PLACEMENT says. */
	const char *env = getenv("DC_PLACEMENT");
	o->placement = env && *env ? DC_PLACEMENT_AUTO : DC_PLACEMENT_DEDICATED;
	while ((c = getopt_long(argc, argv, ":a:p:i:l:D:h:t:qm", longopts, NULL)) != -1) {
		err = parse_own(c, o);
		if (err == 2)
			err = rtopts_option(PROG, c, argv, &o->rt);
		if (err == 1)
			usage(stdout);
		if (err)
			return err;
	}
	if (rtopts_check(PROG, argc, argv, &o->rt) || rtopts_default_cpu(PROG, &o->rt))
		return -EINVAL;
	if (!o->want[IRQLAT_CYCLICTEST] || irqlat_cyclictest_found())
		return 0;
	if (o->variants_given) {
		fprintf(stderr, PROG ": --variants names cyclictest, which is not in PATH "
			"(Debian: apt-get install rt-tests)\n");
		return -EINVAL;
	}
	o->want[IRQLAT_CYCLICTEST] = false;	/* the default set: what is installed */
	return 0;
}

/* --- the plan ------------------------------------------------------------------ */

struct plan {
	uint64_t per_thread;	/* storage per thread and variant */
	int rounds;		/* 0: until stopped or full */
	uint64_t turn_periods;	/* an endless run's turn */
};

static int make_plan(const struct irqlat_opts *o, struct plan *p)
{
	uint64_t period = (uint64_t)o->interval_us * 1000;
	uint64_t want = o->loops;
	memset(p, 0, sizeof(*p));
	if (o->rt.duration_ns) {
		uint64_t by_time = o->rt.duration_ns / period + IRQLAT_MAX_ROUNDS + 2;
		if (!want || by_time < want)
			want = by_time;
	}
	if (!want) {
		p->per_thread = IRQLAT_ENDLESS_SAMPLES;
		p->turn_periods = period >= 1000000000ull ? 1 : 1000000000ull / period;
		p->rounds = o->rounds;
		return 0;
	}
	if (want * (uint64_t)o->threads > IRQLAT_MAX_SAMPLES) {
		fprintf(stderr, PROG ": %" PRIu64 " samples per variant are more than the %u this "
			"tool keeps: use a longer interval, a shorter run or -l\n",
			want * (uint64_t)o->threads, IRQLAT_MAX_SAMPLES);
		return -EINVAL;
	}
	p->per_thread = want;
	if (o->rounds) {
		p->rounds = o->rounds;
	} else {
		uint64_t r = o->rt.duration_ns ? o->rt.duration_ns / 1000000000ull : want / 1000;
		p->rounds = r < 1 ? 1 : r > IRQLAT_MAX_ROUNDS ? IRQLAT_MAX_ROUNDS : (int)r;
	}
	if (o->loops && (uint64_t)p->rounds > o->loops)
		p->rounds = (int)o->loops;
	return 0;
}

/* Wake-ups (per thread) and time of variant turn `round`; 0 for either: no limit of that kind. */
static void turn_limits(const struct irqlat_opts *o, const struct plan *p, int round,
			uint64_t *loops, uint64_t *duration_ns)
{
	*loops = *duration_ns = 0;
	if (!p->rounds) {
		*loops = p->turn_periods;
		return;
	}
	if (o->loops)
		*loops = o->loops / (uint64_t)p->rounds + ((uint64_t)round < o->loops % (uint64_t)p->rounds);
	if (o->rt.duration_ns)
		*duration_ns = o->rt.duration_ns / (uint64_t)p->rounds;
}

/* --- one turn ------------------------------------------------------------------ */

struct watch {
	const char *name;
	int round, rounds;
	struct irqlat_thread *th;
	struct progress *p;
};

static void show_line(struct progress *p, struct watch *w)
{
	uint64_t n = atomic_load_explicit(&w->th->live.done, memory_order_relaxed);
	uint64_t sum = atomic_load_explicit(&w->th->live.sum_ns, memory_order_relaxed);
	char rounds[16] = "";
	if (w->rounds)
		snprintf(rounds, sizeof(rounds), "/%d", w->rounds);
	progress_update(p, "round %d%s %-10s C:%7" PRIu64 " Min:%7" PRIu64 " Act:%5" PRIu64
			" Avg:%5" PRIu64 " Max:%8" PRIu64 " (us)", w->round + 1, rounds, w->name, n,
			atomic_load_explicit(&w->th->live.min_ns, memory_order_relaxed) / 1000,
			atomic_load_explicit(&w->th->live.act_ns, memory_order_relaxed) / 1000,
			n ? sum / n / 1000 : 0,
			atomic_load_explicit(&w->th->live.max_ns, memory_order_relaxed) / 1000);
}

static void show(struct progress *p, void *arg)
{
	show_line(p, arg);
}

static void ct_tick(void *ctx, double elapsed)
{
	struct watch *w = ctx;
	show_line(w->p, w);
}

/* A turn's setup failed: one message.  -EOPNOTSUPP on a forced path says which. */
static void setup_error(const struct irqlat_opts *o, int err, const char *what)
{
	if (err == -EOPNOTSUPP && o->path != DC_IRQ_PATH_AUTO)
		fprintf(stderr, PROG ": --path %s: not available here (this kernel or this "
			"libdecouple cannot deliver fd Irqs that way); use --path auto\n",
			dc_irq_path_name(o->path));
	else
		rtopts_setup_error(PROG, err, o->rt.cpu, o->rt.prio, what ? what : "measure on");
}

static int run_inproc(struct irqlat_run *run, enum irqlat_variant v, int round,
		      uint64_t loops, uint64_t duration_ns, const cpu_set_t *affinity)
{
	const struct irqlat_opts *o = run->o;
	struct irqlat_result *r = &run->r[v];
	static struct irqlat_turn t;
	memset(&t, 0, sizeof(t));
	t.variant = v;
	t.cpu = o->rt.cpu;
	t.prio = o->rt.prio;
	t.path = o->path;
	t.placement = o->placement;
	t.period_ns = (uint64_t)o->interval_us * 1000;
	t.loops = loops;
	t.duration_ns = duration_ns;
	t.floor_threshold_ns = o->floor_threshold_ns;
	t.stop = &stopsig_raised;
	t.nthreads = r->nthreads;
	t.th = r->th;
	/* The threads inherit an affinity that has the CPU; we then leave it. */
	sched_setaffinity(0, sizeof(*affinity), affinity);
	int err = irqlat_turn_start(&t);
	if (err) {
		fprintf(stderr, PROG ": cannot start the measuring threads: %s\n", strerror(-err));
		return err;
	}
	cli_keep_off_cpu(o->rt.cpu);
	struct progress p;
	struct watch w = { irqlat_variant_names[v], round, run->rounds, &r->th[0], &p };
	progress_watch(!o->rt.quiet, &t.finished, show, &w);
	irqlat_turn_join(&t);
	if (v == IRQLAT_DECOUPLED) {
		if (t.path_used >= 0)
			r->path_used = t.path_used;
		if (t.have_stats) {
			r->st = t.st;
			r->have_stats = 1;
		}
	}
	if (t.err) {
		setup_error(o, t.err, t.err_what);
		return t.err;
	}
	return 0;
}

static int run_cyclictest(struct irqlat_run *run, int round, uint64_t loops, uint64_t duration_ns)
{
	const struct irqlat_opts *o = run->o;
	struct irqlat_result *r = &run->r[IRQLAT_CYCLICTEST];
	uint64_t period = (uint64_t)o->interval_us * 1000;
	struct progress p;
	progress_init(&p, !o->rt.quiet);
	struct watch w = { "cyclictest", round, run->rounds, &r->th[0], &p };
	struct irqlat_ct c = {
		.cpu = o->rt.cpu, .prio = o->rt.prio, .nthreads = r->nthreads, .period_ns = period,
		.stop = &stopsig_raised, .th = r->th, .tick = ct_tick, .ctx = &w,
	};
	/* cyclictest counts loops: a turn by time is as many periods. */
	c.loops = loops;
	if (duration_ns && (!c.loops || duration_ns / period < c.loops))
		c.loops = duration_ns / period ? duration_ns / period : 1;
	size_t before = r->th[0].s.n;
	int err = irqlat_cyclictest_turn(&c);
	progress_end(&p);
	if (err) {
		fprintf(stderr, PROG ": cyclictest: %s\n", strerror(-err));
		return err;
	}
	if (r->th[0].s.n == before && !atomic_load(&stopsig_raised)) {
		fprintf(stderr, PROG ": cyclictest exited %d without samples%s%s\n", c.status,
			c.why[0] ? ": " : "", c.why);
		return -EIO;
	}
	return 0;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_turn(struct irqlat_run *run, enum irqlat_variant v, int round,
		    const struct plan *p, const cpu_set_t *affinity)
{
	struct irqlat_result *r = &run->r[v];
	uint64_t loops, duration_ns;
	turn_limits(run->o, p, round, &loops, &duration_ns);
	struct locirq *before = malloc(2 * sizeof(*before)), *after = before + 1;
	if (!before)
		return -ENOMEM;
	locirq_read(before);
	double t0 = mono_s();
	int err = v == IRQLAT_CYCLICTEST ? run_cyclictest(run, round, loops, duration_ns)
					 : run_inproc(run, v, round, loops, duration_ns, affinity);
	r->seconds += mono_s() - t0;
	locirq_read(after);
	locirq_add_diff(&r->loc, before, after);
	r->turns++;
	free(before);
	return err;
}

/* Whether variant v can take another turn: not full. */
static bool has_room(const struct irqlat_result *r)
{
	for (int i = 0; i < r->nthreads; i++)
		if (r->th[i].s.n >= r->th[i].s.cap)
			return false;
	return true;
}

/*
 * Rounds: even ones take the variants in order, odd ones in reverse, so no
 * variant always follows the same one.  The decoupled ISR comes first, so
 * that a --path the system lacks fails before anything else ran.
 */
static int run_rounds(struct irqlat_run *run, const struct plan *p, const cpu_set_t *affinity)
{
	for (int round = 0; !p->rounds || round < p->rounds; round++) {
		int ran = 0;
		run->rounds = round + 1;	/* begun */
		for (int k = 0; k < IRQLAT_NVARIANTS; k++) {
			enum irqlat_variant v = round & 1 ? IRQLAT_NVARIANTS - 1 - k : k;
			if (atomic_load(&stopsig_raised))
				return 0;
			if (!run->r[v].selected || !has_room(&run->r[v]))
				continue;
			int err = run_turn(run, v, round, p, affinity);
			if (err)
				return err;
			ran++;
		}
		if (!ran) {
			fprintf(stderr, PROG ": sample storage full: stopped\n");
			return 0;
		}
	}
	return 0;
}

static int setup(struct irqlat_run *run, const struct plan *p)
{
	const struct irqlat_opts *o = run->o;
	for (int v = 0; v < IRQLAT_NVARIANTS; v++) {
		struct irqlat_result *r = &run->r[v];
		r->selected = o->want[v];
		r->nthreads = v == IRQLAT_FLOOR ? 1 : o->threads;
		r->path_used = -ENOENT;
		if (!r->selected)
			continue;
		for (int i = 0; i < r->nthreads; i++)
			if (irqlat_thread_init(&r->th[i], p->per_thread)) {
				fprintf(stderr, PROG ": no memory for %" PRIu64 " samples per thread\n",
					p->per_thread);
				return -ENOMEM;
			}
	}
	return 0;
}

static void release(struct irqlat_run *run)
{
	for (int v = 0; v < IRQLAT_NVARIANTS; v++) {
		for (int i = 0; i < IRQLAT_MAX_THREADS; i++)
			irqlat_thread_free(&run->r[v].th[i]);
		samples_free(&run->r[v].all);
	}
}

static size_t measured(const struct irqlat_run *run)
{
	size_t n = 0;
	for (int v = 0; v < IRQLAT_NVARIANTS; v++)
		for (int i = 0; i < run->r[v].nthreads; i++)
			n += run->r[v].th[i].s.n;
	return n;
}

int cmd_irqlat(int argc, char **argv)
{
	static struct irqlat_opts o;
	static struct irqlat_run run;
	struct plan p;
	int err = parse(argc, argv, &o);
	if (err == 1)
		return 0;	/* --help */
	if (err || make_plan(&o, &p))
		return 2;
	memset(&run, 0, sizeof(run));
	run.o = &o;
	run.ct = (struct ct_run){ .argc = argc, .argv = argv, .start = time(NULL) };
	cpu_set_t affinity;
	if (sched_getaffinity(0, sizeof(affinity), &affinity)) {
		fprintf(stderr, PROG ": sched_getaffinity: %s\n", strerror(errno));
		return 1;
	}
	if (rtopts_stopsig(PROG))
		return 1;
	dc_now();	/* its first call calibrates the clock: not inside a turn */
	/* As cyclictest -m: no page faults in the Linux variants' loops either. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE) && !o.rt.quiet)
		fprintf(stderr, PROG ": mlockall: %s (measuring anyway)\n", strerror(errno));
	int ret = 1;
	if (setup(&run, &p))
		goto out;
	if (!o.rt.quiet) {
		printf("# decouple irqlat: timer interrupts of a periodic absolute timerfd, CPU %d, "
		       "period %ld us, variants", o.rt.cpu, o.interval_us);
		for (int v = 0; v < IRQLAT_NVARIANTS; v++)
			if (o.want[v])
				printf(" %s", irqlat_variant_names[v]);
		if (p.rounds)
			printf(", %d round%s\n", p.rounds, p.rounds == 1 ? "" : "s");
		else
			printf(", rounds until interrupted\n");
		fflush(stdout);
	}
	err = run_rounds(&run, &p, &affinity);
	run.stopped = atomic_load(&stopsig_raised) != 0;
	run.ct.end = time(NULL);
	if (err && !measured(&run))
		goto out;
	if (err)
		fprintf(stderr, PROG ": the run ended early: %s\n", strerror(-err));
	run.ct.return_code = err ? 1 : 0;
	if (irqlat_report_stats(&run)) {
		fprintf(stderr, PROG ": no memory for the statistics\n");
		goto out;
	}
	ret = irqlat_report(&run) || err ? 1 : 0;
out:
	release(&run);
	return ret;
}
