/* SPDX-License-Identifier: MIT */
/*
 * Forwarded calls that are more than a plain call in the Linux context.
 *
 *   exit, exit_group      recouple, then exit under Linux (the executive must
 *                         not run a thread that no longer exists)
 *   rt_sigprocmask        works on the thread's mask, which the Linux context
 *                         applies around its calls; unblocking a pending
 *                         signal delivers it there and then
 *   rt_sigaction          forwarded, except for the library's two signals
 *   rt_sigreturn          no signal frame of the program's lives on the
 *                         executive: -ENOSYS
 *   arch_prctl SET_FS     the decoupled context's TLS (and the Linux one's)
 *   fork, vfork, clone    a new process from the Linux context; its child
 *     without a stack     resumes the caller as an ordinary thread.  vfork is
 *                         a fork: the child must not run on our stacks.
 *   clone with a stack    the child starts on the trapped registers, where
 *                         the program expects it (pthread_create, posix_spawn)
 *   clone3                -ENOSYS: libc then falls back to clone
 *   execve, execveat      with the thread's own affinity, not the housekeeping one
 *   sched_yield           dc_yield(): to the executive's other threads
 *   getpid & co.          cannot block: no signal-mask switch around them
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#ifdef SYS_arch_prctl
#include <asm/prctl.h>
#endif

#include "forward.h"
#include "arch_sud.h"
#include "scheduler.h"

static int quick(long nr)
{
	switch (nr) {
	case SYS_getpid: case SYS_getppid: case SYS_gettid:
	case SYS_getuid: case SYS_geteuid: case SYS_getgid: case SYS_getegid:
	case SYS_getresuid: case SYS_getresgid: case SYS_getpgrp:
	case SYS_clock_gettime: case SYS_clock_getres: case SYS_gettimeofday:
	case SYS_time: case SYS_getcpu: case SYS_uname:
		return 1;
	}
	return 0;
}

__attribute__((noreturn)) static void exit_linux(long nr, long status)
{
	/* Back on the Linux thread; its own exit is Linux's business. */
	dc_recouple();
	dc_arch_syscall6(nr, status, 0, 0, 0, 0, 0);
	__builtin_trap();
}

