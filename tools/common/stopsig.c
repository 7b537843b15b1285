/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "stopsig.h"

_Atomic int stopsig_raised;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store_explicit(&stopsig_raised, 1, memory_order_relaxed);
}

int stopsig_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	return 0;
}

void stopsig_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}
