/* SPDX-License-Identifier: MIT */
/*
 * The core: executives, decoupled threads, time and the scheduler.  It knows
 * nothing of its plug-ins (forwarding in lib/forward/, I/O objects in
 * lib/io/); they extend it through the two tables at the end of this file.
 *
 * Code that runs on the executive (marked "executive context") must not
 * touch TLS of its own, errno, locks or the allocator: while it runs, the FS
 * base may hold a decoupled thread's TLS.
 */
#ifndef DC_CORE_H
#define DC_CORE_H

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <pthread.h>

#include "decouple.h"
#include "arch.h"
#include "ctx.h"
#include "log.h"
#include "request.h"	/* the forwarding records each thread and executive carry */
#include "testpoint.h"

#define DC_MAX_CPUS		1024
#define DC_MAX_THREADS		256		/* decoupled threads per executive */
#define DC_NPRIO		(DC_PRIO_MAX + 1)
/*
 * The Linux context's stack: program signal handlers run on it during
 * forwarded calls, on top of the kernel's signal frame (3 KiB with AVX-512,
 * 11 KiB with AMX).  A guard page below it (thread.c).
 */
#define DC_PARK_STACK_SIZE	(64 * 1024)
#define DC_DEFAULT_EXEC_PRIO	98
/*
 * Timer lead: a sleeper is switched in this long before its deadline and
 * spins the rest in its own context, so that the switch-in (scheduler, FS
 * base, context switch: 0.2 µs at the median, 1-2.5 µs in the tail under
 * load on our VMs) lands before the deadline instead of after it.  The idea
 * is Xenomai's timer "gravity"; unlike gravity, dc_sleep_until() never
 * returns early.  DC_TIMER_LEAD_NS overrides it (0 turns it off).
 */
#define DC_TIMER_LEAD_NS	2500
#define DC_TIMER_LEAD_MAX_NS	100000

/* Thread-local variables read from decoupled code must be initial-exec. */
#define DC_TLS __thread __attribute__((tls_model("initial-exec")))

/* --- clock ---------------------------------------------------------------- */
int dc_clock_uses_tsc(void);

/* --- futex (raw: safe in executive context) ------------------------------- */
long dc_futex_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t abs_deadline_ns);
long dc_futex_wake(_Atomic uint32_t *word, int n);

/* --- decoupled threads ---------------------------------------------------- */
enum dc_thread_state {
	DC_TS_ARRIVING,		/* posted by its Linux context, not yet seen */
	DC_TS_READY,		/* on the run queue */
	DC_TS_RUNNING,
	DC_TS_SLEEPING,		/* on the timer queue */
	DC_TS_BLOCKED,		/* waiting for an event (syscall result, Irq) */
	DC_TS_YIELDING,		/* wants to go to the back of its priority */
	DC_TS_LEAVING,		/* dc_recouple(): back to its Linux context */
	DC_TS_PREEMPTED,	/* interrupted: goes to the front of its priority */
};

/* Why a thread sits in its executive's inbox (bits of dc_thread.pending). */
#define DC_POST_ARRIVE		(1u << 0)
#define DC_POST_WAKE		(1u << 1)

/* Commands from the executive to a parked Linux context (dc_thread.park_word). */
#define DC_PARK_WAIT		0u
#define DC_PARK_RESUME		1u
#define DC_PARK_CALL		2u	/* a forwarded system call waits in dc_thread.fwd */

struct dc_executive;

struct dc_thread {
	struct dc_ctx ctx;		/* the decoupled execution state while not running */
	struct dc_ctx park_ctx;		/* the Linux context while parked */
	struct dc_executive *exec;
	int prio;
	int linux_tid;
	uint64_t tp;			/* thread pointer (TLS) of the Linux context */
	enum dc_thread_state state;

	/* scheduler bookkeeping, executive context only */
	struct dc_thread *rq_next;
	uint64_t deadline;
	int heap_index;			/* in the timer queue, -1 if absent */
	uint64_t wake_reason;		/* set by whoever made it ready */
	_Atomic int preempt_off;	/* >0: inside library bookkeeping, do not preempt */

