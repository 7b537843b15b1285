/* SPDX-License-Identifier: MIT */
/*
 * Executives: one pinned SCHED_FIFO Linux thread per real-time CPU, started
 * by the first dc_decouple() for that CPU and stopped when its last decoupled
 * thread leaves.  This file is their life cycle; scheduler.c and idle.c are
 * what they do while running.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core.h"
#include "scheduler.h"
#include "partition.h"

static pthread_mutex_t exec_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dc_executive *executives[DC_MAX_CPUS];
static _Atomic int warned_throttle, warned_not_isolated, warned_dma;

/* Under DC_SYSROOT, so that tests can offline a CPU in a fake tree. */
static int cpu_online(int cpu)
{
	char rel[64], path[512], c = '1';
	snprintf(rel, sizeof(rel), "/sys/devices/system/cpu/cpu%d", cpu);
	if (dc_sysroot_path(path, sizeof(path), rel) || access(path, F_OK) != 0)
		return 0;
	snprintf(rel, sizeof(rel), "/sys/devices/system/cpu/cpu%d/online", cpu);
	if (dc_sysroot_path(path, sizeof(path), rel))
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;	/* CPUs that cannot go offline have no such file */
	if (read(fd, &c, 1) != 1)
		c = '1';
	close(fd);
	return c == '1';
}

int dc_valid_cpu(int cpu)
{
	if (cpu < 0 || cpu >= DC_MAX_CPUS || cpu >= CPU_SETSIZE)
		return -EINVAL;
	return cpu_online(cpu) ? 0 : -ENODEV;
}

static struct dc_executive *get_exec(int cpu)
{
	if (!executives[cpu]) {
		/* Aligned: the wake-up fields have cache lines of their own (core.h). */
		struct dc_executive *ex = aligned_alloc(_Alignof(struct dc_executive), sizeof(*ex));
		if (!ex)
			return NULL;
		memset(ex, 0, sizeof(*ex));
		ex->cpu = cpu;
		ex->dma_latency_fd = -1;
		ex->preempt_timer = -1;
		ex->bell_fd = -1;
		__atomic_store_n(&executives[cpu], ex, __ATOMIC_RELEASE);
	}
	return executives[cpu];
}

struct dc_executive *dc_exec_of(int cpu)
{
	/* Executives are never freed: a pointer read here stays valid. */
	return cpu >= 0 && cpu < DC_MAX_CPUS ? __atomic_load_n(&executives[cpu], __ATOMIC_ACQUIRE) : NULL;
}

int dc_executive_configure(int cpu, const struct dc_executive_attr *attr)
{
	if (cpu < 0 || cpu >= DC_MAX_CPUS || !attr)
		return -EINVAL;
	if (attr->placement < DC_PLACEMENT_AUTO || attr->placement > DC_PLACEMENT_SHARED)
		return -EINVAL;
	if (attr->sched_priority < 0 || attr->sched_priority > 99)
		return -EINVAL;
	int err = 0;
	pthread_mutex_lock(&exec_lock);
	struct dc_executive *ex = get_exec(cpu);
	if (!ex)
		err = -ENOMEM;
	else if (ex->life != DC_EXEC_STOPPED)
		err = -EBUSY;
	else {
		ex->attr = *attr;
		ex->configured = 1;
	}
	pthread_mutex_unlock(&exec_lock);
	return err;
}

