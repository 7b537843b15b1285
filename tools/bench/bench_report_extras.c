/* SPDX-License-Identifier: MIT */
/*
 * The extras in bench's reports: their --json reports embedded in
 * summary.json, a short section each in summary.md, and the acceptance
 * lines of the issues they belong to (4: Irq delivery, 3: forwarding).
 */
#include <math.h>
#include <stdio.h>

#include "bench_check.h"
#include "bench_report_extras.h"
#include "json_read.h"

/* Issue 4: the Linux waiter's p50 over the decoupled one's, at least. */
#define IRQ_P50_RATIO_MIN	20.0
/* Issue 3: explicit forwarding's p50 over native's, at most. */
#define FWD_P50_RATIO_MAX	10.0

static const char *const irq_phases[] = { "idle", "load" };

void bench_json_extras(struct json *j, const struct bench_extra *x)
{
	for (int k = 0; k < BENCH_NEXTRAS; k++) {
		/* null when not measured: the "skipped" list says why, if it was selected. */
		if (x && x[k].state == BENCH_DONE && x[k].json)
			json_raw(j, bench_extra_names[k], x[k].json);
		else
			json_null(j, bench_extra_names[k]);
	}
}

/* A number for a table cell; a dash where the report has none. */
static void cell(FILE *f, double v, const char *fmt)
{
	if (isfinite(v)) {
		fputc(' ', f);
		fprintf(f, fmt, v);
		fputs(" |", f);
	} else {
		fputs(" — |", f);
	}
}

static double num(const char *doc, const char *prefix, const char *key)
{
	char path[128];
	snprintf(path, sizeof(path), "%s.%s", prefix, key);
	return json_number(doc, path);
}

static void md_irqbench(FILE *f, const char *j)
{
	fprintf(f, "From a trigger's timestamp to its waiter running (µs), on CPU %.0f, "
		   "unpartitioned, %.0f samples per waiter and phase: a decoupled thread in "
		   "`dc_irq_wait()` against a SCHED_FIFO 99 Linux thread blocked on an eventfd, "
		   "taking turns in one run.\n\n", json_number(j, "cpu"), json_number(j, "samples"));
	fprintf(f, "| phase | decoupled p50 | decoupled p99 | Linux p50 | Linux p99 | "
		   "Linux / decoupled p50 | Linux / decoupled p99 |\n"
		   "|---|--:|--:|--:|--:|--:|--:|\n");
	for (size_t i = 0; i < sizeof(irq_phases) / sizeof(irq_phases[0]); i++) {
		const char *ph = irq_phases[i];
		char d[32], l[32];
		snprintf(d, sizeof(d), "%s.decoupled", ph);
		snprintf(l, sizeof(l), "%s.linux", ph);
		if (!isfinite(num(j, d, "p50_us")))
			continue;	/* no such phase in this run */
		fprintf(f, "| %s |", ph);
		cell(f, num(j, d, "p50_us"), "%.2f");
		cell(f, num(j, d, "p99_us"), "%.2f");
		cell(f, num(j, l, "p50_us"), "%.2f");
		cell(f, num(j, l, "p99_us"), "%.2f");
		cell(f, num(j, ph, "p50_ratio"), "%.1f×");
		cell(f, num(j, ph, "p99_ratio"), "%.1f×");
		fputc('\n', f);
	}
	int exact = json_boolean(j, "count.exact");
	if (exact < 0)
		fprintf(f, "\nExact counts: not checked in this run.\n");
	else
		fprintf(f, "\nExact counts: %.0f triggers from two Linux threads to one decoupled "
			   "waiter, %.0f counted in %.2f s: %s.\n", json_number(j, "count.triggers"),
			json_number(j, "count.counted"), json_number(j, "count.seconds"),
			exact ? "exact" : "**NOT exact**");
}

