/* SPDX-License-Identifier: MIT */
/* Native timing calls: dc_sleep_until() and dc_yield(). */
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "core.h"

int dc_sleep_until(uint64_t t_ns)
{
	struct dc_thread *th = dc_self;
	/* Nothing could ever wake it: an error on both paths. */
	if (t_ns == DC_FOREVER)
		return -EINVAL;
	if (th) {
		/* Timer queue order is all it takes; the executive wakes us at t_ns. */
		if (t_ns <= dc_now())
			return 0;
		th->deadline = t_ns;
		dc_thread_switch_out(th, DC_TS_SLEEPING);
		/*
		 * Switched in up to the executive's timer lead early: never
		 * return early.  No PAUSE: the wait is short, and under a
		 * hypervisor PAUSE adds tens of ns to the exit (see idle.c).
		 * A post or an Irq wake-up that comes meanwhile is what the
		 * idle executive would have seen: hand it to the scheduler,
		 * which runs us again at once unless the woken one outranks us.
		 */
		struct dc_executive *ex = th->exec;
		const void *resume = __builtin_return_address(0);
		/*
		 * The event sources are asked every 4th iteration only: each
		 * iteration's cost is lateness added to every wake-up, and
		 * with a plug-in table it is an indirect call per source.  A
		 * post or an Irq wake-up in the lead waits 3 iterations
		 * (~100 ns) more at most; the inbox, one load, every time.
		 */
		unsigned spins = 0;
		while (dc_now() < t_ns) {
			/*
			 * The caller's code after this call ran last a period
			 * ago; meanwhile the tick, the hypervisor or an SMT
			 * sibling may have evicted it.  Fetching it now moves
			 * that miss before the deadline: under hackbench the
			 * p99 lateness fell from 210-320 to 90-190 ns in most
			 * rounds (scripts/lat-ab.sh, before and after).  A
			 * prefetch never faults.
			 */
			__builtin_prefetch(resume);
			if (atomic_load_explicit(&ex->inbox, memory_order_relaxed) ||
			    ((++spins & 3) == 0 && dc_sources_pending(ex)))
				dc_thread_switch_out(th, DC_TS_PREEMPTED);
		}
		return 0;
	}
	struct timespec ts = {
		.tv_sec = (time_t)(t_ns / 1000000000ull),
		.tv_nsec = (long)(t_ns % 1000000000ull),
	};
	int err;
	while ((err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
		;
	return -err;
}

int dc_yield(void)
{
	struct dc_thread *th = dc_self;
	if (th)
		dc_thread_switch_out(th, DC_TS_YIELDING);
	else
		sched_yield();
	return 0;
}
