/* SPDX-License-Identifier: MIT */
/*
 * Sanitizer bookkeeping for context switches.  ASan must know which stack is
 * current (or it reports false stack overflows and poisoning), TSan which
 * logical thread ("fiber") runs.  A decoupled thread keeps its TSan fiber
 * wherever it runs, so races are reported against the thread the user wrote.
 */
#include <pthread.h>

#include "ctx.h"

#if defined(DC_ASAN)
#include <sanitizer/asan_interface.h>
#endif
#if defined(DC_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

void dc_ctx_init_current(struct dc_ctx *c)
{
	c->arch.sp = NULL;
#if defined(DC_ASAN) || defined(DC_TSAN)
	pthread_attr_t attr;
	void *lo = NULL;
	size_t size = 0;
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		pthread_attr_getstack(&attr, &lo, &size);
		pthread_attr_destroy(&attr);
	}
	c->stack_lo = lo;
	c->stack_size = size;
	c->fake_stack = NULL;
#endif
#if defined(DC_TSAN)
	c->fiber = __tsan_get_current_fiber();
#endif
}

void dc_ctx_init_stack(struct dc_ctx *c, void *lo, size_t size)
{
	c->arch.sp = (char *)lo + size;
#if defined(DC_ASAN) || defined(DC_TSAN)
	c->stack_lo = lo;
	c->stack_size = size;
	c->fake_stack = NULL;
#endif
#if defined(DC_TSAN)
	c->fiber = __tsan_create_fiber(0);
#endif
}

void dc_ctx_destroy(struct dc_ctx *c)
{
#if defined(DC_TSAN)
	if (c->fiber)
		__tsan_destroy_fiber(c->fiber);
	c->fiber = NULL;
#else
	(void)c;
#endif
}

#if defined(DC_ASAN) || defined(DC_TSAN)
static void before(struct dc_ctx *from, struct dc_ctx *to)
{
#if defined(DC_ASAN)
	__sanitizer_start_switch_fiber(from ? &from->fake_stack : NULL, to->stack_lo, to->stack_size);
#endif
#if defined(DC_TSAN)
	__tsan_switch_to_fiber(to->fiber, 0);
#endif
	(void)from;
}

static void after(struct dc_ctx *self)
{
#if defined(DC_ASAN)
	__sanitizer_finish_switch_fiber(self->fake_stack, NULL, NULL);
#endif
	(void)self;
}

void dc_ctx_switch(struct dc_ctx *from, struct dc_ctx *to)
{
	before(from, to);
	dc_arch_switch(&from->arch, &to->arch);
	after(from);
}

void dc_ctx_switch_new(struct dc_ctx *from, struct dc_ctx *to, void (*fn)(void *), void *arg)
{
	before(from, to);
	dc_arch_switch_new(&from->arch, to->arch.sp, fn, arg);
	after(from);
}

void dc_ctx_resume(struct dc_ctx *to)
{
	before(NULL, to);
	dc_arch_resume(&to->arch);
}

void dc_ctx_started(struct dc_ctx *c)
{
#if defined(DC_ASAN)
	__sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
	(void)c;
}
#endif