static void md_fwdbench(FILE *f, const char *j)
{
	fprintf(f, "Round trips of getppid(2) (ns), executive on CPU %.0f, unpartitioned, %.0f "
		   "calls per path: native (a thread under Linux), explicit (`dc_linux_syscall()` "
		   "from a decoupled thread), trapped (a plain call forwarded by Syscall User "
		   "Dispatch), trap-only (what the kernel charges for the trap alone).\n\n",
		json_number(j, "cpu"), json_number(j, "calls"));
	fprintf(f, "| path | p50 | p99 | p99.9 | p99.99 | max | p50 / native |\n"
		   "|---|--:|--:|--:|--:|--:|--:|\n");
	static const char *const paths[] = { "native", "explicit", "trapped", "trap-only" };
	static const char *const keys[] = { "p50_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns" };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char p[32];
		snprintf(p, sizeof(p), "paths.%s", paths[i]);
		fprintf(f, "| %s |", paths[i]);
		if (!isfinite(num(j, p, "p50_ns"))) {
			fprintf(f, " not measured here (no Syscall User Dispatch) | | | | | |\n");
			continue;
		}
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			cell(f, num(j, p, keys[k]), "%.0f");
		cell(f, num(j, p, "p50_ratio"), "%.1f×");
		fputc('\n', f);
	}
	fprintf(f, "\nExplicit forwarding costs %.1f× a native getppid at p50 (issue 3 asks for at "
		   "most %.0f×); trapping costs %.1f×.\n",
		json_number(j, "paths.explicit.p50_ratio"), FWD_P50_RATIO_MAX,
		json_number(j, "paths.trapped.p50_ratio"));
}

void bench_md_extras(FILE *f, const struct bench_extra *x)
{
	static const char *const titles[BENCH_NEXTRAS] = {
		"Irq delivery (decouple irqbench)", "Forwarded system calls (decouple fwdbench)",
	};
	for (int k = 0; x && k < BENCH_NEXTRAS; k++) {
		if (!x[k].selected)
			continue;
		fprintf(f, "\n## %s\n\n", titles[k]);
		if (x[k].state != BENCH_DONE || !x[k].json) {
			fprintf(f, "Not measured: %s.\n",
				x[k].reason[0] ? x[k].reason : "the run was interrupted first");
			continue;
		}
		if (k == BENCH_IRQBENCH)
			md_irqbench(f, x[k].json);
		else
			md_fwdbench(f, x[k].json);
		fprintf(f, "\nOutput: `%s.txt`; numbers: `%s.json`.\n", x[k].name, x[k].name);
	}
}

/* Issue 4: the p50 ratio in every phase measured. */
static void accept_irq(FILE *f, const char *j)
{
	double idle = json_number(j, "idle.p50_ratio"), load = json_number(j, "load.p50_ratio");
	int ok = isfinite(idle) && idle >= IRQ_P50_RATIO_MIN &&
		 (!isfinite(load) || load >= IRQ_P50_RATIO_MIN);
	char l[64] = "";
	if (isfinite(load))
		snprintf(l, sizeof(l), ", under load %.1f× ≥ %.0f%s", load, IRQ_P50_RATIO_MIN,
			 load >= IRQ_P50_RATIO_MIN ? "" : " (no)");
	bench_check_line(f, ok, "issue 4: Irq delivery p50, Linux eventfd waiter / decoupled "
			 "waiter: idle %.1f× ≥ %.0f%s%s", idle, IRQ_P50_RATIO_MIN,
			 idle >= IRQ_P50_RATIO_MIN ? "" : " (no)", l);
}

static void accept_fwd(FILE *f, const char *j)
{
	double e = json_number(j, "paths.explicit.p50_ns"), n = json_number(j, "paths.native.p50_ns");
	bench_check_line(f, isfinite(e) && isfinite(n) && e <= FWD_P50_RATIO_MAX * n,
			 "issue 3: explicit forwarded getppid p50 %.0f ns ≤ %.0f × native p50 "
			 "%.0f ns = %.0f ns", e, FWD_P50_RATIO_MAX, n, FWD_P50_RATIO_MAX * n);
}

void bench_acceptance_extras(FILE *f, const struct bench_extra *x)
{
	const struct bench_extra *irq = x ? &x[BENCH_IRQBENCH] : NULL;
	const struct bench_extra *fwd = x ? &x[BENCH_FWDBENCH] : NULL;
	if (irq && irq->state == BENCH_DONE && irq->json)
		accept_irq(f, irq->json);
	else
		bench_check_line(f, -1, "issue 4: Irq delivery p50 ratio ≥ %.0f: irqbench not "
				 "measured", IRQ_P50_RATIO_MIN);
	if (fwd && fwd->state == BENCH_DONE && fwd->json)
		accept_fwd(f, fwd->json);
	else
		bench_check_line(f, -1, "issue 3: explicit forwarded getppid p50 ≤ %.0f× native: "
				 "fwdbench not measured", FWD_P50_RATIO_MAX);
}
