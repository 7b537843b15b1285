/* SPDX-License-Identifier: MIT */
/*
 * decouple: RTOS-grade timer and interrupt response for threads of ordinary
 * Linux programs.  See decouple(7) and README.md.
 *
 * Every call returns 0 (or a value) on success and a negative errno value on
 * failure; errno is never used to report errors.  Every call also works from a
 * thread that is not decoupled, by falling back to Linux.
 */
#ifndef DECOUPLE_H
#define DECOUPLE_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DC_VERSION_MAJOR 0
#define DC_VERSION_MINOR 1

/* A capability: an index in the process's table of decouple objects. */
typedef int dc_cap_t;

/* A deadline that never expires. */
#define DC_FOREVER UINT64_MAX

/* Priorities of decoupled threads: higher wins. */
#define DC_PRIO_MIN 1
#define DC_PRIO_MAX 255

/* --- decoupled threads ---------------------------------------------------- */

/*
 * Move the calling thread onto the executive of `cpu` with priority `prio`
 * (DC_PRIO_MIN..DC_PRIO_MAX).  The executive is started on first use.
 * Returns 0, or -EINVAL (bad cpu or prio), -ENODEV (cpu offline or not in the
 * process's affinity), -EALREADY (already decoupled), -EPERM (no permission
 * for SCHED_FIFO), -ENOMEM, -EAGAIN (too many decoupled threads).
 */
int dc_decouple(int cpu, int prio);

/* Hand the calling thread back to Linux.  0, or -EPERM if not decoupled. */
int dc_recouple(void);

/* 1 if the caller runs decoupled, 0 otherwise. */
int dc_is_decoupled(void);

/* --- time ---------------------------------------------------------------- */

/* Nanoseconds, same epoch as CLOCK_MONOTONIC. */
uint64_t dc_now(void);

/*
 * Sleep until the absolute time t_ns (dc_now() epoch).  Decoupled, this never
 * enters Linux on a dedicated core; otherwise clock_nanosleep().
 * 0, or -EINVAL for DC_FOREVER from a thread that cannot be woken otherwise.
 */
int dc_sleep_until(uint64_t t_ns);

/* Let other decoupled threads of the same priority run.  0. */
int dc_yield(void);

/* --- Linux system calls -------------------------------------------------- */

/*
 * Run a Linux system call in the caller's Linux context (its tid,
 * credentials, fd table and signal mask, on a housekeeping CPU) while the
 * executive runs other decoupled threads; the raw result, -errno on failure.
 * On a thread that is not decoupled, the plain system call.  Where Syscall
 * User Dispatch works, decoupled code's ordinary system calls take this path
 * by themselves.  See dc_linux_syscall(3).
 */
long dc_linux_syscall(long nr, ...);

/* --- Irq objects ---------------------------------------------------------- */

dc_cap_t dc_irq_create(void);
dc_cap_t dc_irq_from_fd(int fd);
int dc_irq_trigger(dc_cap_t irq);
/* 0 or -ETIMEDOUT; *count = events since the last wait. */
int dc_irq_wait(dc_cap_t irq, uint64_t deadline_ns, uint32_t *count);
int dc_cap_close(dc_cap_t cap);

/* --- executives ---------------------------------------------------------- */

enum dc_placement {
	/* dedicated if the CPU is isolated (decouple isolate), shared otherwise */
	DC_PLACEMENT_AUTO = 0,
	/* the executive owns the CPU and polls while idle */
	DC_PLACEMENT_DEDICATED = 1,
	/* the executive sleeps in Linux while idle and wakes early by a margin */
	DC_PLACEMENT_SHARED = 2,
};

struct dc_executive_attr {
	enum dc_placement placement;
	int sched_priority;	/* SCHED_FIFO priority of the executive, 1..99; 0: default 98 */
};

/*
 * Configure the executive of `cpu` before it starts.  -EBUSY if it is
 * running, -EINVAL for bad values.  The environment variables DC_PLACEMENT
 * and DC_EXEC_PRIO, read when an executive starts, override defaults but not
 * this call.
 */
int dc_executive_configure(int cpu, const struct dc_executive_attr *attr);

struct dc_executive_stats {
	enum dc_placement placement;	/* the one in effect */
	int running;
	unsigned threads;		/* decoupled threads now on it */
	uint64_t uptime_ns;
	uint64_t spin_ns;		/* time spent polling while idle */
	uint64_t sleep_ns;		/* time spent asleep in Linux (shared) */
	uint64_t run_ns;		/* time spent running decoupled threads */
	uint64_t switches;		/* context switches into decoupled threads */
	uint64_t linux_wakeups;		/* wake-ups from Linux sleeps (shared) */
	uint64_t wake_margin_ns;	/* current early-wake margin (shared) */
	uint64_t late_linux_wakeups;	/* Linux woke it after the deadline (shared) */
	uint64_t preemptions;		/* running threads interrupted for a higher priority */
	uint64_t forwarded_calls;	/* Linux system calls run in Linux contexts */
	int syscall_dispatch;		/* 1: decoupled code's system calls trap and are forwarded */
	uint64_t timer_lead_ns;		/* sleepers are switched in this early (DC_TIMER_LEAD_NS) */
	unsigned irq_uring_sources;	/* fd Irqs this executive hears through its io_uring */
	uint64_t irq_uring_events;	/* events those delivered */
	uint64_t irq_uring_overflows;	/* times their CQ overflowed (flushed, nothing lost) */
	uint64_t irq_uring_rearms;	/* their polls the kernel ended and we re-armed */
	unsigned irq_uring_failed;	/* rings that failed at run time: the fd is read-polled */
};

/*
 * Statistics of the executive of `cpu`, including one that has stopped
 * (its totals are kept).  -ENOENT if it never ran.
 */
int dc_executive_stats(int cpu, struct dc_executive_stats *st);

/* --- partition ----------------------------------------------------------- */

/*
 * The default real-time CPUs: those in DC_CPUS (a CPU list such as "2-3")
 * when it is set, else the CPUs isolated by `decouple isolate` or at boot
 * (isolcpus=), else the last online CPU.  Stores up to `max` of them in
 * `cpus`, in increasing order, and returns how many there are (possibly more
 * than max), or -EINVAL when DC_CPUS is malformed or empty.
 */
int dc_default_cpus(int *cpus, int max);

#ifdef __cplusplus
}
#endif

#endif
