/* SPDX-License-Identifier: MIT */
/*
 * Forwarding a decoupled thread's Linux system calls to its Linux context.
 *
 * The parked Linux thread is the only one with the thread's identity (tid,
 * credentials, signal state, rseq, robust list), so it runs the call, on a
 * housekeeping CPU, and hands back the raw result.  One request at a time
 * per thread sits in dc_thread.fwd; park_word says "a call waits".
 *
 *   decoupled side                        Linux context (parked)
 *   fill fwd, park_word = CALL  ------->  spins DC_FWD_SPIN_NS, then futex
 *   wake it if it sleeps                  runs the call with the thread's mask
 *   block; the executive runs others      park_word = WAIT, done = 1
 *   resumes with fwd.result     <-------  post WAKE to the executive
 *
 * Both sides poll a little before sleeping in Linux: a futex wake-up costs
 * tens of microseconds on a busy machine, a round trip of polling a few.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "forward.h"
#include "scheduler.h"

/* How long each side polls for the other before sleeping in Linux. */
static uint64_t spin_ns = 50000;

__attribute__((constructor)) static void read_tuning(void)
{
	const char *env = getenv("DC_FWD_SPIN_NS");
	if (env && *env) {
		char *end;
		unsigned long long v = strtoull(env, &end, 10);
		if (!*end && v <= 100000000ull)
			spin_ns = v;
	}
}

/* --- Linux context -------------------------------------------------------- */

static void set_kernel_mask(const sigset_t *set)
{
	dc_arch_syscall6(SYS_rt_sigprocmask, SIG_SETMASK, (long)set, 0, 8, 0, 0);
}

/*
 * A plain call, with the thread's own signal mask while it runs: a signal
 * for the thread interrupts a blocking call and its handler runs here, in
 * the Linux context, exactly as it would have on a thread never decoupled.
 * Outside calls everything stays blocked: the decoupled code owns the TLS.
 */
static long run_plain(struct dc_thread *th)
{
	sigset_t all;
	struct dc_fwd *f = &th->fwd;
	sigfillset(&all);
	set_kernel_mask(&th->saved_sigmask);
	long r = dc_arch_syscall6(f->nr, f->args[0], f->args[1], f->args[2], f->args[3],
				  f->args[4], f->args[5]);
	set_kernel_mask(&all);
	return r;
}

static void answer(struct dc_thread *th, long result)
{
	th->fwd.result = result;
	/* WAIT before done: the next request may follow at once. */
	atomic_store_explicit(&th->park_word, DC_PARK_WAIT, memory_order_relaxed);
	atomic_store_explicit(&th->fwd.done, 1, memory_order_release);
	DC_TEST_POINT(DC_TP_FWD_ANSWERING);
	dc_exec_post(th->exec, th, DC_POST_WAKE);
}

/* The next command for the Linux context: poll first, then sleep on park_word. */
static uint32_t next_command(struct dc_thread *th)
{
	uint64_t until = dc_now() + spin_ns;
	for (;;) {
		uint32_t cmd = atomic_load_explicit(&th->park_word, memory_order_acquire);
		if (cmd != DC_PARK_WAIT)
			return cmd;
		if (dc_now() < until) {
			dc_arch_relax();
			continue;
		}
		/* Dekker with dc_fwd_call(): it stores park_word, then reads linux_waiting. */
		atomic_store_explicit(&th->fwd.linux_waiting, 1, memory_order_seq_cst);
		cmd = atomic_load_explicit(&th->park_word, memory_order_seq_cst);
		if (cmd == DC_PARK_WAIT)
			dc_futex_wait(&th->park_word, DC_PARK_WAIT, DC_FOREVER);
		atomic_store_explicit(&th->fwd.linux_waiting, 0, memory_order_relaxed);
		until = dc_now() + spin_ns;
	}
}

