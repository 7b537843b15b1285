/* SPDX-License-Identifier: MIT */
/*
 * decouple bench: the paper's evaluation (Section III) in one run.
 * cyclictest against `decouple lat`, idle against hackbench, a core shared
 * with Linux against one partitioned away from it, beside the noise floor
 * of a bare polling loop.  Each measurement is a child process, so that
 * wait4() tells the CPU time it cost.  Configurations are interleaved in
 * rounds, so that slow drifts of a noisy machine hit all of them alike.
 * The extras (irqbench, fwdbench) run once, first, before any partition.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_config.h"
#include "bench_extras.h"
#include "bench_options.h"
#include "bench_partition.h"
#include "bench_plot.h"
#include "bench_report.h"
#include "bench_result.h"
#include "bench_run.h"
#include "commands.h"
#include "cyclictest_parse.h"
#include "json_read.h"
#include "load.h"
#include "machine.h"
#include "partition.h"

#define RAMP_S		1.0	/* the load runs this long before a measurement starts */
#define STARTUP_S	30.0	/* a measurement may overrun its window by this much */

struct bench {
	struct bench_opts o;
	struct bench_params p;
	struct bench_result r[BENCH_NCONFIGS];
	struct bench_extra x[BENCH_NEXTRAS];
	struct machine m;
	struct load load;
	struct bench_partition part;
	bool tty;
	int slot, nslots, round;
	struct timespec t0;
	char self[PATH_MAX];
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* What cannot run with our privileges is skipped, and says why. */
static void skip_unprivileged(struct bench *b)
{
	struct rlimit rl;
	bool root = geteuid() == 0;
	bool fifo = root || (getrlimit(RLIMIT_RTPRIO, &rl) == 0 && rl.rlim_cur >= 99);
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		struct bench_result *r = &b->r[i];
		if (!r->selected)
			continue;
		if (r->cfg->partitioned && !root) {
			r->state = BENCH_SKIPPED;
			snprintf(r->reason, sizeof(r->reason), "needs root: `decouple isolate` changes "
				 "cpusets, IRQ affinity and RT throttling");
		} else if (!fifo) {
			r->state = BENCH_SKIPPED;
			snprintf(r->reason, sizeof(r->reason), "needs root (or `ulimit -r 99`) to run "
				 "at SCHED_FIFO priority 99");
		}
	}
	for (int k = 0; k < BENCH_NEXTRAS; k++) {
		struct bench_extra *x = &b->x[k];
		if (x->selected && !root) {
			x->state = BENCH_SKIPPED;
			snprintf(x->reason, sizeof(x->reason), "needs root: it runs a decoupled "
				 "executive and Linux threads at SCHED_FIFO priority 99");
		}
	}
}

static void stamp(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Pause for s seconds, cut short by a stop signal.  0, or -EINTR when stopped. */
static int pause_s(double s)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!stop_signal && bench_elapsed(&start) < s) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return stop_signal ? -EINTR : 0;
}

/* --- one measurement ---------------------------------------------------------- */

/* What irqlat's --json adds to an interrupt configuration: missed periods, path, CPU. */
static void bench_irq_json(struct bench_result *r, const char *path)
{
	FILE *f = fopen(path, "r");
	static char doc[1 << 16];
	size_t n = f ? fread(doc, 1, sizeof(doc) - 1, f) : 0;
	if (f)
		fclose(f);
	doc[n] = 0;
	if (!n || !json_valid(doc))
		return;
	char key[64];
	const char *v = bench_irq_variant(r->cfg->tool);
	snprintf(key, sizeof(key), "variants.%s.missed_periods", v);
	double missed = json_number(doc, key);
	if (isfinite(missed))
		r->missed_periods += (unsigned long long)missed;
	snprintf(key, sizeof(key), "variants.%s.irq_cpu", v);
	double cpu = json_number(doc, key);
	r->irq_cpu = isfinite(cpu) ? (int)cpu : -1;
	const char *p = json_lookup(doc, "decouple.path");
	if (p && *p == '"') {
		size_t len = strcspn(p + 1, "\"");
		snprintf(r->irq_path, sizeof(r->irq_path), "%.*s", (int)len, p + 1);
	}
}

static int slot_seconds(const struct bench *b, int round)
{
	return b->o.duration / b->o.rounds + (round < b->o.duration % b->o.rounds);
}

struct slot_ctx {
	struct bench *b;
	const struct bench_result *r;
	double max_us;	/* of this configuration so far */
	FILE *live;	/* cyclictest's output, read as it grows */
	char part[128];	/* a line read before its end was written */
};

