/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_plot.h"
#include "bench_report.h"

#define MAX_BIN (BENCH_BINS_PER_DECADE * 11)	/* up to 100 s */

int bench_bin(uint64_t ns)
{
	if (ns <= 1)
		return 0;
	int b = (int)floor(BENCH_BINS_PER_DECADE * log10((double)ns));
	/* log10 may land a hair below an exact edge: settle on the right side. */
	while (b + 1 <= MAX_BIN && pow(10, (double)(b + 1) / BENCH_BINS_PER_DECADE) <= (double)ns)
		b++;
	return b < MAX_BIN ? b : MAX_BIN;
}

double bench_bin_low_us(int bin)
{
	return pow(10, (double)bin / BENCH_BINS_PER_DECADE) / 1e3;
}

static int finish(FILE *f)
{
	int failed = ferror(f);
	if (fclose(f) || failed)
		return -EIO;
	return 0;
}

int bench_plot_data(const char *dir, const struct bench_result *r)
{
	static unsigned long counts[MAX_BIN + 1];
	char path[4096];
	memset(counts, 0, sizeof(counts));
	for (size_t i = 0; i < r->s.n; i++)
		counts[bench_bin(r->s.ns[i])]++;
	snprintf(path, sizeof(path), "%s/latency-%s.dat", dir, r->cfg->name);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "# %s: %zu samples in %d bins per decade\n# low_us high_us count\n",
		r->cfg->name, r->s.n, BENCH_BINS_PER_DECADE);
	for (int b = 0; b <= MAX_BIN; b++)
		if (counts[b])
			fprintf(f, "%.6g %.6g %lu\n", bench_bin_low_us(b), bench_bin_low_us(b + 1), counts[b]);
	return finish(f);
}

/* One color per configuration: Linux warm, decoupled cool, noise grey. */
static const char *const colors[] = {
	"#f4a582", "#b2182b", "#92c5de", "#2166ac", "#fdb863",
	"#e66101", "#a6dba0", "#1b7837", "#bababa", "#404040",
	/* the interrupt configurations: linux-irq, decoupled-irq, irq-floor */
	"#fdae61", "#d73027", "#74add1", "#313695", "#d9d9d9", "#737373",
};
_Static_assert(sizeof(colors) / sizeof(colors[0]) == BENCH_NCONFIGS, "a color per configuration");

static void per_config(FILE *f, const struct bench_result *r, int i)
{
	char max[32], p99[32];
	bench_fmt_us(max, sizeof(max), r->st.max_us);
	bench_fmt_us(p99, sizeof(p99), r->st.p99_us);
	fprintf(f, "set output 'latency-%s.png'\n", r->cfg->name);
	fprintf(f, "set title \"%s (%s): %zu samples, p99 %s µs, max %s µs\"\n",
		r->cfg->name, r->cfg->figure, r->st.samples, p99, max);
	/* Each bin a box from its low to its high edge, from just below 1. */
	fprintf(f, "plot 'latency-%s.dat' using (sqrt($1*$2)):3:1:2:(0.7):3 with boxxyerror "
		   "fc rgb '%s' fs solid 0.7 border lc rgb '#333333' title '%s'\n\n",
		r->cfg->name, colors[i], r->cfg->name);
}

/* The paper draws one figure per placement: idle in blue, under hackbench in red. */
static const struct {
	const char *name, *title;
} pairs[] = {
	{ "linux", "cyclictest on Linux: the paper's Fig. 3 (x86) and 6 (ARM)" },
	{ "decoupled-dedicated", "decoupled, dedicated CPU: the paper's Fig. 4 (x86) and 7 (ARM)" },
	{ "decoupled-shared", "decoupled, CPU shared with Linux: the paper's Fig. 5 (x86) and 8 (ARM)" },
	{ "linux-isolated", "cyclictest on the isolated CPU (no counterpart in the paper)" },
	{ "noise", "the noise floor: a bare polling loop on the isolated CPU" },
	{ "linux-irq", "timer interrupt: SCHED_FIFO 99 thread in read() on a timerfd" },
	{ "decoupled-irq", "timer interrupt: decoupled ISR in dc_irq_wait(), dedicated CPU" },
	{ "irq-floor", "timer interrupt: the floor, a bare polling loop on the isolated CPU" },
};

/*
 * The paper's Figure 4 for interrupts: each interrupt configuration's
 * histogram in one figure, idle in blues and under load in reds, so that
 * what a path adds to the floor shows as the distance between its boxes.
 */