	/* handoff between the Linux context, other threads and the executive */
	_Atomic uint32_t park_word;
	_Atomic int released;		/* the executive has let go of a leaving thread */
	_Atomic uint32_t pending;
	struct dc_thread *_Atomic inbox_next;

	/* restored when the thread recouples */
	cpu_set_t saved_affinity;
	int affinity_saved;
	sigset_t saved_sigmask;		/* also the mask forwarded calls run with */

	struct dc_fwd fwd;		/* forwarded system call (lib/forward/) */

	/* One mapping: [guard page][park stack][this record] (thread.c) */
	unsigned char *park_stack;	/* DC_PARK_STACK_SIZE bytes */
	void *map_base;
	size_t map_size;
};

/* Unmap a thread's record and park stack: its last use, by its Linux side. */
void dc_thread_unmap(struct dc_thread *th);

/*
 * The decoupled thread whose decoupled code is the caller, or NULL.  It
 * lives in the thread's TLS, which its Linux context shares: that context
 * sets it to NULL while it runs anything with the thread's signals open
 * (forward.c), so a signal handler there sees NULL and is Linux code.  In
 * executive context it names whichever thread's TLS is loaded: executive
 * code never reads it (docs/internals.md).
 */
extern DC_TLS struct dc_thread *dc_self;

/* --- run queue: O(1) by priority, FIFO within one ---------------------------- */
struct dc_runqueue {
	uint64_t bitmap[DC_NPRIO / 64];
	struct dc_thread *head[DC_NPRIO], *tail[DC_NPRIO];
};
void dc_rq_push(struct dc_runqueue *rq, struct dc_thread *th);
void dc_rq_push_front(struct dc_runqueue *rq, struct dc_thread *th);
struct dc_thread *dc_rq_pop(struct dc_runqueue *rq);
int dc_rq_top_prio(const struct dc_runqueue *rq);	/* -1 when empty */

/* --- timer queue: a binary min-heap of absolute deadlines -------------------- */
struct dc_timerq {
	struct dc_thread *heap[DC_MAX_THREADS];
	int n;
};
void dc_tq_insert(struct dc_timerq *tq, struct dc_thread *th);
void dc_tq_remove(struct dc_timerq *tq, struct dc_thread *th);
static inline uint64_t dc_tq_next(const struct dc_timerq *tq)
{
	return tq->n ? tq->heap[0]->deadline : DC_FOREVER;
}
struct dc_thread *dc_tq_pop(struct dc_timerq *tq);

/* --- executives ------------------------------------------------------------- */
enum dc_exec_life { DC_EXEC_STOPPED, DC_EXEC_RUNNING, DC_EXEC_STOPPING };

/* Adaptive early-wake margin of the shared placement. */
#define DC_MARGIN_WINDOW 256
struct dc_margin {
	uint32_t late_ns[DC_MARGIN_WINDOW];	/* recent kernel wake-up lateness */
	unsigned n, next;
	uint64_t margin_ns;			/* wanted: covers nearly every wake-up */
	uint64_t median_ns;			/* a typical wake-up, with slack */
	unsigned spun;				/* idle periods spun through since a sleep */
};
void dc_margin_init(struct dc_margin *m);
void dc_margin_observe(struct dc_margin *m, int64_t late_ns);
/*
 * How long before the end of an idle period of `span` ns to wake from a
 * Linux sleep; 0: poll the whole period (see the policy in idle.c).
 */
uint64_t dc_margin_for(struct dc_margin *m, uint64_t span);

struct dc_executive {
	int cpu;
	struct dc_executive_attr attr;		/* as configured */
	enum dc_placement placement;		/* in effect */
	uint64_t timer_lead_ns;			/* see DC_TIMER_LEAD_NS */
	int configured;

	/* lifecycle, under dc_exec_lock */
	enum dc_exec_life life;
	unsigned users;				/* decoupled threads, counted by Linux side */
	pthread_t pthread;
	int start_error;
	_Atomic int started;

	/* executive context only */
	int tid;
	uint64_t own_tp, cur_tp;
	struct dc_ctx sched_ctx;
	struct dc_thread *current;
	struct dc_runqueue rq;
	struct dc_timerq tq;
	unsigned nthreads;
	struct dc_margin margin;
	int dma_latency_fd;
	int bell_fd;				/* eventfd: the doorbell of DC_SLEEP_POLL */
	int pid;
	int preempt_timer;			/* POSIX timer id, -1 if none */
	int preempt_armed;

