/* SPDX-License-Identifier: MIT */
/* The report of `decouple irqlat`: summary lines, histograms, samples, JSON.  See irqlat.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "irqlat.h"
#include "json.h"

#define PROG "decouple irqlat"

static const char *const what[IRQLAT_NVARIANTS] = {
	[IRQLAT_DECOUPLED] = "decoupled ISR in dc_irq_wait() on a timerfd Irq",
	[IRQLAT_LINUX] = "SCHED_FIFO Linux thread in read() on a timerfd",
	[IRQLAT_CYCLICTEST] = "rt-tests' cyclictest, clock_nanosleep to absolute deadlines",
	[IRQLAT_FLOOR] = "bare polling loop: end of the first gap after each expiry",
};

int irqlat_report_stats(struct irqlat_run *run)
{
	for (int v = 0; v < IRQLAT_NVARIANTS; v++) {
		struct irqlat_result *r = &run->r[v];
		r->missed = r->early = 0;
		for (int i = 0; i < r->nthreads; i++) {
			const struct irqlat_thread *th = &r->th[i];
			r->missed += th->missed;
			r->early += th->early;
			for (size_t k = 0; k < th->s.n; k++)
				if (samples_add(&r->all, th->s.ns[k]))
					return -ENOMEM;
		}
		samples_stats(&r->all, &r->stats);
	}
	return 0;
}

static double missed_percent(const struct irqlat_result *r)
{
	uint64_t periods = r->all.n + r->missed;
	return periods ? 100.0 * (double)r->missed / (double)periods : 0;
}

static const char *path_name(const struct irqlat_result *r)
{
	const char *n = r->path_used >= 0 ? dc_irq_path_name(r->path_used) : NULL;
	return n ? n : "unknown";
}

/* One cyclictest summary line per thread, over every round (values in µs). */
static void summary_lines(const struct irqlat_opts *o, const struct irqlat_result *r)
{
	for (int i = 0; i < r->nthreads; i++) {
		const struct samples *s = &r->th[i].s;
		struct ct_line l = { .thread = i, .tid = atomic_load(&r->th[i].tid), .prio = o->rt.prio,
				     .interval_us = o->interval_us, .cycles = s->n };
		uint64_t mn = UINT64_MAX, mx = 0, sum = 0;
		for (size_t k = 0; k < s->n; k++) {
			mn = s->ns[k] < mn ? s->ns[k] : mn;
			mx = s->ns[k] > mx ? s->ns[k] : mx;
			sum += s->ns[k];
		}
		if (s->n) {
			l.min = (long)(mn / 1000);
			l.max = (long)(mx / 1000);
			l.avg = (long)(sum / s->n / 1000);
			l.act = (long)(s->ns[s->n - 1] / 1000);
		}
		ct_write_line(stdout, &l);
	}
}

static void interrupts_line(const struct irqlat_opts *o, const struct irqlat_result *r)
{
	if (!r->loc.ok) {
		printf("# interrupts: /proc/interrupts has no LOC row: not known which CPU took them\n");
		return;
	}
	int cpu = locirq_busiest(&r->loc);
	printf("# interrupts: local timer interrupts in %.1f s:", r->seconds);
	for (int c = 0; c < LOCIRQ_MAX_CPUS; c++)
		if (r->loc.listed[c])
			printf(" CPU%d +%" PRIu64, c, r->loc.count[c]);
	if (cpu >= 0)
		printf(" (most on CPU %d%s)", cpu, cpu == o->rt.cpu ? ", the real-time CPU" : "");
	putchar('\n');
}

static void text(const struct irqlat_run *run)
{
	const struct irqlat_opts *o = run->o;
	for (int v = 0; v < IRQLAT_NVARIANTS; v++) {
		const struct irqlat_result *r = &run->r[v];
		if (!r->selected || !r->turns)
			continue;
		printf("# %s: %s", irqlat_variant_names[v], what[v]);
		if (v == IRQLAT_DECOUPLED)
			printf(", path %s", path_name(r));
		printf("\n");
		/* As cyclictest: a quiet run whose histogram went to stdout shows only that. */
		if (!(o->rt.quiet && o->rt.buckets && !o->rt.histfile))
			summary_lines(o, r);
		if (o->rt.quiet)
			continue;
		const struct latency_stats *st = &r->stats;
		printf("# p50 %.3f us, p99 %.3f us, p99.9 %.3f us, p99.99 %.3f us, max %.3f us; "
		       "%zu samples, %" PRIu64 " periods without a wake-up (%.3f%%)\n", st->p50_us,
		       st->p99_us, st->p999_us, st->p9999_us, st->max_us, r->all.n, r->missed,
		       missed_percent(r));
		interrupts_line(o, r);
		if (v == IRQLAT_DECOUPLED && r->have_stats && (r->st.irq_uring_sources || r->st.irq_uring_events))
			printf("# executive: %u io_uring sources, %" PRIu64 " events\n",
			       r->st.irq_uring_sources, r->st.irq_uring_events);
	}
	if (run->stopped)
		printf("# stopped early by a signal in round %d\n", run->rounds);
}

