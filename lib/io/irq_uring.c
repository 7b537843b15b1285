/* SPDX-License-Identifier: MIT */
/*
 * The io_uring path of fd Irqs: the executive hears an interrupt itself,
 * with no Linux thread scheduled on the way (DESIGN.md, "Interrupts").
 *
 * Each source has a small ring of its own, owned by the executive of its
 * CPU, with one multishot poll on the fd.  When the device's interrupt
 * wakes the fd's wait queue, io_uring's poll callback runs in that
 * interrupt's context and queues task work for the ring's owner; with
 * IORING_SETUP_TASKRUN_FLAG it also sets IORING_SQ_TASKRUN in the ring's
 * mapped SQ flags (io_uring/io_uring.c, io_req_local_work_add() for
 * DEFER_TASKRUN and io_req_normal_work_add() otherwise).  That word, and
 * the CQ tail, are what the executive polls.  One ring per source, so the
 * word says which source fired without a system call to find out.
 *
 * On a set word the executive reads the fd at once (the exact count; the
 * fd is non-blocking) and fires the Irq, so the ISR runs next.  The ring's
 * upkeep waits until the executive is back: io_uring_enter(GETEVENTS) runs
 * the deferred task work, which clears the word and re-checks the fd; an
 * event that came after the read shows up then as a CQE, one that comes
 * later sets the word again.  A CQE therefore also means "read the fd",
 * and the count is always what the reads said: nothing is counted twice or
 * lost, whatever the interleaving.  A CQE without IORING_CQE_F_MORE (the
 * poll ended: CQ overflow, an error) re-arms the poll.
 *
 * Modes (DC_URING_MODE): "defer" is SINGLE_ISSUER | DEFER_TASKRUN |
 * TASKRUN_FLAG, the task work waits for our io_uring_enter.  "coop" is
 * COOP_TASKRUN | TASKRUN_FLAG: an interrupt on the executive's own CPU
 * runs the task work on its way back to user mode, so a CQE is there
 * before the executive looks and the word is never seen set; one taken on
 * another CPU sets the word and no IPI is sent.  docs/irq.md has the
 * measurements of both.
 *
 * Lifetimes: a ring is created (disabled) by the thread that makes the
 * Irq, and enabled, armed and driven by the executive only: the kernel
 * gives a SINGLE_ISSUER ring to the task that enables it.  When that
 * executive stops, its rings die with it and each source gets a fresh
 * disabled ring for the next one; events meanwhile wait in the fd.  Close
 * marks the source dead once the executive is not polling it (the BUSY
 * state, as in irq_poll.c) and then tears the ring down.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io.h"

#define DC_URING_MAX	64
#define DC_URING_DEPTH	8

enum { FREE, SETUP, NEW, ACTIVE, BUSY, DEAD };

struct usrc {
	_Atomic int state;
	int cpu;
	struct dc_irq *irq;		/* holds a reference */
	struct dc_fd_reader rd;		/* the Irq's own duplicate of the fd */
	struct io_uring ring;
	unsigned setup_flags;		/* the mode, chosen at creation */
	int ring_live;
	int provisional;		/* defer mode: fire one event before the read */
	/* executive context only */
	int rearm;			/* the poll ended: arm it again */
	int read_again;			/* read once more, whatever the ring says */
	int owed;			/* a read (and the ring's upkeep) waits */
	uint64_t owed_at;		/* the executive's switch count then */
	uint64_t credit;		/* events fired ahead of the read (0 or 1) */
	int failed;			/* the ring failed: read the fd instead */
	uint64_t last_read;
	int test_fail;
};

static struct usrc srcs[DC_URING_MAX];
/* Slots ever used: the executive's scans stop there (one source, one slot to look at). */
static _Atomic int nslots;
static _Atomic int per_cpu[DC_MAX_CPUS];
static _Atomic uint64_t events_on[DC_MAX_CPUS], rearms_on[DC_MAX_CPUS], overflows_on[DC_MAX_CPUS];
static _Atomic unsigned failed_on[DC_MAX_CPUS];
static pthread_mutex_t setup_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int warned_mode, warned_runtime;

