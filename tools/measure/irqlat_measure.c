/* SPDX-License-Identifier: MIT */
/* The in-process variants of `decouple irqlat`.  See irqlat_measure.h. */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "irqlat_measure.h"
#include "partition.h"	/* dc_partition_admit() */

const char *const irqlat_variant_names[IRQLAT_NVARIANTS] = {
	[IRQLAT_DECOUPLED] = "decoupled",
	[IRQLAT_LINUX] = "linux",
	[IRQLAT_CYCLICTEST] = "cyclictest",
	[IRQLAT_FLOOR] = "floor",
};

/* A dc_irq_wait() that hears nothing this long looks at the stop flag and the clock. */
#define IRQLAT_WAIT_SLICE_NS	100000000ull
/* The first expiry comes at least this long after the timer is armed. */
#define IRQLAT_ARM_LEAD_NS	100000ull

struct worker {
	struct irqlat_turn *t;
	int idx;
	int err;
	const char *what;
};

static struct worker workers[IRQLAT_MAX_THREADS];

int irqlat_thread_init(struct irqlat_thread *th, size_t max_samples)
{
	int err = rtm_samples_prealloc(&th->s, max_samples);
	th->missed = th->early = 0;
	atomic_store(&th->tid, 0);
	rtm_live_reset(&th->live);
	return err;
}

void irqlat_thread_free(struct irqlat_thread *th)
{
	samples_free(&th->s);
}

/* The sample count at which this thread's turn ends: its loops, or full storage. */
static size_t turn_limit(const struct irqlat_turn *t, const struct irqlat_thread *th)
{
	size_t room = th->s.cap - th->s.n;
	return th->s.n + (t->loops && t->loops < room ? (size_t)t->loops : room);
}

/*
 * The first expiry of a timer armed now: the first multiple of the period
 * (on the dc_now() epoch, CLOCK_MONOTONIC's) that leaves the lead, so that
 * every thread of a turn shares the same expiries, as cyclictest's with -d 0.
 */
static uint64_t first_expiry(uint64_t period)
{
	uint64_t now = dc_now() + IRQLAT_ARM_LEAD_NS;
	return (now / period + 1) * period;
}