static int histograms(const struct irqlat_run *run)
{
	const struct irqlat_opts *o = run->o;
	FILE *f = stdout;
	if (o->rt.histfile && !(f = fopen(o->rt.histfile, "w"))) {
		int err = errno;
		fprintf(stderr, PROG ": %s: %s\n", o->rt.histfile, strerror(err));
		return -err;
	}
	for (int v = 0; v < IRQLAT_NVARIANTS; v++) {
		const struct irqlat_result *r = &run->r[v];
		if (!r->selected || !r->turns)
			continue;
		fprintf(f, "# variant: %s\n", irqlat_variant_names[v]);
		samples_write_histogram(f, &r->all, o->rt.buckets);
	}
	if (f != stdout && fclose(f)) {
		fprintf(stderr, PROG ": %s: write error\n", o->rt.histfile);
		return -EIO;
	}
	return 0;
}

/* --samples PREFIX: PREFIX.VARIANT, every thread's samples in wake-up order, thread after thread. */
static int save_samples(const struct irqlat_run *run)
{
	int ret = 0;
	for (int v = 0; v < IRQLAT_NVARIANTS; v++) {
		const struct irqlat_result *r = &run->r[v];
		if (!r->selected || !r->turns)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s.%s", run->o->rt.samples, irqlat_variant_names[v]);
		FILE *f = fopen(path, "w");
		if (!f) {
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
			ret = 1;
			continue;
		}
		for (int i = 0; i < r->nthreads; i++)
			for (size_t k = 0; k < r->th[i].s.n; k++)
				fprintf(f, "%" PRIu64 "\n", r->th[i].s.ns[k]);
		int failed = ferror(f);
		if (fclose(f) || failed) {
			fprintf(stderr, PROG ": %s: write error\n", path);
			ret = 1;
		}
	}
	return ret;
}

static void json_variant(struct json *j, const struct irqlat_run *run, int v)
{
	const struct irqlat_result *r = &run->r[v];
	char key[16];
	json_object_begin(j, irqlat_variant_names[v]);
	json_string(j, "what", what[v]);
	json_int(j, "samples", (long long)r->all.n);
	samples_json_stats(j, &r->stats);
	json_int(j, "missed_periods", (long long)r->missed);
	json_double(j, "missed_percent", missed_percent(r));
	json_int(j, "early_wakeups", (long long)r->early);
	json_int(j, "threads", r->nthreads);
	json_int(j, "turns", r->turns);
	json_double(j, "seconds", r->seconds);
	if (v == IRQLAT_DECOUPLED)
		json_string(j, "path", path_name(r));
	int cpu = r->loc.ok ? locirq_busiest(&r->loc) : -1;
	if (cpu >= 0)
		json_int(j, "irq_cpu", cpu);
	else
		json_null(j, "irq_cpu");
	json_object_begin(j, "local_timer_interrupts");
	for (int c = 0; c < LOCIRQ_MAX_CPUS; c++) {
		if (!r->loc.listed[c])
			continue;
		snprintf(key, sizeof(key), "%d", c);
		json_int(j, key, (long long)r->loc.count[c]);
	}
	json_object_end(j);
	ct_json_histogram(j, &r->all, run->o->rt.buckets);
	if (v == IRQLAT_DECOUPLED && r->have_stats) {
		json_object_begin(j, "executive");
		json_int(j, "irq_uring_sources", r->st.irq_uring_sources);
		json_int(j, "irq_uring_events", (long long)r->st.irq_uring_events);
		json_int(j, "switches", (long long)r->st.switches);
		json_double(j, "uptime_s", r->st.uptime_ns / 1e9);
		json_object_end(j);
	}
	json_object_end(j);
}

static int write_json(const struct irqlat_run *run)
{
	const struct irqlat_opts *o = run->o;
	struct json j;
	FILE *f = rtopts_json_open(PROG, &o->rt, &j);
	if (!f)
		return -EIO;
	ct_json_begin(&j, &run->ct);
	json_object_begin(&j, "decouple");
	json_string(&j, "tool", "irqlat");
	json_int(&j, "cpu", o->rt.cpu);
	json_int(&j, "interval_us", o->interval_us);
	json_int(&j, "priority", o->rt.prio);
	json_int(&j, "threads", o->threads);
	json_int(&j, "rounds", run->rounds);
	json_bool(&j, "stopped", run->stopped);
	json_string(&j, "path_requested", dc_irq_path_name(o->path));
	const struct irqlat_result *d = &run->r[IRQLAT_DECOUPLED];
	if (d->selected && d->turns)
		json_string(&j, "path", path_name(d));
	else
		json_null(&j, "path");
	json_int(&j, "floor_threshold_ns", (long long)o->floor_threshold_ns);
	json_object_end(&j);
	json_object_begin(&j, "variants");
	for (int v = 0; v < IRQLAT_NVARIANTS; v++)
		if (run->r[v].selected && run->r[v].turns)
			json_variant(&j, run, v);
	json_object_end(&j);
	json_object_end(&j);
	return rtopts_json_close(PROG, &o->rt, f);
}

int irqlat_report(struct irqlat_run *run)
{
	const struct irqlat_opts *o = run->o;
	int ret = 0;
	if (o->rt.samples && save_samples(run))
		ret = 1;
	text(run);
	if (o->rt.buckets && histograms(run))
		ret = 1;
	fflush(stdout);
	if (o->rt.json && write_json(run))
		ret = 1;
	return ret;
}