static unsigned mode_flags(void)
{
	const char *env = getenv("DC_URING_MODE");
	if (env && !strcmp(env, "coop"))
		return IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	if (env && *env && strcmp(env, "defer"))
		dc_warn_once(&warned_mode, "DC_URING_MODE=%s: expected defer or coop; using defer", env);
	return IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
}

/* A disabled ring with the multishot poll staged; Linux context. */
static int ring_create(struct usrc *s)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	p.flags = s->setup_flags | IORING_SETUP_R_DISABLED;
	int err = io_uring_queue_init_params(DC_URING_DEPTH, &s->ring, &p);
	if (err)
		return err;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);
	io_uring_prep_poll_multishot(sqe, s->rd.fd, POLLIN | POLLPRI);
	s->ring_live = 1;
	return 0;
}

static void ring_destroy(struct usrc *s)
{
	if (s->ring_live)
		io_uring_queue_exit(&s->ring);
	s->ring_live = 0;
}

/* What ring_create() failing with `err` means: EINVAL, flags this kernel does not know; ENOSYS/EPERM, io_uring off. */
static int unsupported(int err)
{
	return err == -EINVAL || err == -ENOSYS || err == -EPERM ? -EOPNOTSUPP : err;
}

static void stop_source(struct dc_irq *irq);
static int serve_linux(struct dc_irq *irq, uint64_t deadline);

int dc_uring_add(struct dc_irq *irq, int fd, enum dc_fd_kind kind, int cpu)
{
	if (getenv("DC_URING_DISABLE"))		/* tests: a kernel without it */
		return -EOPNOTSUPP;
	if (cpu < 0) {
		struct dc_thread *self = dc_self;
		int rt[1];
		if (self)
			cpu = self->exec->cpu;
		else if (dc_default_cpus(rt, 1) >= 1)
			cpu = rt[0];
		else
			return -ENODEV;
	}
	/* As epoll: files that are always ready cannot be an interrupt source. */
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
		return -EPERM;
	pthread_mutex_lock(&setup_lock);
	int err = 0;
	struct usrc *s = NULL;
	for (int i = 0; !err && i < DC_URING_MAX && !s; i++)
		if (atomic_load(&srcs[i].state) == FREE)
			s = &srcs[i];
	if (!err && !s)
		err = -ENOSPC;
	if (s && s - srcs >= atomic_load(&nslots))
		atomic_store(&nslots, (int)(s - srcs) + 1);
	if (err)
		goto out;
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup < 0) {
		err = -errno;
		goto out;
	}
	/* The executive must never block in a read: the file becomes non-blocking. */
	int fl = fcntl(dup, F_GETFL);
	if (fl < 0 || fcntl(dup, F_SETFL, fl | O_NONBLOCK) < 0) {
		err = -errno;
		close(dup);
		goto out;
	}
	s->rearm = s->read_again = s->owed = s->failed = 0;
	s->test_fail = getenv("DC_URING_TEST_FAIL") != NULL;
	s->credit = 0;
	s->cpu = cpu;
	s->irq = irq;
	s->rd = (struct dc_fd_reader){ .fd = dup, .kind = kind };
	s->setup_flags = mode_flags();
	s->provisional = (s->setup_flags & IORING_SETUP_DEFER_TASKRUN) != 0;
	err = ring_create(s);
	if (err) {
		err = unsupported(err);
		close(dup);
		goto out;
	}
	irq->source = s;
	irq->source_stop = stop_source;
	irq->source_serve_linux = serve_linux;
	atomic_store_explicit(&irq->source_path, DC_IRQ_PATH_URING, memory_order_release);
	atomic_fetch_add(&per_cpu[cpu], 1);
	atomic_store_explicit(&s->state, NEW, memory_order_release);
