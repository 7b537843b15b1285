/* SPDX-License-Identifier: MIT */
/*
 * Preemption of a running decoupled thread.
 *
 * User mode takes no interrupts, so the executive borrows a signal: when it
 * switches into a thread while a higher-priority one sleeps, it arms a
 * per-executive POSIX timer for that sleeper's deadline, delivered to the
 * executive's Linux thread alone; a Linux thread that wakes a higher-priority
 * decoupled thread sends the same signal.  The handler runs on the preempted
 * thread's stack, on top of the full register state the kernel saved, and
 * switches out to the scheduler from there; resuming the thread returns from
 * the handler and sigreturn restores every register.
 *
 * A thread never switches out from the middle of the library's own
 * bookkeeping: `preempt_off` counts such sections, and the handler then
 * returns at once (the scheduler runs at the end of every one anyway).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "arch_sud.h"
#include "scheduler.h"

static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_error;

int dc_preempt_signal(void)
{
	/* glibc keeps the lowest real-time signals; we take one from the top. */
	return SIGRTMAX - 3;
}

/*
 * The executive a preemption signal is for, from the signal itself: the
 * timer's value or the kick's queued value is its CPU.  Never from TLS: the
 * FS base of the executive's thread may hold any thread's TLS, even one that
 * has left and unmapped it (tests/exec-tls.c).  Anything else (a stray
 * tgkill of our signal) is not ours to act on.
 */
static struct dc_executive *preempt_target(const siginfo_t *info)
{
	int cpu = info->si_value.sival_int;
	if (cpu < 0 || cpu >= DC_MAX_CPUS)
		return NULL;
	struct dc_executive *ex = dc_exec_of(cpu);
	if (!ex)
		return NULL;
	if (info->si_code == SI_TIMER && info->si_timerid == ex->preempt_timer)
		return ex;
	if (info->si_code == SI_QUEUE && info->si_pid == ex->pid)
		return ex;
	return NULL;
}

static void on_preempt(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)uc;
	struct dc_executive *ex = preempt_target(info);
	if (!ex)
		return;
	/* The executive's own code: it looks at its inbox and timers anyway. */
	struct dc_thread *th = ex->current;
	if (!th)
		return;
	/*
	 * Inside bookkeeping, or still switching in (the timer is armed
	 * before the switch lands) or out: note it; dc_preempt_enable() or
	 * the next run() acts on it.
	 */
	if (atomic_load_explicit(&th->preempt_off, memory_order_relaxed) ||
	    !atomic_load_explicit(&ex->in_thread, memory_order_relaxed)) {
		atomic_store_explicit(&ex->preempt_pending, 1, memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&ex->st_preemptions, 1, memory_order_relaxed);
	dc_thread_switch_out(th, DC_TS_PREEMPTED);
}

/*
 * Signals that may arrive while decoupled code runs on the executive: the
 * preemption signal, and SIGSYS, the trap of transparent forwarding.
 * Neither may be blocked while a handler has switched out to the scheduler:
 * a blocked SIGSYS at the next trap would be forced to its default action
 * and kill the process.
 */
void dc_handler_mask(sigset_t *mask)
{
	sigfillset(mask);
	sigdelset(mask, SIGSYS);
	sigdelset(mask, dc_preempt_signal());
}

static void install(void)
{
	sigset_t mask;
	dc_handler_mask(&mask);
	/*
	 * NODEFER: a thread may be preempted while another one sits in this
	 * handler.  The restorer must lie in the range Syscall User Dispatch
	 * lets through: this handler returns into decoupled code.
	 */
	install_error = dc_arch_sigaction(dc_preempt_signal(), on_preempt,
					  SA_NODEFER | SA_RESTART, &mask);
}

