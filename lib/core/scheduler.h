/* SPDX-License-Identifier: MIT */
/* The executive's scheduler and idle strategies (executive context). */
#ifndef DC_SCHEDULER_H
#define DC_SCHEDULER_H

#include "core.h"

void dc_sched_loop(struct dc_executive *ex);
void dc_sched_drain_inbox(struct dc_executive *ex);
void dc_sched_expire(struct dc_executive *ex, uint64_t now);
void dc_sched_wake_local(struct dc_executive *ex, struct dc_thread *th);

/* Wait, without running threads, until `deadline`, a post or a stop request. */
void dc_idle(struct dc_executive *ex, uint64_t deadline);

#endif
