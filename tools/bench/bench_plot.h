/* SPDX-License-Identifier: MIT */
/*
 * The figures of `decouple bench`, drawn by gnuplot: a histogram per
 * configuration (latency-CONFIG.png, like the paper's Figures 3-8) and all
 * of them on one log-log plot (overview.png).  The data (latency-CONFIG.dat)
 * and the script (figures.gp) stay in the directory, to be redrawn.
 */
#ifndef DC_TOOL_BENCH_PLOT_H
#define DC_TOOL_BENCH_PLOT_H

#include "bench_result.h"

#define BENCH_BINS_PER_DECADE 20

/* Bin of a latency: 20 per decade from 1 ns up. */
int bench_bin(uint64_t ns);
/* Lower edge of a bin, in µs. */
double bench_bin_low_us(int bin);

/* latency-NAME.dat in dir: "low_us high_us count" for every nonzero bin.  0 or -errno. */
int bench_plot_data(const char *dir, const struct bench_result *r);

/*
 * figures.gp for every measured configuration of r[BENCH_NCONFIGS] (their
 * .dat files written already).  0 or -errno.
 */
int bench_plot_script(const char *dir, const struct bench_result *r);

/* Run gnuplot on figures.gp in dir; its output in raw/gnuplot.log.  Its exit status. */
int bench_plot_run(const char *dir);

#endif