out:
	pthread_mutex_unlock(&setup_lock);
	return err;
}

static void stop_source(struct dc_irq *irq)
{
	struct usrc *s = irq->source;
	if (!s)
		return;
	for (;;) {
		int st = atomic_load(&s->state);
		if (st != BUSY && atomic_compare_exchange_weak(&s->state, &st, DEAD))
			break;
		/* The executive reads it (microseconds) or a Linux waiter polls it (a slice at most). */
		struct timespec us = { 0, 20000 };
		nanosleep(&us, NULL);
	}
	pthread_mutex_lock(&setup_lock);
	ring_destroy(s);
	close(s->rd.fd);
	atomic_fetch_sub(&per_cpu[s->cpu], 1);
	irq->source = NULL;
	s->irq = NULL;
	atomic_store(&s->state, FREE);
	pthread_mutex_unlock(&setup_lock);
	dc_obj_put(&irq->obj);
}

/*
 * Read the fd (its count in *n) and return what it says beyond the events
 * already fired ahead of the read, whoever fired them: the executive that
 * served the source last, or this one.  Whoever holds the source BUSY.
 */
static uint64_t count_new(struct usrc *s, uint64_t *n)
{
	*n = dc_fd_read_events(&s->rd);
	uint64_t ahead = s->credit < *n ? s->credit : *n;
	s->credit -= ahead;	/* stays only if a signal had no event behind it, which defer rules out */
	return *n - ahead;
}

/*
 * A Linux waiter (dc_irq_wait() from a thread that is not decoupled) on a
 * source that no executive has adopted: a program that never decouples, or
 * one that waits before its executive runs.  It reads the fd itself, in
 * slices of DC_LINUX_SLICE_NS holding the source BUSY, so that an executive
 * that starts meanwhile, or a close, waits a slice at most.
 */
#define DC_LINUX_SLICE_NS 10000000ull

static int serve_linux(struct dc_irq *irq, uint64_t deadline)
{
	struct usrc *s = irq->source;
	int st = NEW;
	if (!s || !atomic_compare_exchange_strong(&s->state, &st, BUSY))
		return 0;	/* an executive serves it, or it is closing */
	int r = 1;
	uint64_t n, fresh = count_new(s, &n);
	if (n) {
		if (fresh)
			dc_irq_fire_many(irq, fresh, NULL);
		goto out;
	}
	if (s->rd.lost) {
		dc_irq_lose(irq, -ENODEV, NULL);
		goto out;
	}
	uint64_t now = dc_now();
	if (now >= deadline) {
		r = -ETIMEDOUT;
		goto out;
	}
	uint64_t wait = deadline - now < DC_LINUX_SLICE_NS ? deadline - now : DC_LINUX_SLICE_NS;
	struct timespec ts = { (time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull) };
	struct pollfd pfd = { .fd = s->rd.fd, .events = POLLIN | POLLPRI };
	ppoll(&pfd, 1, &ts, NULL);
out:
	atomic_store(&s->state, NEW);
	return r;
}

/* --- executive context ------------------------------------------------------- */

/*
 * The ring failed at run time (it could not be enabled or armed): the
 * executive falls back to reading the fd itself, non-blocking, at most
 * every DC_READ_POLL_NS, so no event is lost and each costs that much more
 * latency.  Executive context: the warning is one raw write, no stdio.
 */
#define DC_READ_POLL_NS 20000

static void fail(struct usrc *s)
{
	static const char msg[] = "decouple: warning: the io_uring of an fd Irq failed at run "
				  "time; its executive reads the fd every 20 us instead\n";
	s->failed = 1;
	atomic_fetch_add_explicit(&failed_on[s->cpu], 1, memory_order_relaxed);
	if (!atomic_exchange_explicit(&warned_runtime, 1, memory_order_relaxed))
		dc_arch_syscall6(SYS_write, 2, (long)msg, sizeof(msg) - 1, 0, 0, 0);
}