/* The running maximum from the lines cyclictest has written so far. */
static void follow(struct slot_ctx *s)
{
	char buf[4096];
	size_t n;
	while (s->live && (n = fread(buf, 1, sizeof(buf), s->live)) > 0) {
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(s->part);
			if (buf[i] != '\n') {
				if (len < sizeof(s->part) - 1) {
					s->part[len] = buf[i];
					s->part[len + 1] = 0;
				}
				continue;
			}
			unsigned t;
			uint64_t c, ns;
			if (cyclictest_parse_line(s->part, &t, &c, &ns) && ns / 1e3 > s->max_us)
				s->max_us = ns / 1e3;
			s->part[0] = 0;
		}
	}
	if (s->live)
		clearerr(s->live);	/* EOF now is not EOF later */
}

static void slot_progress(void *ctx, double elapsed)
{
	struct slot_ctx *s = ctx;
	struct bench *b = s->b;
	char max[32] = "-";
	if (!b->tty)
		return;
	follow(s);
	if (s->max_us > 0)
		bench_fmt_us(max, sizeof(max), s->max_us);
	printf("\r\033[K[%d/%d] %-25s round %d/%d  %5.1f/%d s  max so far %s µs  (run %.0f s)",
	       b->slot + 1, b->nslots, s->r->cfg->name, b->round + 1, b->o.rounds, elapsed,
	       slot_seconds(b, b->round), max, bench_elapsed(&b->t0));
	fflush(stdout);
}

/* The last non-empty line of a file, to say why a tool failed. */
static void last_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];
	buf[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		size_t n = strlen(line);
		if (!n)
			continue;
		if (n >= len)
			n = len - 1;
		memcpy(buf, line, n);
		buf[n] = 0;
	}
	if (f)
		fclose(f);
}

static double max_of(const struct samples *s, size_t from)
{
	uint64_t m = 0;
	for (size_t i = from; i < s->n; i++)
		if (s->ns[i] > m)
			m = s->ns[i];
	return m / 1e3;
}