static void timespec_of(struct timespec *ts, uint64_t ns)
{
	ts->tv_sec = (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

/*
 * Arm fd as a periodic absolute timer from `first`.  Through
 * dc_linux_syscall(): from a decoupled thread it runs in the Linux
 * context, from a Linux thread it is the plain call.  0 or -errno.
 */
static int arm(int fd, uint64_t first, uint64_t period)
{
	struct itimerspec its;
	timespec_of(&its.it_value, first);
	timespec_of(&its.it_interval, period);
	long r = dc_linux_syscall(SYS_timerfd_settime, fd, TFD_TIMER_ABSTIME, &its, NULL);
	return r < 0 ? (int)r : 0;
}

static void disarm(int fd)
{
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	dc_linux_syscall(SYS_timerfd_settime, fd, 0, &its, NULL);
}

/*
 * One wake-up that took `count` expirations, the last of them at index
 * *seen + count - 1: record its latency, count the others as missed.
 */
static void record(struct irqlat_thread *th, uint64_t first, uint64_t period, uint64_t *seen,
		   uint64_t count, uint64_t now)
{
	*seen += count;
	uint64_t expiry = first + (*seen - 1) * period;
	uint64_t lat = 0;
	if (now >= expiry)
		lat = now - expiry;
	else
		th->early++;
	th->missed += count - 1;
	th->s.ns[th->s.n++] = lat;
	rtm_live_publish(&th->live, lat);
}

/* Whether a thread that has taken `seen` expirations from `first` is done. */
static bool done(const struct irqlat_turn *t, size_t n, size_t limit, uint64_t first,
		 uint64_t seen)
{
	if (n >= limit || atomic_load_explicit(t->stop, memory_order_relaxed))
		return true;
	return t->duration_ns && first + seen * t->period_ns >= first + t->duration_ns;
}

/* --- decoupled: the ISR ------------------------------------------------------ */

static void isr_loop(struct irqlat_turn *t, struct irqlat_thread *th, dc_cap_t irq,
		     uint64_t first, struct worker *w)
{
	uint64_t seen = 0, period = t->period_ns;
	size_t limit = turn_limit(t, th);
	while (!done(t, th->s.n, limit, first, seen)) {
		uint32_t count = 0;
		int err = dc_irq_wait(irq, first + seen * period + IRQLAT_WAIT_SLICE_NS, &count);
		uint64_t now = dc_now();	/* the ISR's first instruction */
		if (err == -ETIMEDOUT)
			continue;
		if (err) {
			w->err = err;
			w->what = "wait for the Irq on";
			return;
		}
		if (count)
			record(th, first, period, &seen, count, now);
	}
}

static void decoupled_thread(struct worker *w)
{
	struct irqlat_turn *t = w->t;
	struct irqlat_thread *th = &t->th[w->idx];
	dc_cap_t irq = -1;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0) {
		w->err = -errno;
		w->what = "create a timerfd for";
		return;
	}
	struct dc_irq_fd_attr a = { .kind = DC_FD_TIMERFD, .path = t->path, .cpu = t->cpu };
	irq = dc_irq_from_fd_attr(fd, &a);
	if (irq < 0) {
		w->err = irq;
		w->what = "bind the timerfd to an Irq on";
		goto fail;
	}
	if (w->idx == 0)
		t->path_used = dc_irq_path_of(irq);
	struct dc_executive_attr ea = { .placement = t->placement, .sched_priority = t->prio };
	int err = dc_executive_configure(t->cpu, &ea);
	if (err && err != -EBUSY) {	/* busy: another ISR thread of this turn started it */
		w->err = err;
		w->what = "configure the executive of";
		goto fail;
	}
	if ((err = dc_decouple(t->cpu, t->prio)) != 0) {
		w->err = err;
		w->what = "decouple onto";
		goto fail;
	}
	uint64_t first = first_expiry(t->period_ns);
	if ((err = arm(fd, first, t->period_ns)) != 0) {
		w->err = err;
		w->what = "arm the timerfd on";
	} else {
		isr_loop(t, th, irq, first, w);
		disarm(fd);
	}
	err = dc_recouple();
	if (!w->err && err) {
		w->err = err;
		w->what = "recouple from";
	}
fail:
	if (irq >= 0)
		dc_cap_close(irq);
	close(fd);
}

/* --- linux and floor: a pinned SCHED_FIFO thread ------------------------------ */

static int pin_fifo(struct irqlat_turn *t, int tid)
{
	/* Inside the partition's cpuset when there is one, as decouple noise does. */
	int err = dc_partition_admit(t->cpu, tid);
	if (err)
		return err;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return errno == EINVAL ? -ENODEV : -errno;
	struct sched_param sp = { .sched_priority = t->prio };
	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
		return -errno;
	return 0;
}

static void linux_loop(struct irqlat_turn *t, struct irqlat_thread *th, int fd, uint64_t first,
		       struct worker *w)
{
	uint64_t seen = 0;
	size_t limit = turn_limit(t, th);
	while (!done(t, th->s.n, limit, first, seen)) {
		uint64_t count;
		ssize_t r = read(fd, &count, sizeof(count));
		uint64_t now = dc_now();	/* the first instruction after read() */
		if (r < 0 && errno == EINTR)
			continue;
		if (r != sizeof(count)) {
			w->err = r < 0 ? -errno : -EIO;
			w->what = "read the timerfd on";
			return;
		}
		record(th, first, t->period_ns, &seen, count, now);
	}
}

/*
 * Poll the clock back to back.  A step longer than the threshold that ends
 * after the next expiry is a gap; when the (non-blocking) timerfd then has
 * expirations, that gap was its interrupt and its end is the sample.  The
 * read also re-arms the periodic timer, on this CPU: a periodic timerfd's
 * next interrupt lands where it was last read.  The read's own time is no
 * gap: the clock is read again after it.
 */
static void floor_loop(struct irqlat_turn *t, struct irqlat_thread *th, int fd, uint64_t first)
{
	uint64_t seen = 0, period = t->period_ns, thr = t->floor_threshold_ns;
	size_t limit = turn_limit(t, th);
	uint64_t prev = dc_now();
	while (!done(t, th->s.n, limit, first, seen)) {
		uint64_t now = dc_now();
		if (now - prev > thr && now >= first + seen * period) {
			uint64_t count;
			if (read(fd, &count, sizeof(count)) == sizeof(count))
				record(th, first, period, &seen, count, now);
			now = dc_now();
		}
		prev = now;
	}
}

static void linux_or_floor_thread(struct worker *w)
{
	struct irqlat_turn *t = w->t;
	struct irqlat_thread *th = &t->th[w->idx];
	bool is_floor = t->variant == IRQLAT_FLOOR;
	int err = pin_fifo(t, atomic_load(&th->tid));
	if (err) {
		w->err = err;
		w->what = "run a SCHED_FIFO thread on";
		return;
	}
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | (is_floor ? TFD_NONBLOCK : 0));
	if (fd < 0) {
		w->err = -errno;
		w->what = "create a timerfd for";
		return;
	}
	uint64_t first = first_expiry(t->period_ns);
	if ((err = arm(fd, first, t->period_ns)) != 0) {
		w->err = err;
		w->what = "arm the timerfd on";
	} else if (is_floor) {
		floor_loop(t, th, fd, first);
	} else {
		linux_loop(t, th, fd, first, w);
	}
	close(fd);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct irqlat_turn *t = w->t;
	atomic_store(&t->th[w->idx].tid, (int)syscall(SYS_gettid));
	rtm_live_reset(&t->th[w->idx].live);
	if (t->variant == IRQLAT_DECOUPLED)
		decoupled_thread(w);
	else
		linux_or_floor_thread(w);
	if (atomic_fetch_sub(&t->left, 1) == 1)
		atomic_store_explicit(&t->finished, 1, memory_order_release);
	return NULL;
}

