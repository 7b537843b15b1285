/* SPDX-License-Identifier: MIT */
/*
 * Execution contexts: the arch context switch plus what the sanitizers must
 * be told when the stack changes under them (ASan's and TSan's fiber APIs).
 * Without a sanitizer this is dc_arch_switch() and nothing else.
 */
#ifndef DC_CTX_H
#define DC_CTX_H

#include <stddef.h>

#include "arch.h"

#if defined(__SANITIZE_ADDRESS__)
#define DC_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define DC_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DC_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define DC_TSAN 1
#endif
#endif

struct dc_ctx {
	struct dc_arch_ctx arch;
#if defined(DC_ASAN) || defined(DC_TSAN)
	const void *stack_lo;		/* the stack this context runs on */
	size_t stack_size;
	void *fake_stack;		/* ASan's, while suspended */
	void *fiber;			/* TSan's */
#endif
};

/* Describe the context of the calling thread, on its own stack (pthread's). */
void dc_ctx_init_current(struct dc_ctx *c);
/* Describe a new context that will run on [lo, lo + size). */
void dc_ctx_init_stack(struct dc_ctx *c, void *lo, size_t size);
/* Forget a context that will never run again (not the current one). */
void dc_ctx_destroy(struct dc_ctx *c);

#if defined(DC_ASAN) || defined(DC_TSAN)
void dc_ctx_switch(struct dc_ctx *from, struct dc_ctx *to);
void dc_ctx_switch_new(struct dc_ctx *from, struct dc_ctx *to, void (*fn)(void *), void *arg);
__attribute__((noreturn)) void dc_ctx_resume(struct dc_ctx *to);
/* First thing a context started by dc_ctx_switch_new() does. */
void dc_ctx_started(struct dc_ctx *c);
#else
static inline void dc_ctx_switch(struct dc_ctx *from, struct dc_ctx *to)
{
	dc_arch_switch(&from->arch, &to->arch);
}
static inline void dc_ctx_switch_new(struct dc_ctx *from, struct dc_ctx *to,
				     void (*fn)(void *), void *arg)
{
	dc_arch_switch_new(&from->arch, to->arch.sp, fn, arg);
}
__attribute__((noreturn)) static inline void dc_ctx_resume(struct dc_ctx *to)
{
	dc_arch_resume(&to->arch);
}
static inline void dc_ctx_started(struct dc_ctx *c)
{
	(void)c;
}
#endif

#endif