static void irq_figure(FILE *f, const struct bench_result *r)
{
	static const char *const names[] = { "irq-floor-idle", "decoupled-irq-idle", "linux-irq-idle",
					     "irq-floor-load", "decoupled-irq-load", "linux-irq-load" };
	static const char *const color[] = { "#c6dbef", "#4292c6", "#08306b",
					     "#fcbba1", "#ef3b2c", "#67000d" };
	int n = 0;
	for (int k = 0; k < 6; k++) {
		const struct bench_result *c = &r[bench_config_index(names[k])];
		char p50[32], p99[32];
		if (c->state != BENCH_DONE)
			continue;
		if (!n)
			fprintf(f, "set output 'figure-irq.png'\nset title \"timer interrupt latency, "
				   "isolated CPU: idle (blue) and under hackbench (red)\"\n"
				   "set xlabel 'interrupt latency (µs), log scale'\nplot ");
		bench_fmt_us(p50, sizeof(p50), c->st.p50_us);
		bench_fmt_us(p99, sizeof(p99), c->st.p99_us);
		fprintf(f, "%s'latency-%s.dat' using (sqrt($1*$2)):3:1:2:(0.7):3 with boxxyerror "
			   "fc rgb '%s' fs transparent solid 0.45 border lc rgb '%s' "
			   "title '%s (p50 %s, p99 %s µs)'", n++ ? ", \\\n     " : "", c->cfg->name,
			color[k], color[k], c->cfg->name, p50, p99);
	}
	if (n)
		fprintf(f, "\nset xlabel 'wake-up latency (µs), log scale'\n\n");
}

static void pair_figure(FILE *f, const struct bench_result *r, int k)
{
	char idle[64], load[64];
	snprintf(idle, sizeof(idle), "%s-idle", pairs[k].name);
	snprintf(load, sizeof(load), "%s-load", pairs[k].name);
	const struct bench_result *a = &r[bench_config_index(idle)], *b = &r[bench_config_index(load)];
	if (a->state != BENCH_DONE && b->state != BENCH_DONE)
		return;
	fprintf(f, "set output 'figure-%s.png'\nset title \"%s\"\nplot ", pairs[k].name, pairs[k].title);
	const struct bench_result *both[2] = { a, b };
	static const char *const color[2] = { "#2166ac", "#b2182b" };
	int n = 0;
	for (int i = 0; i < 2; i++) {
		char max[32];
		if (both[i]->state != BENCH_DONE)
			continue;
		bench_fmt_us(max, sizeof(max), both[i]->st.max_us);
		fprintf(f, "%s'latency-%s.dat' using (sqrt($1*$2)):3:1:2:(0.7):3 with boxxyerror "
			   "fc rgb '%s' fs transparent solid 0.5 border lc rgb '%s' title '%s (max %s µs)'",
			n++ ? ", \\\n     " : "", both[i]->cfg->name, color[i], color[i],
			both[i]->cfg->name, max);
	}
	fprintf(f, "\n\n");
}

int bench_plot_script(const char *dir, const struct bench_result *r)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/figures.gp", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "# decouple bench figures: `gnuplot figures.gp` in this directory redraws them.\n"
		   "# Bins are %d per decade; latency-CONFIG.dat holds low_us high_us count.\n"
		   "set encoding utf8\n"
		   "set terminal pngcairo size 1000,600 font ',10'\n"
		   "set logscale xy\n"
		   "set xlabel 'wake-up latency (µs), log scale'\n"
		   "set ylabel 'samples per bin, log scale'\n"
		   "set yrange [0.7:*]\n"
		   "set grid xtics ytics mxtics\n"
		   "set key top right\n\n", BENCH_BINS_PER_DECADE);
	int any = 0;
	for (int i = 0; i < BENCH_NCONFIGS; i++)
		if (r[i].state == BENCH_DONE) {
			per_config(f, &r[i], i);
			any++;
		}
	for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++)
		pair_figure(f, r, (int)k);
	irq_figure(f, r);
	if (any) {
		fprintf(f, "set output 'overview.png'\n"
			   "set title 'decouple bench: every configuration'\n"
			   "plot ");
		int k = 0;
		for (int i = 0; i < BENCH_NCONFIGS; i++) {
			if (r[i].state != BENCH_DONE)
				continue;
			fprintf(f, "%s'latency-%s.dat' using (sqrt($1*$2)):3 with linespoints "
				   "lc rgb '%s' lw 2 pt 7 ps 0.5 title '%s'", k++ ? ", \\\n     " : "",
				r[i].cfg->name, colors[i], r[i].cfg->name);
		}
		fprintf(f, "\n");
	}
	return finish(f);
}

int bench_plot_run(const char *dir)
{
	char log[4096];
	snprintf(log, sizeof(log), "%s/raw/gnuplot.log", dir);
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return 127;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd);
		return 127;
	}
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		/* The script names its files relative to the directory, to stay movable. */
		if (chdir(dir) == 0)
			execlp("gnuplot", "gnuplot", "figures.gp", (char *)NULL);
		_exit(127);
	}
	close(fd);
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}