	struct dc_fwd_exec fwd;			/* system-call forwarding (lib/forward/) */
	/* A plug-in expects an event within microseconds: idle polls, not sleeps, until then. */
	_Atomic uint64_t poll_until;

	/*
	 * Cache-line layout for cross-CPU wake-ups (the executive is allocated
	 * 64-byte aligned).  This line is written by other CPUs (posts, ring())
	 * and only read by the executive; so that a waker's reads of it hit in
	 * its own cache, nothing the executive writes on every switch lives here.
	 * inbox: a lock-free stack of threads with pending posts.
	 */
	_Alignas(64) struct dc_thread *_Atomic inbox;
	_Atomic uint32_t doorbell;
	_Atomic int sleeping;			/* a DC_SLEEP_*: how to wake it */
	_Atomic int stop;

	/*
	 * Priority of the thread running now, 0 if none: written by the
	 * executive, read by every waker (preemption kick).  A line of its
	 * own, so that the executive's other writes do not invalidate the
	 * wakers' copy; it is not written for DC_PRIO_MAX threads (preempt.c).
	 */
	_Alignas(64) _Atomic int running_prio;

	/* executive CPU only (its threads, the preemption signal handler) */
	_Alignas(64) _Atomic int in_thread;	/* a decoupled context has landed and runs */
	_Atomic int preempt_pending;		/* a preemption came while it could not act */

	/* statistics, written by the executive, read by anyone */
	_Atomic uint64_t st_start_ns, st_spin_ns, st_sleep_ns, st_run_ns, st_switches,
		st_linux_wakeups, st_late_wakeups, st_stop_ns, st_preemptions, st_forwards;
};

/* How an idle executive sleeps in Linux, so that wakers know how to wake it. */
#define DC_SLEEP_AWAKE	0
#define DC_SLEEP_FUTEX	1	/* on the doorbell futex */
#define DC_SLEEP_POLL	2	/* in ppoll() on event sources' fds and bell_fd */

/*
 * Bump the doorbell and wake the executive if it sleeps in Linux: nonzero
 * if it did.  Any thread, async-signal-safe.
 */
int dc_exec_wake(struct dc_executive *ex);

/* Post `why` for `th` to its executive; any thread, async-signal-safe. */
void dc_exec_post(struct dc_executive *ex, struct dc_thread *th, uint32_t why);

/* Take a reference on the executive of `cpu`, starting it if needed. */
int dc_exec_acquire(int cpu, struct dc_executive **out);
/* Drop it; the last one stops the executive and waits for it. */
void dc_exec_release(struct dc_executive *ex);

/* Decoupled code: give the CPU back to the scheduler in state `st`. */
void dc_thread_switch_out(struct dc_thread *th, enum dc_thread_state st);

/* The executive of `cpu` if one was ever made, else NULL; async-signal-safe. */
struct dc_executive *dc_exec_of(int cpu);

/* In a fork child: no executive runs there; let it start its own. */
void dc_exec_forget_after_fork(void);

/* 0 if `cpu` exists and is online, -EINVAL or -ENODEV otherwise. */
int dc_valid_cpu(int cpu);

/* --- preemption (preempt.c) ------------------------------------------------ */
int dc_preempt_signal(void);
int dc_preempt_exec_init(struct dc_executive *ex);
void dc_preempt_exec_fini(struct dc_executive *ex);
void dc_preempt_arm(struct dc_executive *ex, struct dc_thread *th);
void dc_preempt_disarm(struct dc_executive *ex);
void dc_preempt_kick(struct dc_executive *ex, const struct dc_thread *th);
/* Send `ex` the preemption signal (what a kick does once it has decided). */
void dc_preempt_send(struct dc_executive *ex);
/* End a preempt_off section; a preemption that came meanwhile happens now. */
void dc_preempt_enable(struct dc_thread *th);

