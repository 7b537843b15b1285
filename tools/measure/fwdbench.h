/* SPDX-License-Identifier: MIT */
/*
 * The cost of a forwarded system call: getppid round trips, native (a
 * thread under Linux), explicit (dc_linux_syscall from a decoupled thread)
 * and trapped (a plain getppid from decoupled code, via Syscall User
 * Dispatch), measured in one run, in alternating rounds.
 */
#ifndef DC_TOOL_FWDBENCH_H
#define DC_TOOL_FWDBENCH_H

#include "samples.h"

struct fwdbench_opts {
	int cpu;		/* the executive's CPU */
	long calls;		/* per path, split over the rounds */
	int rounds;
	int prio;		/* of the decoupled thread */
};

/*
 * FWD_TRAP_ONLY: what the kernel alone charges for a trap, a getppid that
 * Syscall User Dispatch turns into SIGSYS and an empty handler answers, on
 * a thread under Linux.  The trapped path pays it on top of a forward.
 */
enum { FWD_NATIVE, FWD_EXPLICIT, FWD_TRAPPED, FWD_TRAP_ONLY, FWD_NPATHS };

struct fwdbench_result {
	struct latency_stats path[FWD_NPATHS];	/* .samples == 0: not measured */
	long wrong_answers;			/* results that were not getppid()'s */
};

extern const char *const fwdbench_path_names[FWD_NPATHS];

/* Measure.  0, or -errno (dc_decouple's, -ENOMEM). */
int fwdbench_run(const struct fwdbench_opts *o, struct fwdbench_result *r);

#endif
