/* SPDX-License-Identifier: MIT */
/*
 * The measuring threads of `decouple irqlat`: interrupt latency from the
 * programmed expiry of a periodic absolute timerfd (a real LAPIC timer
 * interrupt whose fire times are known) to the first instruction that
 * runs after the wake-up, for three in-process variants that take turns:
 *
 * decoupled: ISR threads decoupled onto the CPU's executive, each in
 *            dc_irq_wait() on dc_irq_from_fd_attr(its timerfd, path).
 * linux:     SCHED_FIFO Linux threads pinned to the CPU, in read() on
 *            the same kind of timerfd.
 * floor:     one thread polling dc_now() back to back on the CPU; the
 *            first gap longer than a threshold after an expiry (once
 *            the timerfd says it fired) ends at the return to user space:
 *            the least any path can achieve on this CPU.
 *
 * cyclictest, the fourth variant, is a child process (irqlat_cyclictest.h).
 * Each thread's samples accumulate over the turns in storage that was
 * allocated and touched before the first one.
 */
#ifndef DC_TOOL_IRQLAT_MEASURE_H
#define DC_TOOL_IRQLAT_MEASURE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "decouple.h"
#include "decouple-io.h"
#include "rtmeasure.h"
#include "samples.h"

enum irqlat_variant {
	IRQLAT_DECOUPLED,
	IRQLAT_LINUX,
	IRQLAT_CYCLICTEST,
	IRQLAT_FLOOR,
	IRQLAT_NVARIANTS,
};

/* "decoupled", "linux", "cyclictest", "floor": the --variants names. */
extern const char *const irqlat_variant_names[IRQLAT_NVARIANTS];

#define IRQLAT_MAX_THREADS 64

/* One measuring thread's results, over every turn of its variant. */
struct irqlat_thread {
	struct samples s;	/* latency in ns, in wake-up order */
	uint64_t missed;	/* periods that passed without a wake-up */
	uint64_t early;		/* wake-ups before the expiry by dc_now() (kept as 0) */
	_Atomic int tid;
	struct rtm_live live;	/* this turn, for the progress line */
};

/* One turn of one in-process variant. */
struct irqlat_turn {
	/* set by the caller */
	enum irqlat_variant variant;	/* not IRQLAT_CYCLICTEST */
	int cpu;
	int prio;			/* SCHED_FIFO 1..99 (and the decoupled threads') */
	enum dc_irq_path path;		/* decoupled: the path asked for */
	enum dc_placement placement;	/* decoupled: the executive's */
	uint64_t period_ns;
	uint64_t loops;			/* wake-ups per thread this turn; 0: by duration */
	uint64_t duration_ns;		/* 0: by loops */
	uint64_t floor_threshold_ns;	/* floor: a shorter step is no gap */
	_Atomic int *stop;
	int nthreads;			/* the floor uses th[0] only */
	struct irqlat_thread *th;

	/* results, after irqlat_turn_join() */
	int err;			/* the first thread's setup or run error, -errno */
	const char *err_what;		/* what failed: "decouple onto", "bind the timerfd" ... */
	int path_used;			/* decoupled: dc_irq_path_of() of thread 0's Irq */
	struct dc_executive_stats st;	/* decoupled: the executive's totals */
	int have_stats;
	_Atomic int finished;		/* every thread has ended */

	/* private */
	_Atomic int left;
	pthread_t threads[IRQLAT_MAX_THREADS];
	int started;
};

/* Storage for max_samples per thread, touched now.  0 or -ENOMEM. */
int irqlat_thread_init(struct irqlat_thread *th, size_t max_samples);
void irqlat_thread_free(struct irqlat_thread *th);

/* Start the turn's threads.  0 or -errno (nothing left running). */
int irqlat_turn_start(struct irqlat_turn *t);
/* Wait for them; t->err says how it went. */
void irqlat_turn_join(struct irqlat_turn *t);

#endif
