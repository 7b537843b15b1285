/* SPDX-License-Identifier: MIT */
/*
 * The fd bridge: Irqs fed by file descriptors.
 *
 * One Linux thread per process, started on first use, runs on the
 * housekeeping CPUs (those that are not real-time CPUs, dc_default_cpus())
 * and waits for every bridged fd with epoll.  When one is readable it reads
 * the events the fd counts and triggers the Irq with exactly that many:
 *
 *   eventfd  8 bytes, the counter (reading resets it)
 *   timerfd  8 bytes, expirations since the last read
 *   uio      4 bytes, the device's total interrupt count: the difference to
 *            the last total is what happened; then 1 is written back to
 *            re-enable the interrupt (irqcontrol), for devices that mask it
 *   gpio     GPIO v2 line events, one per struct gpio_v2_line_event
 *
 * Epoll carries a source's slot and generation, not a pointer, so a source
 * closed while its event is in flight is simply not found.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "object.h"

#define DC_BRIDGE_MAX 256

struct source {
	int fd;				/* -1: free slot */
	uint32_t gen;
	enum dc_fd_kind kind;
	struct dc_irq *irq;		/* holds a reference */
	int uio_seen;
	uint32_t uio_last;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static int epfd = -1, start_error;
static struct source sources[DC_BRIDGE_MAX];

/*
 * Every online CPU but the real-time ones: the bridge may be started from
 * decoupled code, whose OS thread is an executive pinned to its CPU.
 */
static void keep_off_rt_cpus(void)
{
	int rt[64];
	int n = dc_default_cpus(rt, 64);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	CPU_ZERO(&set);
	for (long c = 0; c < ncpu && c < CPU_SETSIZE; c++)
		CPU_SET(c, &set);
	for (int i = 0; i < n && i < 64; i++)
		CPU_CLR(rt[i], &set);
	if (CPU_COUNT(&set))
		sched_setaffinity(0, sizeof(set), &set);
}

static void serve(struct source *s)
{
	uint64_t v = 0;
	uint32_t total;
	struct gpio_v2_line_event ev[16];
	ssize_t r;
	switch (s->kind) {
	case DC_FD_EVENTFD:
	case DC_FD_TIMERFD:
		if (read(s->fd, &v, sizeof(v)) != sizeof(v))
			return;
		break;
	case DC_FD_UIO:
		if (read(s->fd, &total, sizeof(total)) != sizeof(total))
			return;
		/* The first total has no predecessor we saw: count one interrupt. */
		v = s->uio_seen ? (uint32_t)(total - s->uio_last) : 1;
		s->uio_seen = 1;
		s->uio_last = total;
		int32_t on = 1;
		if (write(s->fd, &on, sizeof(on)) < 0) {
			/* devices without irqcontrol: nothing to re-enable */
		}
		break;
	case DC_FD_GPIO:
		r = read(s->fd, ev, sizeof(ev));
		if (r <= 0)
			return;
		v = (uint64_t)r / sizeof(ev[0]);
		break;
	default:
		return;
	}
	while (v) {
		uint32_t n = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		dc_irq_fire(s->irq, n, NULL);
		v -= n;
	}
}

static void *bridge_main(void *arg)
{
	(void)arg;
	keep_off_rt_cpus();
	for (;;) {
		struct epoll_event ev[32];
		int n = epoll_wait(epfd, ev, 32, -1);
		pthread_mutex_lock(&lock);
		for (int i = 0; i < n; i++) {
			uint32_t slot = (uint32_t)ev[i].data.u64, gen = (uint32_t)(ev[i].data.u64 >> 32);
			struct source *s = &sources[slot];
			if (slot < DC_BRIDGE_MAX && s->fd >= 0 && s->gen == gen)
				serve(s);
		}
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void start(void)
{
	for (int i = 0; i < DC_BRIDGE_MAX; i++)
		sources[i].fd = -1;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		start_error = -errno;
		return;
	}
	/* The bridge takes no signals: they belong to the program's threads. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_t t;
	pthread_attr_t pa;
	pthread_attr_init(&pa);
	pthread_attr_setdetachstate(&pa, PTHREAD_CREATE_DETACHED);
	/* Not the creator's SCHED_FIFO if that is an executive. */
	struct sched_param sp = { .sched_priority = 0 };
	pthread_attr_setinheritsched(&pa, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&pa, SCHED_OTHER);
	pthread_attr_setschedparam(&pa, &sp);
	start_error = -pthread_create(&t, &pa, bridge_main, NULL);
	pthread_attr_destroy(&pa);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!start_error)
		pthread_setname_np(t, "dc-irq-bridge");
}

/* What kind of fd this is, from its /proc/self/fd link (and sysfs for UIO). */
static enum dc_fd_kind detect(int fd)
{
	char link[64], target[256];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return DC_FD_AUTO;
	target[n] = 0;
	if (!strcmp(target, "anon_inode:[eventfd]"))
		return DC_FD_EVENTFD;
	if (!strcmp(target, "anon_inode:[timerfd]"))
		return DC_FD_TIMERFD;
	if (!strcmp(target, "anon_inode:gpio-line"))
		return DC_FD_GPIO;
	struct stat st;
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return DC_FD_AUTO;
	char rel[96], path[512];
	snprintf(rel, sizeof(rel), "/dev/char/%u:%u/subsystem", major(st.st_rdev), minor(st.st_rdev));
	if (dc_sysfs_path(path, sizeof(path), rel) == 0 &&
	    (n = readlink(path, target, sizeof(target) - 1)) > 0) {
		target[n] = 0;
		const char *base = strrchr(target, '/');
		if (base && !strcmp(base, "/uio"))
			return DC_FD_UIO;
	}
	return DC_FD_AUTO;
}

static void stop_source(struct dc_irq *irq)
{
	pthread_mutex_lock(&lock);
	struct source *s = irq->source;
	if (s && s->fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
		s->fd = -1;
		s->irq = NULL;
		irq->source = NULL;
		dc_obj_put(&irq->obj);
	}
	pthread_mutex_unlock(&lock);
}

dc_cap_t dc_irq_from_fd_kind(int fd, enum dc_fd_kind kind)
{
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	if (kind == DC_FD_AUTO)
		kind = detect(fd);
	if (kind < DC_FD_EVENTFD || kind > DC_FD_GPIO)
		return -EINVAL;
	pthread_once(&start_once, start);
	if (start_error)
		return start_error;

	struct dc_irq *irq;
	dc_cap_t cap = dc_irq_create_ref(&irq);
	if (cap < 0)
		return cap;
	int err = -ENOSPC;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < DC_BRIDGE_MAX; i++) {
		struct source *s = &sources[i];
		if (s->fd >= 0)
			continue;
		int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (dup < 0) {
			err = -errno;
			break;
		}
		s->gen++;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLPRI,
					  .data.u64 = (uint64_t)s->gen << 32 | (uint32_t)i };
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, dup, &ev) != 0) {
			err = -errno;
			close(dup);
			break;
		}
		s->fd = dup;
		s->kind = kind;
		s->irq = irq;		/* the reference dc_irq_create_ref() gave us */
		s->uio_seen = 0;
		irq->source = s;
		irq->source_stop = stop_source;
		err = 0;
		break;
	}
	pthread_mutex_unlock(&lock);
	if (err) {
		dc_obj_put(&irq->obj);
		dc_cap_close(cap);
		return err;
	}
	return cap;
}

dc_cap_t dc_irq_from_fd(int fd)
{
	return dc_irq_from_fd_kind(fd, DC_FD_AUTO);
}
