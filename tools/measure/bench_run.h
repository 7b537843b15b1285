/* SPDX-License-Identifier: MIT */
/*
 * One measurement of `decouple bench` (and of irqlat's cyclictest turns): a
 * child process in its own process group, its output in a file, and the
 * CPU time it used, from wait4().  Here in tools/measure, which bench may
 * use, so that irqlat runs cyclictest exactly as bench does.
 */
#ifndef DC_TOOL_BENCH_RUN_H
#define DC_TOOL_BENCH_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

struct bench_child {
	pid_t pid;
	struct timespec start;
};

struct bench_outcome {
	int status;		/* exit status, or 128 + signal */
	double wall_s;		/* from fork to reaping */
	double cpu_s;		/* user + system time of the child and what it reaped */
	bool stopped;		/* we killed it: *stop was set, or it overran */
};

/*
 * Start argv[0] (a path, or a name looked up in PATH) with stdout and stderr
 * to out_path.  admit_cpu >= 0: the child first enters the real-time cpuset
 * of the partition that holds that CPU, so that it may pin itself there.
 * 0 or -errno.
 */
int bench_spawn(struct bench_child *c, char *const argv[], const char *out_path, int admit_cpu);

/*
 * Wait for the child.  Every 100 ms tick(ctx, elapsed) is called.  When
 * *stop becomes nonzero or timeout_s passes, the group gets SIGTERM, then
 * SIGKILL two seconds later.  Always reaps.
 */
void bench_wait(struct bench_child *c, volatile sig_atomic_t *stop, double timeout_s,
		void (*tick)(void *ctx, double elapsed), void *ctx, struct bench_outcome *o);

/* Seconds since c->start (CLOCK_MONOTONIC). */
double bench_elapsed(const struct timespec *since);

/*
 * Run argv to completion with its output in out_path (no stop, no tick).
 * The exit status, 128 + signal, or 127 when it could not start.
 */
int bench_run_simple(char *const argv[], const char *out_path);

#endif
