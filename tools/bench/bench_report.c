/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench_check.h"
#include "bench_report.h"
#include "bench_report_irq.h"
#include "bench_report_extras.h"
#include "json.h"

static const struct bench_result *find(const struct bench_result *r, const char *name)
{
	int i = bench_config_index(name);
	return i >= 0 && r[i].state == BENCH_DONE ? &r[i] : NULL;
}

/* fclose() reports the write errors that buffering hid. */
static int finish(FILE *f)
{
	int failed = ferror(f);
	if (fclose(f) || failed)
		return -EIO;
	return 0;
}

static const char *state_word(enum bench_state s)
{
	switch (s) {
	case BENCH_SKIPPED: return "skipped";
	case BENCH_FAILED: return "failed";
	case BENCH_DONE: return "done";
	default: return "not measured";
	}
}

int bench_write_json(const char *path, const struct machine *m, const struct bench_params *p,
		     const struct bench_result *r, const struct bench_extra *x)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	struct json j;
	json_init(&j, f);
	json_object_begin(&j, NULL);

	json_object_begin(&j, "machine");
	json_string(&j, "kernel", m->kernel);
	json_string(&j, "cpu_model", m->cpu_model);
	json_int(&j, "cpus", m->cpus);
	json_bool(&j, "virtualized", m->virtualized);
	json_string(&j, "clocksource", m->clocksource);
	json_int(&j, "rt_runtime_us", m->rt_runtime_us);
	json_object_end(&j);

	json_object_begin(&j, "parameters");
	json_int(&j, "duration_s", p->duration_s);
	json_int(&j, "interval_us", p->interval_us);
	json_int(&j, "cpu", p->cpu);
	json_int(&j, "rounds", p->rounds);
	json_string(&j, "load", p->load);
	json_string(&j, "started", p->started);
	json_string(&j, "command", p->command);
	json_double(&j, "total_s", p->total_s);
	json_bool(&j, "interrupted", p->interrupted != 0);
	json_int(&j, "load_processes_left", p->load_left);
	json_bool(&j, "partition_released", !p->release_failed);
	json_object_end(&j);

	/* Only measured configurations: every field of each is a number. */
	json_array_begin(&j, "configs");
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		const struct bench_result *c = &r[i];
		if (c->state != BENCH_DONE)
			continue;
		json_object_begin(&j, NULL);
		json_string(&j, "name", c->cfg->name);
		json_int(&j, "samples", (long long)c->st.samples);
		json_int(&j, "expected_samples", (long long)floor(c->expected));
		json_int(&j, "missing_cycles", (long long)c->missing);
		json_int(&j, "missed_periods", (long long)c->missed_periods);
		json_double(&j, "missed_percent", bench_missed_percent(c));
		if (bench_irq_variant(c->cfg->tool)) {
			if (c->irq_path[0])
				json_string(&j, "irq_path", c->irq_path);
			else
				json_null(&j, "irq_path");
			if (c->irq_cpu >= 0)
				json_int(&j, "irq_cpu", c->irq_cpu);
			else
				json_null(&j, "irq_cpu");
		}
		samples_json_stats(&j, &c->st);
		json_double(&j, "cpu_percent", bench_cpu_percent(c));
		json_double(&j, "window_s", c->window_s);
		json_double(&j, "wall_s", c->wall_s);
		json_int(&j, "measurements", c->slots);
		json_string(&j, "paper", c->cfg->figure);
		json_object_end(&j);
	}
	json_array_end(&j);

	bench_json_extras(&j, x);

	json_array_begin(&j, "skipped");
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		const struct bench_result *c = &r[i];
		if (!c->selected || c->state == BENCH_DONE)
			continue;
		json_object_begin(&j, NULL);
		json_string(&j, "name", c->cfg->name);
		json_string(&j, "state", state_word(c->state));
		json_string(&j, "reason", c->reason[0] ? c->reason : "the run was interrupted first");
		json_object_end(&j);
	}
	for (int k = 0; x && k < BENCH_NEXTRAS; k++) {
		if (!x[k].selected || x[k].state == BENCH_DONE)
			continue;
		json_object_begin(&j, NULL);
		json_string(&j, "name", x[k].name);
		json_string(&j, "state", state_word(x[k].state));
		json_string(&j, "reason", x[k].reason[0] ? x[k].reason : "the run was interrupted first");
		json_object_end(&j);
	}
	json_array_end(&j);

	json_object_end(&j);
	fputc('\n', f);
	return finish(f);
}

