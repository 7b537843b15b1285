/* SPDX-License-Identifier: MIT */
/*
 * The core's two plug-in tables (core.h): event sources and switch hooks.
 * Filled by constructors before main(), read without locks afterwards; the
 * walks below are on the executive's hot path, so the tables are arrays of
 * the entries themselves, not of pointers to them.
 */
#include <pthread.h>
#include <stdlib.h>

#include "core.h"

#define DC_MAX_SOURCES	8
#define DC_MAX_HOOKS	8

static struct dc_event_source sources[DC_MAX_SOURCES];
static struct dc_switch_hook hooks[DC_MAX_HOOKS];
static int nsources, nhooks;
/*
 * The optional callbacks, gathered without their NULLs: the timer lead's
 * spin asks pending() on every iteration (inline, core.h), and each
 * iteration's cost is lateness added to every wake-up.
 */
int (*dc_pending_fns[DC_MAX_SOURCES])(struct dc_executive *ex);
int dc_npending;
static int (*polling_fns[DC_MAX_SOURCES])(const struct dc_executive *ex);
static int (*fds_fns[DC_MAX_SOURCES])(struct dc_executive *ex, struct pollfd *fds, int max);
static void (*switch_in_fns[DC_MAX_HOOKS])(struct dc_executive *ex);
static void (*switch_out_fns[DC_MAX_HOOKS])(struct dc_executive *ex);
static int npolling, nfds_fns, nswitch_in, nswitch_out;
static void (*park_service)(struct dc_thread *th);

void dc_core_add_source(const struct dc_event_source *src)
{
	if (nsources == DC_MAX_SOURCES)
		abort();	/* a build with more plug-ins than the table: raise DC_MAX_SOURCES */
	int i = nsources++;
	/* Insertion in order: a handful of entries, once per process. */
	while (i > 0 && sources[i - 1].order > src->order) {
		sources[i] = sources[i - 1];
		i--;
	}
	sources[i] = *src;
	if (src->pending)
		dc_pending_fns[dc_npending++] = src->pending;
	if (src->needs_polling)
		polling_fns[npolling++] = src->needs_polling;
	if (src->wait_fds)
		fds_fns[nfds_fns++] = src->wait_fds;
}

void dc_core_add_hook(const struct dc_switch_hook *hook)
{
	if (nhooks == DC_MAX_HOOKS)
		abort();
	hooks[nhooks++] = *hook;
	if (hook->switch_in)
		switch_in_fns[nswitch_in++] = hook->switch_in;
	if (hook->switch_out)	/* run in reverse order of registration */
		switch_out_fns[nswitch_out++] = hook->switch_out;
}

void dc_core_fork_child(void)
{
	dc_exec_forget_after_fork();
	for (int i = 0; i < nhooks; i++)
		if (hooks[i].fork_child)
			hooks[i].fork_child();
}

DC_PLUGIN(core_at_fork)
{
	pthread_atfork(NULL, NULL, dc_core_fork_child);
}

void dc_core_set_park_service(void (*serve)(struct dc_thread *th))
{
	park_service = serve;
}

int dc_sources_poll(struct dc_executive *ex)
{
	int woke = 0;
	for (int i = 0; i < nsources; i++)
		woke |= sources[i].poll(ex);
	return woke;
}

int dc_sources_need_polling(const struct dc_executive *ex)
{
	for (int i = 0; i < npolling; i++)
		if (polling_fns[i](ex))
			return 1;
	return 0;
}

int dc_sources_wait_fds(struct dc_executive *ex, struct pollfd *fds, int max)
{
	int n = 0;
	for (int i = 0; i < nfds_fns && n < max; i++)
		n += fds_fns[i](ex, fds + n, max - n);
	return n;
}

int dc_hooks_exec_start(struct dc_executive *ex)
{
	for (int i = 0; i < nhooks; i++) {
		int err = hooks[i].exec_start ? hooks[i].exec_start(ex) : 0;
		if (err)
			return err;
	}
	return 0;
}

void dc_hooks_exec_stop(struct dc_executive *ex)
{
	for (int i = nhooks - 1; i >= 0; i--)
		if (hooks[i].exec_stop)
			hooks[i].exec_stop(ex);
}

void dc_hooks_switch_in(struct dc_executive *ex)
{
	for (int i = 0; i < nswitch_in; i++)
		switch_in_fns[i](ex);
}

void dc_hooks_switch_out(struct dc_executive *ex)
{
	for (int i = nswitch_out - 1; i >= 0; i--)
		switch_out_fns[i](ex);
}

void dc_hooks_stats(const struct dc_executive *ex, struct dc_executive_stats *st)
{
	for (int i = 0; i < nhooks; i++)
		if (hooks[i].stats)
			hooks[i].stats(ex, st);
}

/* Without a plug-in to serve requests, a parked context only waits to be resumed. */
void dc_park_serve(struct dc_thread *th)
{
	if (park_service) {
		park_service(th);
		return;
	}
	uint32_t cmd;
	while ((cmd = atomic_load_explicit(&th->park_word, memory_order_acquire)) != DC_PARK_RESUME)
		dc_futex_wait(&th->park_word, cmd, DC_FOREVER);
}
