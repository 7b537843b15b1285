/* SPDX-License-Identifier: MIT */
/*
 * System-call forwarding: a decoupled thread's Linux system calls run in its
 * Linux context (forward.c), trapped by Syscall User Dispatch (sud.c) or
 * asked for with dc_linux_syscall(); calls that are more than a plain call
 * are forward_special.c's.
 */
#ifndef DC_FORWARD_H
#define DC_FORWARD_H

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <ucontext.h>

struct dc_thread;
struct dc_executive;

/* What the Linux context does with a request. */
enum dc_fwd_kind {
	DC_FWD_PLAIN,		/* the call as it is, with the thread's signal mask */
	DC_FWD_QUICK,		/* a call that cannot block: no signal-mask switch */
	DC_FWD_SIGMASK,		/* rt_sigprocmask on the thread's signal mask */
	DC_FWD_FORK,		/* a new process; the child resumes the caller under Linux */
	DC_FWD_CLONE_REGS,	/* clone with a new stack: the child starts on the trapped registers */
};

/* One request at a time per thread: the caller is blocked until its answer. */
struct dc_fwd {
	enum dc_fwd_kind kind;
	long nr, args[6], result;
	ucontext_t *uc;			/* the trapped state; NULL for dc_linux_syscall() */
	uint64_t resume_pc;		/* DC_FWD_CLONE_REGS: where the child starts */
	_Atomic uint32_t done;		/* result posted */
	_Atomic int linux_waiting;	/* the Linux context sleeps on park_word */
	int child;			/* this copy of the thread is a fork child's */
	stack_t child_altstack;		/* the Linux context's, for the child's sigreturn */
};

/* The Linux context's loop: serve requests until told to resume (thread.c). */
void dc_fwd_serve(struct dc_thread *th);

/* Decoupled context: run `nr` in the Linux context and wait for it. */
long dc_fwd_call(struct dc_thread *th, enum dc_fwd_kind kind, long nr, const long args[6],
		 ucontext_t *uc);

/* Decoupled context: a call from either path, special ones included. */
long dc_fwd_dispatch(struct dc_thread *th, long nr, const long args[6], ucontext_t *uc);

/* Linux context: run one request (forward_special.c does the special kinds). */
long dc_fwd_run_special(struct dc_thread *th);
/* Decoupled context, in a fork child: become an ordinary thread. */
void dc_fwd_child_fixup(struct dc_thread *th);

/* Syscall User Dispatch on the executive's thread (sud.c). */
int dc_sud_exec_init(struct dc_executive *ex);
void dc_sud_exec_fini(struct dc_executive *ex);
/* The selector: BLOCK while decoupled code runs, ALLOW while the executive does. */
void dc_sud_enter_thread(struct dc_executive *ex);
void dc_sud_leave_thread(struct dc_executive *ex);
/* The mask of the library's handlers on the executive: SIGSYS and preemption stay open. */
void dc_sud_handler_mask(sigset_t *mask);

#endif