void bench_fmt_us(char *buf, size_t len, double us)
{
	if (!isfinite(us))
		snprintf(buf, len, "—");
	else if (us < 10)
		snprintf(buf, len, "%.2f", us);
	else if (us < 1000)
		snprintf(buf, len, "%.1f", us);
	else
		snprintf(buf, len, "%.0f", us);
}

static void put_us(FILE *f, double us)
{
	char b[32];
	bench_fmt_us(b, sizeof(b), us);
	fprintf(f, " %s |", b);
}

static const double *stat_at(const struct latency_stats *st, int k)
{
	const double *v[] = { &st->p50_us, &st->p99_us, &st->p999_us, &st->p9999_us, &st->max_us };
	return v[k];
}

static const char *const stat_names[] = { "p50", "p99", "p99.9", "p99.99", "max" };
#define NSTATS 5

static void put_ratio(FILE *f, double num, double den)
{
	if (den <= 0 || num <= 0)
		fprintf(f, " — |");
	else if (num / den >= 10)
		fprintf(f, " %.0f× |", num / den);
	else
		fprintf(f, " %.2f× |", num / den);
}

static void latency_table(FILE *f, const struct bench_result *r)
{
	fprintf(f, "| configuration | paper | samples | min | avg | p50 | p99 | p99.9 | p99.99 | max | CPU %% |\n"
		   "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		const struct bench_result *c = &r[i];
		if (c->state != BENCH_DONE)
			continue;
		fprintf(f, "| %s | %s | %zu |", c->cfg->name, c->cfg->figure, c->st.samples);
		put_us(f, c->st.min_us);
		put_us(f, c->st.avg_us);
		for (int k = 0; k < NSTATS; k++)
			put_us(f, *stat_at(&c->st, k));
		fprintf(f, " %.1f |\n", bench_cpu_percent(c));
	}
}

/* ref / config when `better` (times lower than the reference), else config / ref. */
static void ratio_table(FILE *f, const struct bench_result *r, const struct bench_result *ref, int better)
{
	fprintf(f, "| configuration |");
	for (int k = 0; k < NSTATS; k++)
		fprintf(f, " %s |", stat_names[k]);
	fprintf(f, "\n|---|--:|--:|--:|--:|--:|\n");
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		const struct bench_result *c = &r[i];
		if (c->state != BENCH_DONE || c == ref)
			continue;
		fprintf(f, "| %s |", c->cfg->name);
		for (int k = 0; k < NSTATS; k++) {
			double a = *stat_at(&c->st, k), b = *stat_at(&ref->st, k);
			if (better)
				put_ratio(f, b, a);
			else
				put_ratio(f, a, b);
		}
		fputc('\n', f);
	}
}

static void noise_paragraph(FILE *f, const struct machine *m, const struct bench_params *p,
			    const struct bench_result *r)
{
	const struct bench_result *nl = find(r, "noise-load"), *ni = find(r, "noise-idle");
	const struct bench_result *n = nl ? nl : ni;
	char a[32], b[32], c[32], d[32];
	if (!n) {
		fprintf(f, "The noise floor was not measured in this run (noise-idle and noise-load "
			   "were not selected, or were skipped), so nothing here tells the machine's "
			   "own interruptions apart from those of a configuration.  Read the maxima "
			   "with that in mind.\n");
		return;
	}
	bench_fmt_us(a, sizeof(a), n->st.p50_us);
	bench_fmt_us(b, sizeof(b), n->st.p99_us);
	bench_fmt_us(c, sizeof(c), n->st.p9999_us);
	bench_fmt_us(d, sizeof(d), n->st.max_us);
	fprintf(f, "A bare polling loop on CPU %d (%s), which nothing but the machine itself can "
		   "delay, was late by %s µs at p50, %s µs at p99, %s µs at p99.99 and %s µs at most",
		p->cpu, n->cfg->name, a, b, c, d);
	if (nl && ni) {
		bench_fmt_us(a, sizeof(a), ni->st.max_us);
		fprintf(f, " (idle: %s µs at most)", a);
	}
	fprintf(f, ".  That is the noise floor: time in which the CPU was taken away from user "
		   "space altogether, by %s, SMIs, the timer tick or IPIs.  No configuration can "
		   "respond faster than its CPU comes back, so a maximum near %s µs in any row is "
		   "the machine's, not the configuration's.  Compare configurations by their "
		   "percentiles and by their ratio to this floor; on this machine the maxima mostly "
		   "measure %s.\n",
		m->virtualized ? "the hypervisor preempting the virtual CPU" : "firmware",
		d, m->virtualized ? "the host" : "the hardware and the kernel");
}