/* Attributes in effect: dc_executive_configure(), then the environment, then defaults. */
static int resolve_attr(struct dc_executive *ex)
{
	enum dc_placement placement = DC_PLACEMENT_AUTO;
	int prio = 0;
	if (ex->configured) {
		placement = ex->attr.placement;
		prio = ex->attr.sched_priority;
	}
	const char *env = getenv("DC_PLACEMENT");
	if (placement == DC_PLACEMENT_AUTO && env && *env) {
		if (!strcmp(env, "dedicated"))
			placement = DC_PLACEMENT_DEDICATED;
		else if (!strcmp(env, "shared"))
			placement = DC_PLACEMENT_SHARED;
		else if (strcmp(env, "auto")) {
			dc_warn("DC_PLACEMENT=%s: expected dedicated, shared or auto", env);
			return -EINVAL;
		}
	}
	env = getenv("DC_EXEC_PRIO");
	if (!prio && env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (*end || v < 1 || v > 99) {
			dc_warn("DC_EXEC_PRIO=%s: expected a SCHED_FIFO priority from 1 to 99", env);
			return -EINVAL;
		}
		prio = (int)v;
	}
	ex->timer_lead_ns = DC_TIMER_LEAD_NS;
	env = getenv("DC_TIMER_LEAD_NS");
	if (env && *env) {
		char *end;
		long long v = strtoll(env, &end, 10);
		if (*end || v < 0 || v > DC_TIMER_LEAD_MAX_NS) {
			dc_warn("DC_TIMER_LEAD_NS=%s: expected 0 to %d ns", env, DC_TIMER_LEAD_MAX_NS);
			return -EINVAL;
		}
		ex->timer_lead_ns = (uint64_t)v;
	}
	int isolated = dc_partition_cpu_isolated(ex->cpu);
	if (placement == DC_PLACEMENT_AUTO)
		placement = isolated ? DC_PLACEMENT_DEDICATED : DC_PLACEMENT_SHARED;
	if (placement == DC_PLACEMENT_DEDICATED && !isolated)
		dc_warn_once(&warned_not_isolated,
			     "CPU %d is not isolated (see `decouple isolate`): its executive polls "
			     "on a CPU that Linux also schedules", ex->cpu);
	ex->placement = placement;
	ex->attr.sched_priority = prio ? prio : DC_DEFAULT_EXEC_PRIO;
	return 0;
}