/* The parked Linux context's service: requests until told to resume. */
static void serve(struct dc_thread *th)
{
	for (;;) {
		uint32_t cmd = next_command(th);
		if (cmd == DC_PARK_RESUME)
			return;
		if (cmd != DC_PARK_CALL)
			continue;
		struct dc_fwd *f = &th->fwd;
		long r;
		if (f->kind == DC_FWD_QUICK) {
			r = dc_arch_syscall6(f->nr, f->args[0], f->args[1], f->args[2],
					     f->args[3], f->args[4], f->args[5]);
		} else {
			/*
			 * The thread's signals are open here, and its handlers
			 * run in this context, with its TLS: they are Linux
			 * code, not decoupled code, and must see dc_self NULL
			 * (or they would take the executive's paths from this
			 * CPU: its run queue, its scheduler stack).  The
			 * decoupled side is blocked until answer() and does
			 * not read it meanwhile.
			 */
			dc_self = NULL;
			r = f->kind == DC_FWD_PLAIN ? run_plain(th) : dc_fwd_run_special(th);
			dc_self = th;
		}
		answer(th, r);
	}
}

/* --- decoupled side -------------------------------------------------------- */

/*
 * A call made while the slot holds a request in flight: between posting and
 * blocking, a library call that enters the kernel (dc_now()'s clock_gettime
 * where the vDSO falls back to the system call) traps, and the trap lands
 * here.  Overwriting the
 * slot would give the outer call this one's answer and leave an answer on
 * its way to the next (tests/fwd-nested.c).  So: wait for the outer answer,
 * keep it, run this call, and put the outer answer back for its caller.
 */
static long nested_call(struct dc_thread *th, enum dc_fwd_kind kind, long nr,
			const long args[6], ucontext_t *uc)
{
	struct dc_fwd *f = &th->fwd;
	while (!atomic_load_explicit(&f->done, memory_order_acquire))
		dc_thread_switch_out(th, DC_TS_BLOCKED);
	if (f->child)	/* the outer call was a fork, and this is its child: no executive */
		return dc_arch_syscall6(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
	long outer = f->result;
	f->in_flight = 0;
	long r = dc_fwd_call(th, kind, nr, args, uc);
	f->result = outer;
	f->in_flight = 1;
	atomic_store_explicit(&f->done, 1, memory_order_release);
	return r;
}

long dc_fwd_call(struct dc_thread *th, enum dc_fwd_kind kind, long nr, const long args[6],
		 ucontext_t *uc)
{
	struct dc_executive *ex = th->exec;
	struct dc_fwd *f = &th->fwd;
	if (f->in_flight)
		return nested_call(th, kind, nr, args, uc);
	f->kind = kind;
	f->nr = nr;
	memcpy(f->args, args, sizeof(f->args));
	f->uc = uc;
	f->in_flight = 1;
	atomic_store_explicit(&f->done, 0, memory_order_relaxed);
	th->deadline = DC_FOREVER;
	atomic_fetch_add_explicit(&ex->st_forwards, 1, memory_order_relaxed);

	/*
	 * From the post to the switch no preemption: a thread preempted there
	 * would be READY when its answer comes, and the wake-up would be lost.
	 */
	atomic_fetch_add_explicit(&th->preempt_off, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	atomic_store_explicit(&th->park_word, DC_PARK_CALL, memory_order_seq_cst);
	if (atomic_load_explicit(&f->linux_waiting, memory_order_seq_cst))
		dc_futex_wake(&th->park_word, 1);
	/*
	 * After the post, so that the Linux context starts at once: dc_now()
	 * does not trap where the vDSO reads the clock, and where it does,
	 * nested_call() keeps the request in flight intact.
	 */
	atomic_store_explicit(&ex->poll_until, dc_now() + spin_ns, memory_order_relaxed);
	DC_TEST_POINT(DC_TP_FWD_POSTED);
	/* Only our own answer's post wakes us here; check anyway. */
	while (!atomic_load_explicit(&f->done, memory_order_acquire))
		dc_thread_switch_out(th, DC_TS_BLOCKED);
	atomic_signal_fence(memory_order_seq_cst);
	f->in_flight = 0;
	long r = f->result;
	if (f->child) {
		/* A fork child: no executive here, and th goes away. */
		dc_fwd_child_fixup(th);
		return r;
	}
	dc_preempt_enable(th);
	return r;
}

DC_PLUGIN(forward_register)
{
	dc_core_set_park_service(serve);
}

long dc_linux_syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	va_start(ap, nr);
	/* Like syscall(3): six arguments, whether the call takes them or not. */
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	struct dc_thread *th = dc_self;
	if (!th)
		return dc_arch_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	return dc_fwd_dispatch(th, nr, a, NULL);
}