/* The acceptance lines of the benchmark's issue, checked on this run. */
static void acceptance(FILE *f, const struct bench_params *p, const struct bench_result *r)
{
	const struct bench_result *ll = find(r, "linux-load"), *dd = find(r, "decoupled-dedicated-load");
	const struct bench_result *nl = find(r, "noise-load"), *ds = find(r, "decoupled-shared-load");
	int all = 1, enough = 1;
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		/* Not asked for (--configs); in a run that was stopped, not reached either. */
		if (r[i].state == BENCH_PENDING && !p->interrupted)
			continue;
		if (r[i].state != BENCH_DONE)
			all = 0;
		else if ((double)r[i].st.samples < 0.8 * r[i].expected)
			enough = 0;
	}
	bench_check_line(f, all && enough, "every selected configuration present with at least 80%% "
		   "of the expected samples%s", all ? "" : " (some were not measured)");
	if (ll && dd)
		bench_check_line(f, dd->st.p50_us <= ll->st.p50_us / 100 && dd->st.p99_us <= ll->st.p99_us / 2,
			   "decoupled-dedicated-load p50 %.2f ≤ linux-load p50 / 100 = %.2f, and p99 "
			   "%.2f ≤ linux-load p99 / 2 = %.2f", dd->st.p50_us, ll->st.p50_us / 100,
			   dd->st.p99_us, ll->st.p99_us / 2);
	else
		bench_check_line(f, -1, "decoupled-dedicated-load against linux-load: not both measured");
	if (dd && nl) {
		int ok99 = dd->st.p99_us <= 3 * nl->st.p99_us, ok999 = dd->st.p999_us <= 3 * nl->st.p999_us;
		bench_check_line(f, ok99 && ok999, "decoupled-dedicated-load within 3× of noise-load: p99 "
			   "%.2f ≤ %.2f%s, p99.9 %.2f ≤ %.2f%s", dd->st.p99_us, 3 * nl->st.p99_us,
			   ok99 ? "" : " (no)", dd->st.p999_us, 3 * nl->st.p999_us, ok999 ? "" : " (no)");
		/* Say why, where the floor is a single clock read rather than the machine. */
		if (!ok99 && nl->st.p99_us < 0.1)
			fprintf(f, "  (noise-load's p99 of %.0f ns is one clock read of a loop that nothing "
				   "interrupted; a decoupled wake-up's own path costs a few hundred ns, so "
				   "only percentiles where the machine's interruptions dominate can meet 3×)\n",
				nl->st.p99_us * 1e3);
	} else
		bench_check_line(f, -1, "decoupled-dedicated-load against noise-load: not both measured");
	if (ds && ll)
		bench_check_line(f, ds->st.p50_us <= ll->st.p50_us / 20 && bench_cpu_percent(ds) <= 50,
			   "decoupled-shared-load p50 %.2f ≤ linux-load p50 / 20 = %.2f, CPU %.1f%% ≤ 50%%",
			   ds->st.p50_us, ll->st.p50_us / 20, bench_cpu_percent(ds));
	else
		bench_check_line(f, -1, "decoupled-shared-load against linux-load: not both measured");
	bench_check_line(f, p->load_left == 0 && !p->release_failed,
		   "afterwards: %d load processes left; partition %s", p->load_left,
		   p->release_failed ? "NOT fully restored (see raw/release-*.log)"
		   : p->isolations ? "released, every saved value restored" : "never isolated");
}

