/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "rtmeasure.h"

void rtm_live_reset(struct rtm_live *l)
{
	atomic_store(&l->done, 0);
	atomic_store(&l->act_ns, 0);
	atomic_store(&l->min_ns, 0);
	atomic_store(&l->max_ns, 0);
	atomic_store(&l->sum_ns, 0);
}

int rtm_samples_prealloc(struct samples *s, size_t max_samples)
{
	memset(s, 0, sizeof(*s));
	s->ns = malloc(max_samples * sizeof(*s->ns));
	if (!s->ns)
		return -ENOMEM;
	memset(s->ns, 0, max_samples * sizeof(*s->ns));
	s->cap = max_samples;
	return 0;
}

int rtm_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = -pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}
