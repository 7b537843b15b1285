/* SPDX-License-Identifier: MIT */
/*
 * Transparent forwarding: Syscall User Dispatch on each executive's thread.
 *
 * The kernel reads the executive's selector byte at every system call made
 * outside the library's allowed range (arch sud.S).  The scheduler sets it to
 * BLOCK just before it switches into a decoupled thread and back to ALLOW
 * when it gets the CPU back, so exactly the decoupled code's calls trap.  A
 * trapped call raises SIGSYS on the decoupled thread's own stack, with its
 * registers in the ucontext; the handler forwards the call to the thread's
 * Linux context (the thread blocks, the executive runs others meanwhile),
 * puts the result in the return register and returns through the library's
 * restorer, inside the range, so that rt_sigreturn itself does not trap.
 *
 * vDSO calls (clock_gettime, gettimeofday, getcpu) make no system call and
 * never trap.  Where Syscall User Dispatch is missing (Linux < 5.11, or
 * DC_SUD=off) decoupled code's calls run on the executive's thread as before,
 * and dc_linux_syscall() is the way to the Linux context.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "forward.h"
#include "arch_sud.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH	59
#define PR_SYS_DISPATCH_OFF		0
#define PR_SYS_DISPATCH_ON		1
#define SYSCALL_DISPATCH_FILTER_ALLOW	0
#define SYSCALL_DISPATCH_FILTER_BLOCK	1
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2
#endif

static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_error;
static _Atomic int warned_missing;

static void die(const char *msg)
{
	dc_arch_syscall6(SYS_write, 2, (long)msg, (long)strlen(msg), 0, 0, 0);
	dc_arch_syscall6(SYS_kill, dc_arch_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGKILL,
			 0, 0, 0, 0);
	__builtin_trap();
}

/* Decoupled context, on the trapping thread's stack. */
static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	ucontext_t *uc = ucv;
	struct dc_thread *th = dc_self;
	/* Someone else's SIGSYS (seccomp, say) on the executive cannot be handled. */
	if (si->si_code != SYS_USER_DISPATCH || !th)
		die("decouple: SIGSYS on an executive outside a forwarded call\n");
	long a[6];
	dc_arch_uc_args(uc, a);
	/* `th` may be gone afterwards (a fork child): nothing touches it below. */
	long r = dc_fwd_dispatch(th, dc_arch_uc_nr(uc), a, uc);
	dc_arch_uc_set_result(uc, r);
}

static void install(void)
{
	sigset_t mask;
	dc_handler_mask(&mask);
	/* NODEFER: one thread may trap while another sits in this handler, switched out. */
	install_error = dc_arch_sigaction(SIGSYS, on_sigsys, SA_NODEFER, &mask);
}

static int wanted(void)
{
	const char *env = getenv("DC_SUD");
	return !(env && (!strcmp(env, "off") || !strcmp(env, "0")));
}

/* On the executive's own thread, before its loop (Linux context). */
static int sud_exec_start(struct dc_executive *ex)
{
	ex->fwd.sud_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
	ex->fwd.sud_armed = 0;
	if (!wanted())
		return 0;
	pthread_once(&install_once, install);
	if (install_error)
		return install_error;
	sigset_t sys;
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	int err = pthread_sigmask(SIG_UNBLOCK, &sys, NULL);
	if (err)
		return -err;
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
		  (unsigned long)dc_arch_sud_begin,
		  (unsigned long)(dc_arch_sud_end - dc_arch_sud_begin),
		  (unsigned long)&ex->fwd.sud_selector) != 0) {
		dc_warn_once(&warned_missing,
			     "Syscall User Dispatch unavailable (%s; Linux >= 5.11 has it): system "
			     "calls of decoupled code run on the executive, only dc_linux_syscall() "
			     "forwards them to the thread's Linux context", strerror(errno));
		return 0;
	}
	ex->fwd.sud_armed = 1;
	return 0;
}

static void sud_exec_stop(struct dc_executive *ex)
{
	/* sud_armed stays: dc_executive_stats() reports the last run. */
	if (ex->fwd.sud_armed)
		prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0);
}

static void sud_switch_in(struct dc_executive *ex)
{
	atomic_signal_fence(memory_order_seq_cst);
	ex->fwd.sud_selector = SYSCALL_DISPATCH_FILTER_BLOCK;
	atomic_signal_fence(memory_order_seq_cst);
}

static void sud_switch_out(struct dc_executive *ex)
{
	atomic_signal_fence(memory_order_seq_cst);
	ex->fwd.sud_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
	atomic_signal_fence(memory_order_seq_cst);
}

static void sud_stats(const struct dc_executive *ex, struct dc_executive_stats *st)
{
	st->syscall_dispatch = ex->fwd.sud_armed;
}

/* The scheduler sets the selector around each thread it runs. */
static const struct dc_switch_hook sud_hook = {
	.exec_start = sud_exec_start,
	.exec_stop = sud_exec_stop,
	.switch_in = sud_switch_in,
	.switch_out = sud_switch_out,
	.stats = sud_stats,
};

DC_PLUGIN(sud_register)
{
	dc_core_add_hook(&sud_hook);
}