/* Enable a new source's ring for this executive and submit its poll. */
static void adopt(struct usrc *s)
{
	/* A ring the last executive's stop could not replace (liburing: no errno, no malloc). */
	int err = s->ring_live ? 0 : ring_create(s);
	s->failed = 0;
	/*
	 * io_uring_register(ENABLE_RINGS) by hand: Debian's liburing 2.3
	 * declares io_uring_enable_rings() but its shared library does not
	 * export it.
	 */
	if (!err)
		err = (int)dc_arch_syscall6(SYS_io_uring_register, s->ring.ring_fd,
					    IORING_REGISTER_ENABLE_RINGS, 0, 0, 0, 0);
	if (!err)
		err = io_uring_submit(&s->ring) == 1 ? 0 : -EIO;
	if (s->test_fail)	/* tests: a ring that fails at run time */
		err = -EIO;
	/* Events that came before the poll was armed wait in the fd. */
	s->read_again = 1;
	s->rearm = 0;
	if (err)
		fail(s);
}

static void fire(struct usrc *s, struct dc_executive *ex, uint64_t n)
{
	dc_irq_fire_many(s->irq, n, ex);
	atomic_fetch_add_explicit(&events_on[ex->cpu], n, memory_order_relaxed);
}

/* Make the count up to the fd's read. */
static int reconcile(struct usrc *s, struct dc_executive *ex)
{
	uint64_t n, fresh = count_new(s, &n);
	if (fresh)
		fire(s, ex, fresh);
	if (s->rd.lost) {
		dc_irq_lose(s->irq, -ENODEV, ex);
		return 1;
	}
	return fresh != 0;
}

/* Discard the CQEs (each only says "readable"); one without F_MORE ended the poll. */
static void reap(struct usrc *s)
{
	struct io_uring *r = &s->ring;
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	io_uring_for_each_cqe(r, head, cqe) {
		if (!(cqe->flags & IORING_CQE_F_MORE))
			s->rearm = 1;
		seen++;
	}
	io_uring_cq_advance(r, seen);
}

static void upkeep(struct usrc *s, struct dc_executive *ex, unsigned flags)
{
	struct io_uring *r = &s->ring;
	if (flags & IORING_SQ_CQ_OVERFLOW)
		atomic_fetch_add_explicit(&overflows_on[ex->cpu], 1, memory_order_relaxed);
	/* Runs the task work (and flushes an overflowed CQ); a CQE it posts is a signal next time. */
	if (flags & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW))
		io_uring_get_events(r);
	if (!s->rearm)
		return;
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	if (!sqe)
		return;
	io_uring_prep_poll_multishot(sqe, s->rd.fd, POLLIN | POLLPRI);
	if (io_uring_submit(r) == 1) {
		s->rearm = 0;
		atomic_fetch_add_explicit(&rearms_on[ex->cpu], 1, memory_order_relaxed);
		s->read_again = 1;	/* what came while it was down */
	}
}

/*
 * One source, executive context.  A signal is the word or a CQE.
 *
 * With DEFER_TASKRUN the word always has an unread event behind it: it is
 * set only when a wake-up queues new task work, which it can only do once
 * our io_uring_enter() has run the last one, and we read the fd before
 * that enter, never after; nobody else reads the fd.  So on the word one
 * event is fired at once, before the read: the read (in a VM it also
 * re-arms a periodic timerfd's hardware timer, an exit to the hypervisor)
 * and the ring's upkeep wait until the thread it woke has run, and the
 * count is then made up to what the read said.
 *
 * A CQE is no such promise: the poll's task work posts the mask the wake-up
 * stashed (io_uring/poll.c, __io_poll_execute()), also for an event the read
 * before it took.  On a CQE, and always in COOP_TASKRUN mode, where task
 * work runs at any return to user mode, the read comes first and its count
 * is all that is fired.
 */