static void warn_rt_throttling(struct dc_executive *ex)
{
	char buf[32] = "";
	int fd = open("/proc/sys/kernel/sched_rt_runtime_us", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	long runtime = strtol(buf, NULL, 10);
	if (runtime < 0 || ex->placement != DC_PLACEMENT_DEDICATED)
		return;
	dc_warn_once(&warned_throttle,
		     "RT throttling is on (sched_rt_runtime_us=%ld): Linux will stop the polling "
		     "executive of CPU %d for the rest of each period once it has run %ld us. "
		     "`decouple isolate` turns throttling off for the partition",
		     runtime, ex->cpu, runtime);
}

static void lock_memory(void)
{
	static _Atomic int locked;
	if (atomic_exchange(&locked, 1))
		return;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	/* The sanitizers' shadow memory is terabytes of reserve: never lock it. */
	return;
#else
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		dc_warn("mlockall: %s: page faults may add latency", strerror(errno));
#endif
}

/* Touch the stack the scheduler will use, so that it never faults. */
__attribute__((noinline)) static void prefault_stack(void)
{
	volatile unsigned char area[64 * 1024];
	for (size_t i = 0; i < sizeof(area); i += 4096)
		area[i] = 0;
}

/*
 * Keep the CPU out of deep C-states while the executive runs: the kernel
 * honours /dev/cpu_dma_latency only while the file stays open.
 */
static void hold_dma_latency(struct dc_executive *ex)
{
	int fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
	int32_t zero = 0;
	if (fd < 0 || write(fd, &zero, sizeof(zero)) != sizeof(zero)) {
		dc_warn_once(&warned_dma, "/dev/cpu_dma_latency: %s: deep C-states stay allowed",
			     strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	ex->dma_latency_fd = fd;
}

static int setup_self(struct dc_executive *ex)
{
	ex->tid = (int)syscall(SYS_gettid);
	int err = dc_partition_admit(ex->cpu, ex->tid);
	if (err)
		return err;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(ex->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return errno == EINVAL ? -ENODEV : -errno;
	struct sched_param sp = { .sched_priority = ex->attr.sched_priority };
	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
		return -errno;
	/* Shared placement sleeps on hrtimers: no slack on them. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	err = dc_preempt_exec_init(ex);
	if (err)
		return err;
	err = dc_hooks_exec_start(ex);
	if (err)
		return err;
	ex->bell_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ex->bell_fd < 0)
		return -errno;
	lock_memory();
	prefault_stack();
	hold_dma_latency(ex);
	warn_rt_throttling(ex);
	return 0;
}

static void *exec_main(void *arg)
{
	struct dc_executive *ex = arg;
	ex->start_error = setup_self(ex);
	ex->own_tp = ex->cur_tp = dc_arch_get_tp();
	dc_ctx_init_current(&ex->sched_ctx);
	atomic_store_explicit(&ex->st_start_ns, dc_now(), memory_order_relaxed);
	atomic_store_explicit(&ex->started, 1, memory_order_release);
	dc_futex_wake((_Atomic uint32_t *)&ex->started, 1);
	if (!ex->start_error) {
		dc_sched_loop(ex);
		/* Back to our own TLS before any libc call. */
		if (ex->cur_tp != ex->own_tp)
			dc_arch_set_tp(ex->own_tp);
		atomic_store_explicit(&ex->st_stop_ns, dc_now(), memory_order_relaxed);
	}
	/* Also after a failed start: what setup_self() got so far goes back. */
	dc_preempt_exec_fini(ex);
	dc_hooks_exec_stop(ex);
	if (ex->dma_latency_fd >= 0)
		close(ex->dma_latency_fd);
	ex->dma_latency_fd = -1;
	if (ex->bell_fd >= 0)
		close(ex->bell_fd);
	ex->bell_fd = -1;
	return NULL;
}

static int start_exec(struct dc_executive *ex)
{
	int err = resolve_attr(ex);
	if (err)
		return err;
	memset(&ex->rq, 0, sizeof(ex->rq));
	ex->tq.n = 0;
	ex->nthreads = 0;
	dc_margin_init(&ex->margin);
	atomic_store(&ex->inbox, NULL);
	atomic_store(&ex->stop, 0);
	atomic_store(&ex->started, 0);
	atomic_store(&ex->st_spin_ns, 0);
	atomic_store(&ex->st_sleep_ns, 0);
	atomic_store(&ex->st_run_ns, 0);
	atomic_store(&ex->st_switches, 0);
	atomic_store(&ex->st_linux_wakeups, 0);
	atomic_store(&ex->st_late_wakeups, 0);
	atomic_store(&ex->st_stop_ns, 0);
	atomic_store(&ex->st_preemptions, 0);
	atomic_store(&ex->st_forwards, 0);
	dc_now();	/* calibrate the clock here, not on the executive */

	/* The executive takes no signals: they belong to the Linux contexts. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_attr_t pa;
	pthread_attr_init(&pa);
	pthread_attr_setstacksize(&pa, 256 * 1024);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&ex->pthread, &pa, exec_main, ex);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&pa);
	if (err)
		return err;
	while (!atomic_load_explicit(&ex->started, memory_order_acquire))
		dc_futex_wait((_Atomic uint32_t *)&ex->started, 0, DC_FOREVER);
	if (ex->start_error) {
		pthread_join(ex->pthread, NULL);
		return ex->start_error;
	}
	ex->life = DC_EXEC_RUNNING;
	return 0;
}

int dc_exec_acquire(int cpu, struct dc_executive **out)
{
	int err = dc_valid_cpu(cpu);
	if (err)
		return err;
	pthread_mutex_lock(&exec_lock);
	struct dc_executive *ex = get_exec(cpu);
	if (!ex)
		err = -ENOMEM;
	else if (ex->life == DC_EXEC_STOPPED)
		err = start_exec(ex);
	if (!err && ex->users >= DC_MAX_THREADS)
		err = -EAGAIN;
	if (!err) {
		ex->users++;
		*out = ex;
	}
	pthread_mutex_unlock(&exec_lock);
	return err;
}

void dc_exec_release(struct dc_executive *ex)
{
	pthread_mutex_lock(&exec_lock);
	if (--ex->users == 0) {
		ex->life = DC_EXEC_STOPPING;
		atomic_store_explicit(&ex->stop, 1, memory_order_release);
		dc_exec_wake(ex);
		pthread_join(ex->pthread, NULL);
		ex->life = DC_EXEC_STOPPED;
	}
	pthread_mutex_unlock(&exec_lock);
}

void dc_exec_post(struct dc_executive *ex, struct dc_thread *th, uint32_t why)
{
	if (atomic_fetch_or_explicit(&th->pending, why, memory_order_acq_rel) == 0) {
		struct dc_thread *head = atomic_load_explicit(&ex->inbox, memory_order_relaxed);
		do
			atomic_store_explicit(&th->inbox_next, head, memory_order_relaxed);
		while (!atomic_compare_exchange_weak_explicit(&ex->inbox, &head, th,
							      memory_order_seq_cst,
							      memory_order_relaxed));
	}
	if (!dc_exec_wake(ex) && (why & (DC_POST_WAKE | DC_POST_ARRIVE)))
		dc_preempt_kick(ex, th);
}

int dc_exec_wake(struct dc_executive *ex)
{
	atomic_fetch_add_explicit(&ex->doorbell, 1, memory_order_seq_cst);
	int how = atomic_load_explicit(&ex->sleeping, memory_order_seq_cst);
	if (how == DC_SLEEP_FUTEX) {
		dc_futex_wake(&ex->doorbell, 1);
	} else if (how == DC_SLEEP_POLL) {
		uint64_t one = 1;
		dc_arch_syscall6(SYS_write, ex->bell_fd, (long)&one, sizeof(one), 0, 0, 0);
	}
	return how != DC_SLEEP_AWAKE;
}

int dc_executive_stats(int cpu, struct dc_executive_stats *st)
{
	if (cpu < 0 || cpu >= DC_MAX_CPUS || !st)
		return -EINVAL;
	pthread_mutex_lock(&exec_lock);
	struct dc_executive *ex = executives[cpu];
	int err = 0;
	if (!ex || !atomic_load(&ex->st_start_ns)) {
		err = -ENOENT;
	} else {
		uint64_t end = atomic_load(&ex->st_stop_ns);
		memset(st, 0, sizeof(*st));
		st->placement = ex->placement;
		st->running = ex->life == DC_EXEC_RUNNING;
		st->threads = ex->users;
		st->uptime_ns = (end ? end : dc_now()) - atomic_load(&ex->st_start_ns);
		st->spin_ns = atomic_load(&ex->st_spin_ns);
		st->sleep_ns = atomic_load(&ex->st_sleep_ns);
		st->run_ns = atomic_load(&ex->st_run_ns);
		st->switches = atomic_load(&ex->st_switches);
		st->linux_wakeups = atomic_load(&ex->st_linux_wakeups);
		st->late_linux_wakeups = atomic_load(&ex->st_late_wakeups);
		st->wake_margin_ns = ex->margin.margin_ns;
		st->preemptions = atomic_load(&ex->st_preemptions);
		st->timer_lead_ns = ex->timer_lead_ns;
		st->forwarded_calls = atomic_load(&ex->st_forwards);
		dc_hooks_stats(ex, st);
	}
	pthread_mutex_unlock(&exec_lock);
	return err;
}

/*
 * In the child of a fork made by decoupled code (forward_special.c): only the
 * forking thread exists there, as an ordinary thread.  Forget the parent's
 * executives and a lock some other thread of the parent may have held.
 */
void dc_exec_forget_after_fork(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	exec_lock = fresh;
	for (int cpu = 0; cpu < DC_MAX_CPUS; cpu++) {
		struct dc_executive *ex = executives[cpu];
		if (!ex)
			continue;
		ex->life = DC_EXEC_STOPPED;
		ex->users = 0;
	}
}