static void measure(struct bench *b, struct bench_result *r)
{
	const struct bench_config *cfg = r->cfg;
	int secs = slot_seconds(b, b->round);
	char cpu[16], us[16], dur[16], out[PATH_MAX], ns[PATH_MAX];
	snprintf(cpu, sizeof(cpu), "%d", b->o.cpu);
	snprintf(us, sizeof(us), "%d", b->o.interval);
	snprintf(dur, sizeof(dur), "%d", secs);
	snprintf(out, sizeof(out), "%s/raw/%s-r%d.out", b->o.out, cfg->name, b->round + 1);
	snprintf(ns, sizeof(ns), "%s/raw/%s-r%d.ns", b->o.out, cfg->name, b->round + 1);

	char *cyclic[] = { "cyclictest", "-m", "-a", cpu, "-p", "99", "-i", us, "-d", "0",
			   "-D", dur, "-q", "-v", "-N", NULL };
	char *lat[] = { b->self, "lat", "-a", cpu, "-p", "99", "-i", us, "-D", dur, "-q",
			"--placement", cfg->tool == BENCH_LAT_SHARED ? "shared" : "dedicated",
			"--samples", ns, NULL };
	char *noise[] = { b->self, "noise", "-a", cpu, "-p", "99", "-i", us, "-D", dur, "-q",
			  "--samples", ns, NULL };
	/* One irqlat variant per configuration, one turn per measurement; its JSON has the rest. */
	const char *variant = bench_irq_variant(cfg->tool);
	char js[PATH_MAX], nsprefix[PATH_MAX - 32];
	snprintf(js, sizeof(js), "%s/raw/%s-r%d.json", b->o.out, cfg->name, b->round + 1);
	snprintf(nsprefix, sizeof(nsprefix), "%s/raw/%s-r%d", b->o.out, cfg->name, b->round + 1);
	char *irq[] = { b->self, "irqlat", "-a", cpu, "-p", "99", "-i", us, "-D", dur, "-q",
			"--rounds", "1", "--variants", (char *)(variant ? variant : "floor"),
			"--path", "auto", "--samples", nsprefix, "--json", js, NULL };
	if (variant)
		snprintf(ns, sizeof(ns), "%s.%s", nsprefix, variant);
	char **argv = cfg->tool == BENCH_CYCLICTEST ? cyclic : cfg->tool == BENCH_NOISE ? noise
		      : variant ? irq : lat;
	/*
	 * cyclictest pins itself with sched_setaffinity, which the isolated
	 * CPU refuses outside its cpuset: it starts in it.  decouple lat and
	 * decouple noise enter it themselves, and keep their Linux threads on
	 * the housekeeping CPUs.
	 */
	int admit = cfg->partitioned && cfg->tool == BENCH_CYCLICTEST ? b->o.cpu : -1;

	if (!b->tty)
		printf("[%d/%d] %s, round %d/%d, %d s%s\n", b->slot + 1, b->nslots, cfg->name,
		       b->round + 1, b->o.rounds, secs, cfg->load ? " after 1 s of load" : "");
	if (cfg->load) {
		int err = load_start(&b->load, b->o.load);
		if (err) {
			snprintf(r->reason, sizeof(r->reason), "cannot start the load: %s", strerror(-err));
			goto fail;
		}
		if (pause_s(RAMP_S))
			goto stop_load;
	}

	struct bench_child child;
	struct bench_outcome o;
	struct slot_ctx sc = { b, r, r->s.n ? max_of(&r->s, 0) : 0, NULL, "" };
	unlink(ns);
	int err = bench_spawn(&child, argv, out, admit);
	if (err) {
		snprintf(r->reason, sizeof(r->reason), "cannot start %s: %s", argv[0], strerror(-err));
		goto stop_load;
	}
	if (b->tty && cfg->tool == BENCH_CYCLICTEST)
		sc.live = fopen(out, "r");
	bench_wait(&child, &stop_signal, secs + STARTUP_S, slot_progress, &sc, &o);
	if (sc.live)
		fclose(sc.live);
	if (cfg->load) {
		int left = load_stop(&b->load);
		if (left)
			fprintf(stderr, "decouple bench: %d load processes outlived SIGKILL\n", left);
		b->p.load_left += left;
	}

	size_t before = r->s.n;
	if (cfg->tool == BENCH_CYCLICTEST) {
		struct cyclictest_info info;
		err = cyclictest_parse_file(out, &r->s, &info);
		r->missing += info.missing;
	} else {
		err = access(ns, F_OK) == 0 ? samples_load(&r->s, ns) : 0;
	}
	size_t got = r->s.n - before;
	if (variant && got)
		bench_irq_json(r, js);
	r->slots++;
	r->cpu_s += o.cpu_s;
	/* A measurement stopped early had a shorter window than asked for. */
	double window = o.stopped && o.wall_s < secs ? o.wall_s : secs;
	r->window_s += window;
	r->wall_s += o.wall_s;
	r->expected += window * 1e6 / b->o.interval;
	if (b->tty)
		printf("\r\033[K");
	if (!got) {
		char why[200];
		last_line(out, why, sizeof(why));
		snprintf(r->reason, sizeof(r->reason), "%s exited %d without samples%s%s%s",
			 cfg->tool == BENCH_CYCLICTEST ? "cyclictest" : argv[1], o.status,
			 err ? " (unreadable output)" : "", why[0] ? ": " : "", why);
		printf("[%d/%d] %s: no samples: %s\n", b->slot + 1, b->nslots, cfg->name, r->reason);
		if (!r->s.n)
			r->state = BENCH_FAILED;
		return;
	}
	char max[32];
	bench_fmt_us(max, sizeof(max), max_of(&r->s, before));
	printf("[%d/%d] %s, round %d/%d: %zu samples, max %s µs, CPU %.1f%% (%.1f s from start "
	       "to exit)%s\n", b->slot + 1, b->nslots, cfg->name, b->round + 1, b->o.rounds, got, max,
	       100 * o.cpu_s / window, o.wall_s, o.stopped ? ", stopped early" : "");
	if (o.status && !o.stopped)
		printf("  note: it exited %d; see %s\n", o.status, out);
	return;

stop_load:
	if (cfg->load)
		b->p.load_left += load_stop(&b->load);
fail:
	if (!stop_signal && !r->s.n) {
		r->state = BENCH_FAILED;
		printf("[%d/%d] %s: %s\n", b->slot + 1, b->nslots, cfg->name, r->reason);
	}
}

/* --- the extras ------------------------------------------------------------ */

struct extra_ctx {
	struct bench *b;
	const struct bench_extra *x;
};

static void extra_progress(void *ctx, double elapsed)
{
	struct extra_ctx *e = ctx;
	if (!e->b->tty)
		return;
	printf("\r\033[K[%d/%d] %-25s once, unpartitioned  %5.1f s  (run %.0f s)", e->b->slot + 1,
	       e->b->nslots, e->x->name, elapsed, bench_elapsed(&e->b->t0));
	fflush(stdout);
}