static void serve(struct usrc *s, struct dc_executive *ex, int *woke)
{
	struct io_uring *r = &s->ring;
	if (s->rd.lost)
		return;		/* the device is gone: nothing more to hear */
	if (s->failed) {
		uint64_t now = dc_now();
		if (now - s->last_read >= DC_READ_POLL_NS) {
			s->last_read = now;
			*woke |= reconcile(s, ex);
		}
		return;
	}
	unsigned flags = IO_URING_READ_ONCE(*r->sq.kflags);
	if (s->owed) {
		/* Not before the woken thread has had the CPU (a switch since, or nothing ready). */
		uint64_t sw = atomic_load_explicit(&ex->st_switches, memory_order_relaxed);
		if (sw == s->owed_at && dc_rq_top_prio(&ex->rq) >= 0)
			return;
		s->owed = 0;
		*woke |= reconcile(s, ex);
		upkeep(s, ex, flags);
		return;
	}
	int cqes = *r->cq.khead != io_uring_smp_load_acquire(r->cq.ktail);
	if (!(flags & IORING_SQ_TASKRUN) && !cqes && !s->read_again) {
		if (s->rearm || (flags & IORING_SQ_CQ_OVERFLOW))
			upkeep(s, ex, flags);
		return;
	}
	if (cqes)
		reap(s);
	if ((flags & IORING_SQ_TASKRUN) && s->provisional && !s->read_again && !s->credit) {
		fire(s, ex, 1);
		s->credit = 1;
		*woke = 1;
		s->owed = 1;
		s->owed_at = atomic_load_explicit(&ex->st_switches, memory_order_relaxed);
		return;
	}
	s->read_again = 0;
	*woke |= reconcile(s, ex);
	upkeep(s, ex, IO_URING_READ_ONCE(*r->sq.kflags));
}

static int uring_poll(struct dc_executive *ex)
{
	if (!atomic_load_explicit(&per_cpu[ex->cpu], memory_order_relaxed))
		return 0;
	int woke = 0;
	int n = atomic_load_explicit(&nslots, memory_order_acquire);
	for (int i = 0; i < n; i++) {
		struct usrc *s = &srcs[i];
		int st = atomic_load_explicit(&s->state, memory_order_acquire);
		if (s->cpu != ex->cpu || (st != ACTIVE && st != NEW))
			continue;
		if (!atomic_compare_exchange_strong_explicit(&s->state, &st, BUSY,
							     memory_order_acquire, memory_order_relaxed))
			continue;
		if (st == NEW)
			adopt(s);
		serve(s, ex, &woke);
		atomic_store_explicit(&s->state, ACTIVE, memory_order_release);
	}
	return woke;
}

/* Whether a source's word or CQ says there is an event (read-only). */
static int uring_pending(struct dc_executive *ex)
{
	if (!atomic_load_explicit(&per_cpu[ex->cpu], memory_order_relaxed))
		return 0;
	int pending = 0;
	int n = atomic_load_explicit(&nslots, memory_order_acquire);
	for (int i = 0; i < n && !pending; i++) {
		struct usrc *s = &srcs[i];
		int st = ACTIVE;
		if (s->cpu != ex->cpu || atomic_load_explicit(&s->state, memory_order_relaxed) != ACTIVE)
			continue;
		/* BUSY while we look: a closer unmaps the ring only after. */
		if (!atomic_compare_exchange_strong_explicit(&s->state, &st, BUSY,
							     memory_order_acquire, memory_order_relaxed))
			continue;
		struct io_uring *r = &s->ring;
		pending = !s->owed && !s->failed && !s->rd.lost && ((IO_URING_READ_ONCE(*r->sq.kflags) & IORING_SQ_TASKRUN) ||
				       *r->cq.khead != io_uring_smp_load_acquire(r->cq.ktail));
		atomic_store_explicit(&s->state, ACTIVE, memory_order_release);
	}
	return pending;
}

