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
#include <stdint.h>
#include <ucontext.h>

#include "core.h"

/* Decoupled context: run `nr` in the Linux context and wait for it. */
long dc_fwd_call(struct dc_thread *th, enum dc_fwd_kind kind, long nr, const long args[6],
		 ucontext_t *uc);

/* Decoupled context: a call from either path, special ones included. */
long dc_fwd_dispatch(struct dc_thread *th, long nr, const long args[6], ucontext_t *uc);

/* Linux context: run one request (forward_special.c does the special kinds). */
long dc_fwd_run_special(struct dc_thread *th);
/* Decoupled context, in a fork child: become an ordinary thread. */
void dc_fwd_child_fixup(struct dc_thread *th);

#endif