/* On the executive's own thread, before its loop (Linux context). */
int dc_preempt_exec_init(struct dc_executive *ex)
{
	pthread_once(&install_once, install);
	if (install_error)
		return install_error;
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = dc_preempt_signal();
	sev.sigev_value.sival_int = ex->cpu;	/* how on_preempt() finds us */
	sev._sigev_un._tid = ex->tid;
	int id = -1;
	long err = dc_arch_syscall6(SYS_timer_create, CLOCK_MONOTONIC, (long)&sev, (long)&id, 0, 0, 0);
	if (err)
		return (int)err;
	ex->preempt_timer = id;
	ex->pid = getpid();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, dc_preempt_signal());
	return -pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void dc_preempt_exec_fini(struct dc_executive *ex)
{
	if (ex->preempt_timer >= 0)
		dc_arch_syscall6(SYS_timer_delete, ex->preempt_timer, 0, 0, 0, 0, 0);
	ex->preempt_timer = -1;
}

/* The earliest deadline of a sleeper that outranks `th` (executive context). */
static uint64_t first_outranking_deadline(const struct dc_executive *ex, const struct dc_thread *th)
{
	uint64_t first = DC_FOREVER;
	/* Executives run a handful of threads: a scan beats keeping a second heap. */
	for (int i = 0; i < ex->tq.n; i++) {
		const struct dc_thread *s = ex->tq.heap[i];
		if (s->prio > th->prio && s->deadline < first)
			first = s->deadline;
	}
	return first;
}

static void set_timer(struct dc_executive *ex, uint64_t at)
{
	struct itimerspec its = { { 0, 0 }, { (time_t)(at / 1000000000ull), (long)(at % 1000000000ull) } };
	dc_arch_syscall6(SYS_timer_settime, ex->preempt_timer, TIMER_ABSTIME, (long)&its, 0, 0, 0);
}

void dc_preempt_arm(struct dc_executive *ex, struct dc_thread *th)
{
	/*
	 * seq_cst: Dekker with dc_exec_post(), see run() in scheduler.c.
	 * Nothing outranks DC_PRIO_MAX, so no waker ever kicks such a
	 * thread: running_prio stays 0 for it, and its line stays shared in
	 * the wakers' caches instead of moving here and back at each wake-up.
	 */
	if (th->prio < DC_PRIO_MAX)
		atomic_store_explicit(&ex->running_prio, th->prio, memory_order_seq_cst);
	if (ex->preempt_timer < 0 || !ex->tq.n)
		return;
	uint64_t at = first_outranking_deadline(ex, th);
	if (at == DC_FOREVER)
		return;
	/* The outranking sleeper gets its timer lead here too (see sleep.c). */
	set_timer(ex, at > ex->timer_lead_ns ? at - ex->timer_lead_ns : at);
	ex->preempt_armed = 1;
}

void dc_preempt_disarm(struct dc_executive *ex)
{
	/* Only the executive writes it: store only a change (see dc_preempt_arm()). */
	if (atomic_load_explicit(&ex->running_prio, memory_order_relaxed))
		atomic_store_explicit(&ex->running_prio, 0, memory_order_relaxed);
	if (!ex->preempt_armed)
		return;
	/* it_value zero disarms */
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	dc_arch_syscall6(SYS_timer_settime, ex->preempt_timer, 0, (long)&its, 0, 0, 0);
	ex->preempt_armed = 0;
}

/*
 * Interrupt executive `ex` at the running thread, with the executive's CPU
 * as the signal's value (see preempt_target()).  Any thread, async-signal-safe.
 */
void dc_preempt_send(struct dc_executive *ex)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = dc_preempt_signal();
	si.si_code = SI_QUEUE;
	si.si_pid = ex->pid;
	si.si_value.sival_int = ex->cpu;
	dc_arch_syscall6(SYS_rt_tgsigqueueinfo, ex->pid, ex->tid, dc_preempt_signal(), (long)&si,
			 0, 0);
}

/* A post made `th` ready: interrupt the executive if it runs something lower. */
void dc_preempt_kick(struct dc_executive *ex, const struct dc_thread *th)
{
	int running = atomic_load_explicit(&ex->running_prio, memory_order_seq_cst);
	if (running && th->prio > running && ex->preempt_timer >= 0)
		dc_preempt_send(ex);
}
