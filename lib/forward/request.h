/* SPDX-License-Identifier: MIT */
/*
 * The records of system-call forwarding that the core's structures carry:
 * one request slot per decoupled thread and the Syscall User Dispatch state
 * of each executive.  Types only: the core embeds them and never reads their
 * fields; lib/forward/ owns them.
 */
#ifndef DC_REQUEST_H
#define DC_REQUEST_H

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <ucontext.h>

/* What the Linux context does with a request. */
enum dc_fwd_kind {
	DC_FWD_PLAIN,		/* the call as it is, with the thread's signal mask */
	DC_FWD_QUICK,		/* a call that cannot block: no signal-mask switch */
	DC_FWD_SIGMASK,		/* rt_sigprocmask on the thread's signal mask */
	DC_FWD_FORK,		/* a new process; the child resumes the caller under Linux */
	DC_FWD_CLONE_REGS,	/* clone with a new stack: the child starts on the trapped registers */
	DC_FWD_EXEC,		/* execve: the new image gets the thread's own affinity back */
};

/* One request at a time per thread: the caller is blocked until its answer. */
struct dc_fwd {
	enum dc_fwd_kind kind;
	long nr, args[6], result;
	ucontext_t *uc;			/* the trapped state; NULL for dc_linux_syscall() */
	uint64_t resume_pc;		/* DC_FWD_CLONE_REGS: where the child starts */
	_Atomic uint32_t done;		/* result posted */
	_Atomic int linux_waiting;	/* the Linux context sleeps on park_word */
	int in_flight;			/* decoupled side: posted, answer not yet taken */
	int child;			/* this copy of the thread is a fork child's */
	stack_t child_altstack;		/* the Linux context's, for the child's sigreturn */
};

/* Per executive (sud.c). */
struct dc_fwd_exec {
	volatile char sud_selector;	/* read by the kernel at each syscall */
	int sud_armed;
};

#endif
