/* SPDX-License-Identifier: MIT */
/* Raw futex calls: no errno, so they are safe in executive context. */
#include <linux/futex.h>
#include <sys/syscall.h>

#include "core.h"

long dc_futex_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t abs_deadline_ns)
{
	struct timespec ts, *tsp = NULL;
	if (abs_deadline_ns != DC_FOREVER) {
		ts.tv_sec = (time_t)(abs_deadline_ns / 1000000000ull);
		ts.tv_nsec = (long)(abs_deadline_ns % 1000000000ull);
		tsp = &ts;
	}
	/* WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, dc_now()'s epoch. */
	return dc_arch_syscall6(SYS_futex, (long)word, FUTEX_WAIT_BITSET_PRIVATE,
				(long)expected, (long)tsp, 0, (long)FUTEX_BITSET_MATCH_ANY);
}

long dc_futex_wake(_Atomic uint32_t *word, int n)
{
	return dc_arch_syscall6(SYS_futex, (long)word, FUTEX_WAKE_PRIVATE, n, 0, 0, 0);
}