int bench_write_markdown(const char *path, const struct machine *m, const struct bench_params *p,
			 const struct bench_result *r, const struct bench_extra *x)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "# decouple bench: %s\n\n", p->started);
	fprintf(f, "`%s`\n\n", p->command);
	fprintf(f, "- machine: %s, %d CPUs%s, Linux %s, clocksource %s\n", m->cpu_model, m->cpus,
		m->virtualized ? ", virtualized" : "", m->kernel, m->clocksource);
	fprintf(f, "- real-time CPU %d; interval %d µs; %d s per configuration in %d round%s; load `%s`\n",
		p->cpu, p->interval_us, p->duration_s, p->rounds, p->rounds == 1 ? "" : "s", p->load);
	if (p->interrupted)
		fprintf(f, "- **interrupted** by signal %d after %.0f s: what was measured until then\n",
			p->interrupted, p->total_s);
	else
		fprintf(f, "- whole run: %.0f s\n", p->total_s);

	fprintf(f, "\n## Wake-up latency (µs)\n\n");
	latency_table(f, r);
	fprintf(f, "\nCPU %% is the CPU time of the measuring process (start-up and exit "
		   "included) over its measurement window: what waiting costs.  A polling "
		   "executive shows about 100%%.  Percentiles are nearest-rank over every sample "
		   "of every round.\n");

	const struct bench_result *ll = find(r, "linux-load"), *nl = find(r, "noise-load");
	if (ll) {
		fprintf(f, "\n## Against linux-load (times lower than cyclictest under load)\n\n");
		ratio_table(f, r, ll, 1);
	}
	if (nl) {
		fprintf(f, "\n## Against noise-load (times above the noise floor under load)\n\n");
		ratio_table(f, r, nl, 0);
	}
	fprintf(f, "\n## Noise floor\n\n");
	noise_paragraph(f, m, p, r);

	bench_md_extras(f, x);

	fprintf(f, "\n## Acceptance (issue 6; interrupts: issue 12; the extras' lines: issues 4 and 3)\n\n");
	acceptance(f, p, r);
	bench_acceptance_irq(f, r);
	bench_acceptance_extras(f, x);

	int any = 0;
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		const struct bench_result *c = &r[i];
		if (!c->selected || c->state == BENCH_DONE)
			continue;
		if (!any++)
			fprintf(f, "\n## Not measured\n\n");
		fprintf(f, "- %s (%s): %s\n", c->cfg->name, state_word(c->state),
			c->reason[0] ? c->reason : "the run was interrupted first");
	}
	for (int k = 0; x && k < BENCH_NEXTRAS; k++) {
		if (!x[k].selected || x[k].state == BENCH_DONE)
			continue;
		if (!any++)
			fprintf(f, "\n## Not measured\n\n");
		fprintf(f, "- %s (%s): %s\n", x[k].name, state_word(x[k].state),
			x[k].reason[0] ? x[k].reason : "the run was interrupted first");
	}

	fprintf(f, "\n## Files\n\n"
		   "- `summary.json`: the numbers above\n"
		   "- `CONFIG.hist`: cyclictest's histogram format, 1 µs buckets\n"
		   "- `CONFIG.samples`: every latency in ns, in time order\n"
		   "- `figure-PLACEMENT.png`: idle and loaded of one placement, as the paper's "
		   "Figures 3-8 (`figure-linux.png`: Fig. 3/6, `figure-decoupled-dedicated.png`: "
		   "Fig. 4/7, `figure-decoupled-shared.png`: Fig. 5/8); `figure-irq.png`: the "
		   "interrupt configurations, idle and loaded, in the style of Fig. 4\n"
		   "- `latency-CONFIG.png`, `overview.png`: figures; `figures.gp` and "
		   "`latency-CONFIG.dat` redraw them (`gnuplot figures.gp`)\n"
		   "- `raw/`: each measurement's output, isolate and release logs\n"
		   "- `irqbench.json`, `fwdbench.json`: the extras' reports (embedded in "
		   "`summary.json`); `irqbench.txt`, `fwdbench.txt`: their output\n");
	return finish(f);
}