/*
 * irqbench and fwdbench, once each, before the first isolate: irqbench pins
 * a Linux waiter to the real-time CPU, which the partition would refuse.
 */
static void run_extras(struct bench *b)
{
	static const char *const what[BENCH_NEXTRAS] = {
		"Irq delivery, idle and after 1 s of load", "forwarded getppid against native",
	};
	for (int k = 0; k < BENCH_NEXTRAS && !stop_signal; k++) {
		struct bench_extra *x = &b->x[k];
		if (!x->selected || x->state == BENCH_SKIPPED)
			continue;
		struct extra_ctx ec = { b, x };
		struct bench_extra_env env = { .self = b->self, .out = b->o.out, .load = b->o.load,
					       .cpu = b->o.cpu, .stop = &stop_signal,
					       .tick = extra_progress, .ctx = &ec };
		if (!b->tty)
			printf("[%d/%d] %s, once, unpartitioned: %s\n", b->slot + 1, b->nslots,
			       x->name, what[k]);
		int err = bench_extra_run(x, (enum bench_extra_kind)k, &env);
		if (b->tty)
			printf("\r\033[K");
		char brief[256];
		bench_extra_brief(x, (enum bench_extra_kind)k, brief, sizeof(brief));
		if (!err)
			printf("[%d/%d] %s: %s (%.1f s; %s/%s.txt)\n", b->slot + 1, b->nslots, x->name,
			       brief, x->wall_s, b->o.out, x->name);
		else if (err != -EINTR)
			printf("[%d/%d] %s: FAILED: %s\n", b->slot + 1, b->nslots, x->name, brief);
		b->slot++;
	}
}

/* --- the run --------------------------------------------------------------- */

/*
 * Round r: even rounds measure the unpartitioned configurations, then the
 * partitioned ones; odd rounds the other way round, each list reversed.
 * So each isolate serves two rounds, and no configuration always comes
 * first after a change of the machine.
 */
static int plan(const struct bench *b, int round, int order[BENCH_NCONFIGS])
{
	int n = 0;
	bool odd = round & 1;
	for (int phase = 0; phase < 2; phase++) {
		bool partitioned = odd ? phase == 0 : phase == 1;
		for (int k = 0; k < BENCH_NCONFIGS; k++) {
			int i = odd ? BENCH_NCONFIGS - 1 - k : k;
			if (b->r[i].selected && b->r[i].cfg->partitioned == partitioned)
				order[n++] = i;
		}
	}
	return n;
}

static void run_rounds(struct bench *b)
{
	int order[BENCH_NCONFIGS];
	for (b->round = 0; b->round < b->o.rounds && !stop_signal; b->round++) {
		int n = plan(b, b->round, order);
		for (int k = 0; k < n && !stop_signal; k++) {
			struct bench_result *r = &b->r[order[k]];
			if (r->state == BENCH_SKIPPED || r->state == BENCH_FAILED)
				continue;
			if (r->cfg->partitioned && !b->part.isolated && bench_isolate(&b->part)) {
				for (int i = 0; i < BENCH_NCONFIGS; i++)
					if (b->r[i].selected && b->r[i].cfg->partitioned &&
					    b->r[i].state == BENCH_PENDING && !b->r[i].s.n) {
						b->r[i].state = BENCH_FAILED;
						snprintf(b->r[i].reason, sizeof(b->r[i].reason),
							 "`decouple isolate --cpus %d` failed: see raw/isolate-*.log",
							 b->o.cpu);
					}
				bench_release(&b->part);
				continue;
			}
			if (!r->cfg->partitioned && b->part.isolated)
				bench_release(&b->part);
			measure(b, r);
			b->slot++;
		}
	}
}