/* --- plug-ins ---------------------------------------------------------------- */
/*
 * The core calls nothing of its plug-ins by name.  They register entries in
 * two tables that the core owns: event sources, which the executive polls
 * between threads and while idle, and switch hooks, run around each thread
 * it runs.  Plug-ins register from constructors (DC_PLUGIN below), so the
 * tables are complete before main() and read without locks afterwards.
 */
struct dc_event_source {
	int order;	/* polled in ascending order: sources that fire Irqs before the waiters' */
	/* Executive context: make ready the threads whose events came; nonzero if any. */
	int (*poll)(struct dc_executive *ex);
	/* Whether poll() has work, without doing it (read-only).  May be NULL. */
	int (*pending)(struct dc_executive *ex);
	/*
	 * Nonzero while only polling serves this source (a status word in
	 * device memory): the executive then never sleeps in Linux and runs
	 * no timer lead, so that its idle loop keeps reading it.  May be NULL.
	 */
	int (*needs_polling)(const struct dc_executive *ex);
	/*
	 * File descriptors whose readiness must end a Linux sleep of the
	 * executive (shared placement): it then sleeps in ppoll() on them and
	 * on its bell, instead of on the doorbell futex, and the device's own
	 * wake-up wakes the executive on its CPU.  Up to `max`; how many.
	 * Executive context.  May be NULL.
	 */
	int (*wait_fds)(struct dc_executive *ex, struct pollfd *fds, int max);
};

struct dc_switch_hook {
	/* On the executive's own thread, before its loop; 0 or -errno.  May be NULL. */
	int (*exec_start)(struct dc_executive *ex);
	/* After its loop, back on its own TLS.  May be NULL. */
	void (*exec_stop)(struct dc_executive *ex);
	/* Executive context: right before a thread runs, and right after it gave the CPU back.  May be NULL. */
	void (*switch_in)(struct dc_executive *ex);
	void (*switch_out)(struct dc_executive *ex);
	/* Fill in the plug-in's part of dc_executive_stats().  May be NULL. */
	void (*stats)(const struct dc_executive *ex, struct dc_executive_stats *st);
	/*
	 * In the child of a fork, where only the forking thread exists: let
	 * go of what the parent's threads serve (fds, rings, device words
	 * shared with the parent) and of locks they may have held.  Only
	 * async-signal-safe work.  May be NULL.
	 */
	void (*fork_child)(void);
};

/* From constructors only. */
void dc_core_add_source(const struct dc_event_source *src);
void dc_core_add_hook(const struct dc_switch_hook *hook);
/*
 * What a parked Linux context does until the executive resumes it (DC_PARK_RESUME):
 * serve its decoupled code's requests.  Without one it only waits.
 */
void dc_core_set_park_service(void (*serve)(struct dc_thread *th));
#define DC_PLUGIN(name) __attribute__((constructor)) static void name(void)
/*
 * The fork child's clean-up: the parent's executives forgotten, then each
 * hook's fork_child.  Run by pthread_atfork() for fork(2) from Linux code,
 * and by the forwarding of a fork from decoupled code, which is a raw clone.
 */
void dc_core_fork_child(void);

/* Executive context: the tables, walked. */
int dc_sources_poll(struct dc_executive *ex);
/* Inline: the timer lead's spin asks it on every iteration (plugin.c). */
extern int (*dc_pending_fns[])(struct dc_executive *ex);
extern int dc_npending;
static inline int dc_sources_pending(struct dc_executive *ex)
{
	for (int i = 0; i < dc_npending; i++)
		if (dc_pending_fns[i](ex))
			return 1;
	return 0;
}
int dc_sources_need_polling(const struct dc_executive *ex);
int dc_sources_wait_fds(struct dc_executive *ex, struct pollfd *fds, int max);
int dc_hooks_exec_start(struct dc_executive *ex);
void dc_hooks_exec_stop(struct dc_executive *ex);
void dc_hooks_switch_in(struct dc_executive *ex);
void dc_hooks_switch_out(struct dc_executive *ex);
void dc_hooks_stats(const struct dc_executive *ex, struct dc_executive_stats *st);
/* The parked Linux context (thread.c): the park service, until resumed. */
void dc_park_serve(struct dc_thread *th);

/* The mask of the library's handlers on the executive: only its own signals stay open. */
void dc_handler_mask(sigset_t *mask);

#endif