int irqlat_turn_start(struct irqlat_turn *t)
{
	int n = t->variant == IRQLAT_FLOOR ? 1 : t->nthreads;
	if (t->variant == IRQLAT_CYCLICTEST || n < 1 || n > IRQLAT_MAX_THREADS || !t->period_ns)
		return -EINVAL;
	t->err = 0;
	t->err_what = NULL;
	t->path_used = -ENOENT;
	t->have_stats = 0;
	t->started = 0;
	atomic_store(&t->finished, 0);
	atomic_store(&t->left, n);
	for (int i = 0; i < n; i++) {
		workers[i] = (struct worker){ .t = t, .idx = i };
		/* Signals go to the caller's thread, which reports; never to these. */
		int err = rtm_thread_start(&t->threads[i], worker_main, &workers[i]);
		if (err) {
			/* The ones started end by themselves on the stop flag or their limits. */
			atomic_store(t->stop, 1);
			atomic_fetch_sub(&t->left, n - i);
			for (int k = 0; k < i; k++)
				pthread_join(t->threads[k], NULL);
			return err;
		}
		t->started++;
	}
	return 0;
}

void irqlat_turn_join(struct irqlat_turn *t)
{
	for (int i = 0; i < t->started; i++) {
		pthread_join(t->threads[i], NULL);
		if (workers[i].err && !t->err) {
			t->err = workers[i].err;
			t->err_what = workers[i].what;
		}
	}
	/* After the last thread left, the executive has stopped: final totals. */
	if (t->variant == IRQLAT_DECOUPLED)
		t->have_stats = dc_executive_stats(t->cpu, &t->st) == 0;
}
