/* SPDX-License-Identifier: MIT */
/*
 * Decoupling and recoupling a thread.
 *
 * dc_decouple() saves the caller's registers, moves the Linux thread onto a
 * small private stack and posts the saved context to the executive, which
 * resumes it on the real-time CPU.  The Linux thread ("Linux context") then
 * sleeps on a futex until the executive hands the context back: it keeps its
 * tid, credentials, fd table and signal state.  While parked it runs only
 * code in this file, with raw system calls: the decoupled code owns the TLS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "scheduler.h"

DC_TLS struct dc_thread *dc_self;

int dc_is_decoupled(void)
{
	return dc_self != NULL;
}

/* The Linux context, parked.  Runs on th->park_stack; never returns. */
static void park_main(void *arg)
{
	struct dc_thread *th = arg;
	dc_ctx_started(&th->park_ctx);
	dc_exec_post(th->exec, th, DC_POST_ARRIVE);
	/* Its decoupled code's requests (forwarded calls) until the thread recouples. */
	dc_park_serve(th);
	dc_ctx_resume(&th->ctx);
}

/* Keep the parked Linux context off the real-time CPU, if it can go elsewhere. */
static void move_to_housekeeping(struct dc_thread *th, int cpu)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(th->saved_affinity), &th->saved_affinity) != 0)
		return;
	set = th->saved_affinity;
	CPU_CLR(cpu, &set);
	if (CPU_COUNT(&set) == 0)
		return;
	if (sched_setaffinity(0, sizeof(set), &set) == 0)
		th->affinity_saved = 1;
}

/*
 * The record and the Linux context's stack in one mapping, the stack's
 * guard page lowest: an overflow of the stack (a program's signal handler
 * runs there) faults instead of writing over the record above it.
 */
static struct dc_thread *thread_map(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t rec = (sizeof(struct dc_thread) + page - 1) & ~(page - 1);
	size_t size = page + DC_PARK_STACK_SIZE + rec;
	unsigned char *base = mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	if (mprotect(base, page, PROT_NONE) != 0) {
		munmap(base, size);
		return NULL;
	}
	struct dc_thread *th = (struct dc_thread *)(base + page + DC_PARK_STACK_SIZE);
	th->park_stack = base + page;
	th->map_base = base;
	th->map_size = size;
	return th;
}

void dc_thread_unmap(struct dc_thread *th)
{
	/* Raw: a fork child calls this with the thread's TLS in an odd state. */
	dc_arch_syscall6(SYS_munmap, (long)th->map_base, (long)th->map_size, 0, 0, 0, 0);
}

int dc_decouple(int cpu, int prio)
{
	if (dc_self)
		return -EALREADY;
	if (prio < DC_PRIO_MIN || prio > DC_PRIO_MAX)
		return -EINVAL;

	struct dc_thread *th = thread_map();
	if (!th)
		return -ENOMEM;
	th->prio = prio;
	th->linux_tid = (int)syscall(SYS_gettid);
	th->tp = dc_arch_get_tp();
	th->heap_index = -1;
	th->deadline = DC_FOREVER;
	th->state = DC_TS_ARRIVING;
	/* Not preemptible until it has landed on the executive. */
	atomic_store(&th->preempt_off, 1);
	atomic_store(&th->park_word, DC_PARK_WAIT);

	int err = dc_exec_acquire(cpu, &th->exec);
	if (err) {
		dc_thread_unmap(th);
		return err;
	}

	/*
	 * Signals wait for the Linux context to run user code again (on
	 * dc_recouple()): a handler must not run on the park stack while the
	 * decoupled code owns this thread's TLS.
	 */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &th->saved_sigmask);
	move_to_housekeeping(th, cpu);

	dc_self = th;
	dc_ctx_init_current(&th->ctx);
	dc_ctx_init_stack(&th->park_ctx, th->park_stack, DC_PARK_STACK_SIZE);
	dc_ctx_switch_new(&th->ctx, &th->park_ctx, park_main, th);
	/* Here we run on the executive. */
	atomic_store_explicit(&dc_self->exec->in_thread, 1, memory_order_relaxed);
	dc_preempt_enable(dc_self);
	return 0;
}

/*
 * Linux side of a thread that left: wait until its executive holds no
 * reference to the record, before it is unmapped.  The executive may still
 * be waking us (scheduler.c, DC_TS_LEAVING: a system call at most).  And a
 * post of ours may still sit in its inbox: the answer of the last forwarded
 * call, when the caller saw `done` before the post was made and recoupled
 * at once (tests/inbox-stale.c).  `pending` stays set until the executive's
 * drain has taken it, and the drain touches nothing of a leaving thread
 * after that.  It drains when it next schedules: at once when idle.
 */
static void wait_unreferenced(struct dc_thread *th)
{
	while (!atomic_load_explicit(&th->released, memory_order_acquire))
		dc_arch_relax();
	for (unsigned spins = 0; atomic_load_explicit(&th->pending, memory_order_acquire); spins++) {
		if (spins == 0)
			dc_exec_wake(th->exec);
		if (spins < 1000) {
			dc_arch_relax();
		} else {
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);
		}
	}
}

int dc_recouple(void)
{
	struct dc_thread *th = dc_self;
	if (!th)
		return -EPERM;
	dc_thread_switch_out(th, DC_TS_LEAVING);

	/* Back in the Linux context, on the thread's own stack. */
	dc_self = NULL;
	wait_unreferenced(th);
	if (th->affinity_saved)
		sched_setaffinity(0, sizeof(th->saved_affinity), &th->saved_affinity);
	pthread_sigmask(SIG_SETMASK, &th->saved_sigmask, NULL);
	dc_ctx_destroy(&th->park_ctx);
	dc_exec_release(th->exec);
	dc_thread_unmap(th);
	return 0;
}