/* Samples files, statistics, histograms, figures, reports.  0 or 1. */
static int write_results(struct bench *b)
{
	int status = 0, measured = 0;
	char path[PATH_MAX];
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		struct bench_result *r = &b->r[i];
		if (!r->selected || !r->s.n)
			continue;
		r->state = BENCH_DONE;
		measured++;
		snprintf(path, sizeof(path), "%s/%s.samples", b->o.out, r->cfg->name);
		if (samples_save(&r->s, path))	/* time order: before stats sort them */
			status = 1;
		samples_stats(&r->s, &r->st);
		snprintf(path, sizeof(path), "%s/%s.hist", b->o.out, r->cfg->name);
		FILE *f = fopen(path, "w");
		if (f) {
			/* 1 µs buckets up to the maximum, as `cyclictest -h` would need. */
			double top = r->st.max_us + 1;
			unsigned buckets = top < 100 ? 100 : top > 100000 ? 100000 : (unsigned)top;
			samples_write_histogram(f, &r->s, buckets);
			status |= fclose(f) != 0;
		} else {
			status = 1;
		}
		status |= bench_plot_data(b->o.out, r) != 0;
	}
	if (measured) {
		status |= bench_plot_script(b->o.out, b->r) != 0;
		int st = bench_plot_run(b->o.out);
		if (st) {
			fprintf(stderr, "decouple bench: gnuplot failed (exit %d): see %s/raw/gnuplot.log\n",
				st, b->o.out);
			status = 1;
		}
	}
	b->p.total_s = bench_elapsed(&b->t0);
	snprintf(path, sizeof(path), "%s/summary.json", b->o.out);
	status |= bench_write_json(path, &b->m, &b->p, b->r, b->x) != 0;
	snprintf(path, sizeof(path), "%s/summary.md", b->o.out);
	status |= bench_write_markdown(path, &b->m, &b->p, b->r, b->x) != 0;
	if (status)
		fprintf(stderr, "decouple bench: some files in %s could not be written\n", b->o.out);
	return status;
}

static void print_summary(const struct bench *b)
{
	printf("\n%-25s %9s %9s %9s %9s %9s %6s\n", "configuration", "samples", "p50 µs", "p99 µs",
	       "p99.9 µs", "max µs", "CPU %");
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		const struct bench_result *r = &b->r[i];
		char p50[32], p99[32], p999[32], max[32];
		if (!r->selected)
			continue;
		if (r->state != BENCH_DONE) {
			printf("%-25s %s: %s\n", r->cfg->name,
			       r->state == BENCH_SKIPPED ? "skipped" : r->state == BENCH_FAILED ? "FAILED"
			       : "not measured", r->reason[0] ? r->reason : "the run was interrupted first");
			continue;
		}
		bench_fmt_us(p50, sizeof(p50), r->st.p50_us);
		bench_fmt_us(p99, sizeof(p99), r->st.p99_us);
		bench_fmt_us(p999, sizeof(p999), r->st.p999_us);
		bench_fmt_us(max, sizeof(max), r->st.max_us);
		printf("%-25s %9zu %9s %9s %9s %9s %6.1f\n", r->cfg->name, r->st.samples, p50, p99,
		       p999, max, bench_cpu_percent(r));
	}
	for (int k = 0; k < BENCH_NEXTRAS; k++) {
		const struct bench_extra *x = &b->x[k];
		char brief[256];
		if (!x->selected)
			continue;
		bench_extra_brief(x, (enum bench_extra_kind)k, brief, sizeof(brief));
		printf("%-25s %s%s\n", x->name, x->state == BENCH_DONE ? "" : x->state ==
		       BENCH_SKIPPED ? "skipped: " : x->state == BENCH_FAILED ? "FAILED: " :
		       "not measured: ", x->reason[0] || x->json ? brief : "the run was interrupted first");
	}
	bool figures = false;
	for (int i = 0; i < BENCH_NCONFIGS; i++)
		figures |= b->r[i].state == BENCH_DONE;
	printf("\nreport: %s/summary.md", b->o.out);
	if (figures)
		printf(" (figures: %s/overview.png)", b->o.out);
	printf("\n");
}

