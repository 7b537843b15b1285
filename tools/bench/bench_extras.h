/* SPDX-License-Identifier: MIT */
/*
 * The extras of `decouple bench` (bench_config.h): `decouple irqbench` and
 * `decouple fwdbench`, each run once as a child process with --json, its
 * output in DIR/NAME.txt and its report in DIR/NAME.json.
 */
#ifndef DC_TOOL_BENCH_EXTRAS_H
#define DC_TOOL_BENCH_EXTRAS_H

#include <signal.h>
#include <stddef.h>

#include "bench_result.h"

struct bench_extra_env {
	const char *self;	/* the decouple executable */
	const char *out;	/* bench's --out DIR */
	const char *load;	/* bench's --load: irqbench's second phase */
	int cpu;
	volatile sig_atomic_t *stop;	/* nonzero: stop the child */
	void (*tick)(void *ctx, double elapsed);	/* every 100 ms, may be NULL */
	void *ctx;
};

/*
 * Run extra `kind` and keep its report in x->json.  0 when done; -EINTR
 * when stopped (x stays BENCH_PENDING); -EIO when it failed (BENCH_FAILED,
 * with the exit status and where its output is in x->reason).
 */
int bench_extra_run(struct bench_extra *x, enum bench_extra_kind kind,
		    const struct bench_extra_env *e);

/* One line of its main numbers, for the progress output. */
void bench_extra_brief(const struct bench_extra *x, enum bench_extra_kind kind, char *buf,
		       size_t len);

void bench_extra_free(struct bench_extra *x);

#endif
