/* SPDX-License-Identifier: MIT */
#include "bench_check.h"
#include "bench_report_irq.h"

static const struct bench_result *done(const struct bench_result *r, const char *name)
{
	int i = bench_config_index(name);
	return i >= 0 && r[i].state == BENCH_DONE ? &r[i] : NULL;
}

double bench_missed_percent(const struct bench_result *r)
{
	double periods = (double)r->st.samples + (double)r->missed_periods;
	return periods > 0 ? 100.0 * (double)r->missed_periods / periods : 0;
}

static const char *path_of(const struct bench_result *d)
{
	return d->irq_path[0] ? d->irq_path : "unknown";
}

/* What the decoupled ISR adds to the floor, against what the Linux reader adds. */
static void added(FILE *f, const struct bench_result *d, const struct bench_result *l,
		  const struct bench_result *fl)
{
	double d50 = d->st.p50_us - fl->st.p50_us, l50 = l->st.p50_us - fl->st.p50_us;
	double d99 = d->st.p99_us - fl->st.p99_us, l99 = l->st.p99_us - fl->st.p99_us;
	bench_check_line(f, d50 <= l50 / 5 && d99 <= l99 / 5,
		"decoupled-irq-load (path %s) adds at most 1/5 of what linux-irq-load adds beyond "
		"irq-floor-load: p50 %.2f ≤ %.2f, p99 %.2f ≤ %.2f µs", path_of(d), d50, l50 / 5,
		d99, l99 / 5);
	bench_check_line(f, d50 <= 1.5 && d99 <= 3.0,
		"decoupled-irq-load within 1.5 µs of irq-floor-load at p50 (%.2f) and 3 µs at p99 "
		"(%.2f)", d50, d99);
}

void bench_acceptance_irq(FILE *f, const struct bench_result *r)
{
	const struct bench_result *dl = done(r, "decoupled-irq-load"), *ll = done(r, "linux-irq-load");
	const struct bench_result *fl = done(r, "irq-floor-load");
	const struct bench_result *di = done(r, "decoupled-irq-idle"), *li = done(r, "linux-irq-idle");
	if (dl && ll && fl)
		added(f, dl, ll, fl);
	else
		bench_check_line(f, -1, "decoupled-irq-load against linux-irq-load and irq-floor-load: "
				 "not all three measured");
	if (dl && ll)
		bench_check_line(f, dl->st.p50_us <= 0.6 * ll->st.p50_us &&
				 dl->st.p99_us <= 0.75 * ll->st.p99_us,
			"decoupled-irq-load p50 %.2f ≤ 0.6 × linux-irq-load p50 = %.2f, p99 %.2f ≤ "
			"0.75 × linux-irq-load p99 = %.2f", dl->st.p50_us, 0.6 * ll->st.p50_us,
			dl->st.p99_us, 0.75 * ll->st.p99_us);
	else
		bench_check_line(f, -1, "decoupled-irq-load against linux-irq-load: not both measured");
	if (dl)
		bench_check_line(f, bench_missed_percent(dl) <= 0.1,
			"decoupled-irq-load: %llu periods without a wake-up, %.3f%% ≤ 0.1%%",
			dl->missed_periods, bench_missed_percent(dl));
	else
		bench_check_line(f, -1, "decoupled-irq-load periods without a wake-up: not measured");
	if (di && li)
		bench_check_line(f, di->st.p50_us <= li->st.p50_us && di->st.p99_us <= li->st.p99_us,
			"idle: decoupled-irq-idle never worse than linux-irq-idle: p50 %.2f ≤ %.2f, "
			"p99 %.2f ≤ %.2f", di->st.p50_us, li->st.p50_us, di->st.p99_us, li->st.p99_us);
	else
		bench_check_line(f, -1, "decoupled-irq-idle against linux-irq-idle: not both measured");
}