/*
 * A sleeping executive (shared placement) waits on the sources' own fds: the
 * interrupt's wake-up of the fd wakes it too, and its next poll sees the word.
 * A source closed meanwhile is harmless: ppoll() holds its own reference to
 * the file, and the next sleep takes a fresh list.
 */
static int uring_wait_fds(struct dc_executive *ex, struct pollfd *fds, int max)
{
	int n = 0;
	if (!atomic_load_explicit(&per_cpu[ex->cpu], memory_order_relaxed))
		return 0;
	int slots = atomic_load_explicit(&nslots, memory_order_acquire);
	for (int i = 0; i < slots && n < max; i++) {
		struct usrc *s = &srcs[i];
		/* A lost device's fd would poll ready (POLLERR) for ever. */
		if (s->cpu == ex->cpu && !s->rd.lost &&
		    atomic_load_explicit(&s->state, memory_order_acquire) == ACTIVE)
			fds[n++] = (struct pollfd){ .fd = s->rd.fd, .events = POLLIN | POLLPRI };
	}
	return n;
}

/*
 * The fork child: each ring's memory is a shared mapping of the parent's
 * ring, so a child that advanced its CQ head or submitted to it would
 * corrupt the parent's.  Unmap (io_uring_queue_exit(): munmap and close
 * only) and close the child's copies; the inherited Irqs are lost
 * (-ENODEV).  The parent's rings and fds are untouched.
 */
static void uring_fork_child(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	setup_lock = fresh;
	int n = atomic_load(&nslots);
	for (int i = 0; i < n; i++) {
		struct usrc *s = &srcs[i];
		if (atomic_load_explicit(&s->state, memory_order_relaxed) == FREE)
			continue;
		ring_destroy(s);
		if (s->rd.fd >= 0)
			close(s->rd.fd);
		s->rd.fd = -1;
		if (s->irq) {
			atomic_store_explicit(&s->irq->lost, -ENODEV, memory_order_relaxed);
			s->irq->source = NULL;
		}
		s->irq = NULL;
		atomic_store_explicit(&s->state, FREE, memory_order_relaxed);
	}
	for (int c = 0; c < DC_MAX_CPUS; c++)
		atomic_store(&per_cpu[c], 0);
}

/*
 * The executive is stopping (its own thread, after its loop): its rings
 * die with it.  Each source gets a fresh disabled ring for the next one.
 */
static void uring_exec_stop(struct dc_executive *ex)
{
	if (!atomic_load(&per_cpu[ex->cpu]))
		return;
	pthread_mutex_lock(&setup_lock);
	for (int i = 0; i < DC_URING_MAX; i++) {
		struct usrc *s = &srcs[i];
		int st = ACTIVE;
		if (s->cpu != ex->cpu || !atomic_compare_exchange_strong(&s->state, &st, BUSY))
			continue;
		ring_destroy(s);
		ring_create(s);		/* on failure adopt() tries again */
		atomic_store(&s->state, NEW);
	}
	pthread_mutex_unlock(&setup_lock);
}

static void uring_stats(const struct dc_executive *ex, struct dc_executive_stats *st)
{
	st->irq_uring_sources = (unsigned)atomic_load(&per_cpu[ex->cpu]);
	st->irq_uring_events = atomic_load(&events_on[ex->cpu]);
	st->irq_uring_rearms = atomic_load(&rearms_on[ex->cpu]);
	st->irq_uring_overflows = atomic_load(&overflows_on[ex->cpu]);
	st->irq_uring_failed = atomic_load(&failed_on[ex->cpu]);
}

DC_PLUGIN(uring_register)
{
	static const struct dc_event_source src = {
		.order = DC_SOURCE_ORDER_DEVICE,
		.poll = uring_poll,
		.pending = uring_pending,
		.wait_fds = uring_wait_fds,
	};
	static const struct dc_switch_hook hook = {
		.exec_stop = uring_exec_stop,
		.stats = uring_stats,
		.fork_child = uring_fork_child,
	};
	dc_core_add_source(&src);
	dc_core_add_hook(&hook);
}