#ifdef SYS_arch_prctl
static long arch_prctl(struct dc_thread *th, const long a[6])
{
	if (a[0] == ARCH_GET_FS) {
		*(unsigned long *)a[1] = th->tp;
		return 0;
	}
	if (a[0] != ARCH_SET_FS)
		return dc_fwd_call(th, DC_FWD_PLAIN, SYS_arch_prctl, a, NULL);
	/* The Linux context first: it checks the address for us. */
	long r = dc_fwd_call(th, DC_FWD_QUICK, SYS_arch_prctl, a, NULL);
	if (r)
		return r;
	struct dc_executive *ex = th->exec;
	atomic_fetch_add_explicit(&th->preempt_off, 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	th->tp = (uint64_t)a[1];
	ex->cur_tp = th->tp;
	dc_arch_set_tp(th->tp);
	atomic_signal_fence(memory_order_seq_cst);
	dc_preempt_enable(th);
	return 0;
}
#endif

static long clone_call(struct dc_thread *th, long nr, const long a[6], ucontext_t *uc)
{
	long b[6];
	memcpy(b, a, sizeof(b));
	if (nr == SYS_fork || nr == SYS_vfork) {
		memset(b, 0, sizeof(b));
		b[0] = SIGCHLD;
		return dc_fwd_call(th, DC_FWD_FORK, SYS_clone, b, uc);
	}
	unsigned long flags = (unsigned long)a[0];
	if (a[1] == 0) {
		/* Same stack in parent and child: a process of its own, never a thread. */
		if (flags & (CLONE_THREAD | CLONE_SIGHAND))
			return -EINVAL;
		b[0] = (long)(flags & ~(unsigned long)(CLONE_VM | CLONE_VFORK));
		return dc_fwd_call(th, DC_FWD_FORK, SYS_clone, b, uc);
	}
	/* The child starts on the trapped registers: only a trapped call has them. */
	if (!uc)
		return -EINVAL;
	return dc_fwd_call(th, DC_FWD_CLONE_REGS, SYS_clone, b, uc);
}

long dc_fwd_dispatch(struct dc_thread *th, long nr, const long a[6], ucontext_t *uc)
{
	if (quick(nr))
		return dc_fwd_call(th, DC_FWD_QUICK, nr, a, uc);
	switch (nr) {
	case SYS_exit:
	case SYS_exit_group:
		exit_linux(nr, a[0]);
	case SYS_rt_sigprocmask:
		if (a[3] != 8)
			return -EINVAL;
		if (a[0] != SIG_BLOCK && a[0] != SIG_UNBLOCK && a[0] != SIG_SETMASK && a[1])
			return -EINVAL;
		return dc_fwd_call(th, DC_FWD_SIGMASK, nr, a, uc);
	case SYS_rt_sigaction:
		/* The library's handlers must stay: they are how decoupling works. */
		if (a[1] && (a[0] == SIGSYS || a[0] == dc_preempt_signal()))
			return -EINVAL;
		break;
	case SYS_rt_sigreturn:
		return -ENOSYS;
	case SYS_sched_yield:
		/* Yielding the parked Linux context would mean nothing. */
		dc_thread_switch_out(th, DC_TS_YIELDING);
		return 0;
#ifdef SYS_arch_prctl
	case SYS_arch_prctl:
		return arch_prctl(th, a);
#endif
	case SYS_fork:
	case SYS_vfork:
	case SYS_clone:
		return clone_call(th, nr, a, uc);
	case SYS_execve:
	case SYS_execveat:
		return dc_fwd_call(th, DC_FWD_EXEC, nr, a, uc);
#ifdef SYS_clone3
	case SYS_clone3:
		return -ENOSYS;
#endif
	}
	return dc_fwd_call(th, DC_FWD_PLAIN, nr, a, uc);
}

/* --- Linux context -------------------------------------------------------- */

static void set_kernel_mask(const sigset_t *set)
{
	dc_arch_syscall6(SYS_rt_sigprocmask, SIG_SETMASK, (long)set, 0, 8, 0, 0);
}

static long set_thread_mask(struct dc_thread *th)
{
	const long *a = th->fwd.args;
	uint64_t cur, set = 0;
	memcpy(&cur, &th->saved_sigmask, sizeof(cur));
	if (a[1])
		memcpy(&set, (const void *)a[1], sizeof(set));
	if (a[2])
		memcpy((void *)a[2], &cur, sizeof(cur));
	if (a[1]) {
		if (a[0] == SIG_BLOCK)
			cur |= set;
		else if (a[0] == SIG_UNBLOCK)
			cur &= ~set;
		else
			cur = set;
		memcpy(&th->saved_sigmask, &cur, sizeof(cur));
	}
	/* Whatever the new mask lets through is delivered now, here. */
	sigset_t all;
	sigfillset(&all);
	set_kernel_mask(&th->saved_sigmask);
	set_kernel_mask(&all);
	return 0;
}

/* The fork child's Linux context: give the caller back to it, as a plain thread. */
__attribute__((noreturn)) static void become_child(struct dc_thread *th)
{
	dc_arch_syscall6(SYS_sigaltstack, 0, (long)&th->fwd.child_altstack, 0, 0, 0, 0);
	th->fwd.child = 1;
	th->fwd.result = 0;
	atomic_store_explicit(&th->park_word, DC_PARK_WAIT, memory_order_relaxed);
	atomic_store_explicit(&th->fwd.done, 1, memory_order_relaxed);
	atomic_store_explicit(&th->exec->preempt_pending, 0, memory_order_relaxed);
	dc_ctx_resume(&th->ctx);
}

/*
 * The child resumes th->ctx, which is the caller's only once it has switched
 * out: the request is posted before that (the Linux context answers in
 * parallel with the switch).  run() clears `current` after the switch has
 * saved the context, and until our answer nothing makes the caller run
 * again.  A few hundred ns at most: the caller posts with preemption off.
 */
static void wait_saved(struct dc_thread *th)
{
	while (__atomic_load_n(&th->exec->current, __ATOMIC_ACQUIRE) == th)
		dc_arch_relax();
}

static long fork_call(struct dc_thread *th)
{
	const long *a = th->fwd.args;
	sigset_t all;
	sigfillset(&all);
	wait_saved(th);
	/* The child starts with the thread's mask, as fork(2) gives it. */
	set_kernel_mask(&th->saved_sigmask);
	long r = dc_arch_syscall6(SYS_clone, a[0], 0, a[2], a[3], a[4], 0);
	if (r == 0)
		become_child(th);
	set_kernel_mask(&all);
	return r;
}

static long clone_regs_call(struct dc_thread *th)
{
	struct dc_arch_clone_regs regs;
	uint64_t pc = dc_arch_uc_clone_regs(th->fwd.uc, &regs);
	sigset_t all;
	sigfillset(&all);
	regs.rsi = dc_arch_push_resume(th->fwd.args[1], pc);
	set_kernel_mask(&th->saved_sigmask);
	long r = dc_arch_clone_regs(SYS_clone, &regs);
	set_kernel_mask(&all);
	return r;
}

/*
 * The new image is an ordinary process: it must not keep the housekeeping
 * affinity the Linux context has while decoupled, but the thread's own.
 * Back to the housekeeping CPUs if execve fails.
 */
static long exec_call(struct dc_thread *th)
{
	const long *a = th->fwd.args;
	cpu_set_t hk;
	/* Raw calls: this context must not write the thread's errno. */
	int moved = th->affinity_saved &&
		    dc_arch_syscall6(SYS_sched_getaffinity, 0, sizeof(hk), (long)&hk, 0, 0, 0) > 0 &&
		    dc_arch_syscall6(SYS_sched_setaffinity, 0, sizeof(th->saved_affinity),
				     (long)&th->saved_affinity, 0, 0, 0) == 0;
	sigset_t all;
	sigfillset(&all);
	set_kernel_mask(&th->saved_sigmask);
	long r = dc_arch_syscall6(th->fwd.nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	set_kernel_mask(&all);
	if (moved)
		dc_arch_syscall6(SYS_sched_setaffinity, 0, sizeof(hk), (long)&hk, 0, 0, 0);
	return r;
}

long dc_fwd_run_special(struct dc_thread *th)
{
	switch (th->fwd.kind) {
	case DC_FWD_SIGMASK:
		return set_thread_mask(th);
	case DC_FWD_FORK:
		return fork_call(th);
	case DC_FWD_CLONE_REGS:
		return clone_regs_call(th);
	case DC_FWD_EXEC:
		return exec_call(th);
	default:
		return -ENOSYS;
	}
}

/* --- the fork child, back on the caller's stack --------------------------- */

void dc_fwd_child_fixup(struct dc_thread *th)
{
	dc_self = NULL;
	if (th->affinity_saved)
		sched_setaffinity(0, sizeof(th->saved_affinity), &th->saved_affinity);
	ucontext_t *uc = th->fwd.uc;
	if (uc) {
		/* The trapped frame's sigreturn restores these: make them the thread's. */
		memcpy(&uc->uc_sigmask, &th->saved_sigmask, sizeof(uint64_t));
		uc->uc_stack = th->fwd.child_altstack;
	}
	dc_core_fork_child();
	dc_thread_unmap(th);
}