static int prepare(struct bench *b, int argc, char **argv)
{
	ssize_t n = readlink("/proc/self/exe", b->self, sizeof(b->self) - 1);
	if (n <= 0) {
		fprintf(stderr, "decouple bench: cannot find its own executable: %s\n", strerror(errno));
		return 1;
	}
	b->self[n] = 0;
	int len = 0;
	for (int i = 0; i < argc && len < (int)sizeof(b->p.command) - 1; i++)
		len += snprintf(b->p.command + len, sizeof(b->p.command) - (size_t)len, "%s%s",
				i ? " " : "decouple ", argv[i]);
	char raw[PATH_MAX];
	snprintf(raw, sizeof(raw), "%s/raw", b->o.out);
	if ((mkdir(b->o.out, 0755) && errno != EEXIST) || (mkdir(raw, 0755) && errno != EEXIST)) {
		fprintf(stderr, "decouple bench: cannot create %s: %s\n", raw, strerror(errno));
		return 1;
	}
	/* Someone else's partition would turn the "unpartitioned" rows into lies. */
	struct dc_partition part;
	char state[PATH_MAX] = "";
	dc_state_path(state, sizeof(state));
	if (dc_partition_load(NULL, &part) == 0 && part.records) {
		fprintf(stderr, "decouple bench: a partition is in place already (%s): run `decouple "
			"release` first\n", state);
		return 1;
	}
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	static struct bench b;
	memset(&b, 0, sizeof(b));
	int status = bench_parse_args(argc, argv, &b.o);
	if (status)
		return status < 0 ? 0 : status;
	if ((status = bench_check_cpu(&b.o)) || (status = bench_check_programs(&b.o)))
		return status;
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		b.r[i].cfg = &bench_configs[i];
		b.r[i].selected = b.o.sel[i];
		b.r[i].irq_cpu = -1;
	}
	for (int k = 0; k < BENCH_NEXTRAS; k++) {
		b.x[k].name = bench_extra_names[k];
		b.x[k].selected = b.o.sel[BENCH_NCONFIGS + k];
	}
	b.p = (struct bench_params){ .duration_s = b.o.duration, .interval_us = b.o.interval,
				     .cpu = b.o.cpu, .rounds = b.o.rounds, .load = b.o.load,
				     .out = b.o.out };
	if ((status = prepare(&b, argc, argv)))
		return status;
	b.part = (struct bench_partition){ .self = b.self, .out = b.o.out, .cpu = b.o.cpu };

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	b.tty = isatty(STDOUT_FILENO);
	stamp(b.p.started, sizeof(b.p.started));
	machine_describe(&b.m);
	clock_gettime(CLOCK_MONOTONIC, &b.t0);
	skip_unprivileged(&b);

	int runnable = 0, loads = 0, extras = 0;
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		if (b.r[i].selected && b.r[i].state != BENCH_SKIPPED) {
			runnable++;
			loads += b.r[i].cfg->load;
		}
		if (b.r[i].state == BENCH_SKIPPED)
			printf("skipped %s: %s\n", b.r[i].cfg->name, b.r[i].reason);
	}
	for (int k = 0; k < BENCH_NEXTRAS; k++) {
		if (b.x[k].selected && b.x[k].state != BENCH_SKIPPED)
			extras++;
		if (b.x[k].state == BENCH_SKIPPED)
			printf("skipped %s: %s\n", b.x[k].name, b.x[k].reason);
	}
	b.nslots = runnable * b.o.rounds + extras;
	printf("decouple bench: %d configuration%s on CPU %d (%s%s), %d s each in %d round%s, "
	       "interval %d µs: %.0f s of measuring and load ramps, plus start-up\n", runnable, runnable == 1 ? "" : "s", b.o.cpu,
	       b.m.cpu_model, b.m.virtualized ? ", virtualized" : "", b.o.duration, b.o.rounds,
	       b.o.rounds == 1 ? "" : "s", b.o.interval,
	       (double)runnable * b.o.duration + loads * b.o.rounds * RAMP_S);
	if (extras) {
		printf("decouple bench: first, once each and unpartitioned:");
		for (int k = 0; k < BENCH_NEXTRAS; k++)
			if (b.x[k].selected && b.x[k].state != BENCH_SKIPPED)
				printf(" %s", b.x[k].name);
		printf("\n");
	}

	run_extras(&b);
	run_rounds(&b);
	/* Cleanup runs to its end: a second Ctrl-C must not leave the CPU isolated. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (b.load.pgid)
		b.p.load_left += load_stop(&b.load);
	bench_release(&b.part);
	b.p.isolations = b.part.isolations;
	b.p.release_failed = b.part.release_failed;
	if (stop_signal) {
		b.p.interrupted = stop_signal;
		printf("\ndecouple bench: stopped by signal %d: the load is stopped, the machine "
		       "released; reporting what was measured\n", stop_signal);
	}
	status = write_results(&b);
	print_summary(&b);
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		if (b.r[i].state == BENCH_FAILED)
			status = 1;
		samples_free(&b.r[i].s);
	}
	for (int k = 0; k < BENCH_NEXTRAS; k++) {
		if (b.x[k].state == BENCH_FAILED)
			status = 1;
		bench_extra_free(&b.x[k]);
	}
	if (b.p.load_left || b.p.release_failed)
		status = 1;
	if (!runnable && !extras) {
		fprintf(stderr, "decouple bench: nothing could be measured here (see the reasons "
			"above)\n");
		status = 1;
	}
	return stop_signal ? 128 + stop_signal : status;
}
