/* SPDX-License-Identifier: MIT */
/*
 * The fd bridge, the fallback delivery path of fd Irqs (irq_fd.c).
 *
 * One Linux thread per process, started on first use, runs on the
 * housekeeping CPUs (those that are not real-time CPUs, dc_default_cpus())
 * and waits for every bridged fd with epoll.  When one is readable it reads
 * the events the fd counts and triggers the Irq with exactly that many.
 *
 * It runs SCHED_FIFO at DC_BRIDGE_PRIO (default 50): an interrupt then costs
 * one Linux scheduling decision, a FIFO wake-up on a housekeeping CPU, and
 * does not wait behind the load there as a SCHED_OTHER thread did (510 µs
 * at p50 under hackbench, issue 12).  Without the right to SCHED_FIFO the
 * bridge does not start: the caller gets -EPERM, never a slower path.
 *
 * Epoll carries a source's slot and generation, not a pointer, so a source
 * closed while its event is in flight is simply not found.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "io.h"
#include "partition.h"

#define DC_BRIDGE_MAX 256
#define DC_BRIDGE_PRIO_DEFAULT 50

struct source {
	struct dc_fd_reader rd;		/* rd.fd -1: free slot */
	uint32_t gen;
	struct dc_irq *irq;		/* holds a reference */
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
	dc_irq_fire_many(s->irq, dc_fd_read_events(&s->rd), NULL);
	if (s->rd.lost) {
		/* Level-triggered epoll would report the dead fd for ever. */
		epoll_ctl(epfd, EPOLL_CTL_DEL, s->rd.fd, NULL);
		dc_irq_lose(s->irq, -ENODEV, NULL);
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
			if (slot < DC_BRIDGE_MAX && s->rd.fd >= 0 && s->gen == gen)
				serve(s);
		}
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* DC_BRIDGE_PRIO, a SCHED_FIFO priority; -EINVAL when malformed. */
static int bridge_prio(void)
{
	const char *env = getenv("DC_BRIDGE_PRIO");
	if (!env || !*env)
		return DC_BRIDGE_PRIO_DEFAULT;
	char *end;
	long v = strtol(env, &end, 10);
	if (*end || v < 1 || v > 99) {
		dc_warn("DC_BRIDGE_PRIO=%s: expected a SCHED_FIFO priority from 1 to 99", env);
		return -EINVAL;
	}
	return (int)v;
}

static void start(void)
{
	for (int i = 0; i < DC_BRIDGE_MAX; i++)
		sources[i].rd.fd = -1;
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
	/* Its own priority, not the creator's (an executive's, say). */
	struct sched_param sp = { .sched_priority = bridge_prio() };
	if (sp.sched_priority < 0) {
		start_error = sp.sched_priority;
		goto out;
	}
	pthread_attr_setinheritsched(&pa, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&pa, SCHED_FIFO);
	pthread_attr_setschedparam(&pa, &sp);
	start_error = -pthread_create(&t, &pa, bridge_main, NULL);
	if (start_error == -EPERM)
		dc_warn("the Irq bridge needs SCHED_FIFO %d (root, CAP_SYS_NICE or RLIMIT_RTPRIO): "
			"fd Irqs on the bridge path are refused", sp.sched_priority);
	if (!start_error)
		pthread_setname_np(t, "dc-irq-bridge");
out:
	pthread_attr_destroy(&pa);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void stop_source(struct dc_irq *irq)
{
	pthread_mutex_lock(&lock);
	struct source *s = irq->source;
	if (s && s->rd.fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, s->rd.fd, NULL);
		close(s->rd.fd);
		s->rd.fd = -1;
		s->irq = NULL;
		irq->source = NULL;
		dc_obj_put(&irq->obj);
	}
	pthread_mutex_unlock(&lock);
}

/*
 * The fork child has no bridge thread, and its epoll fd is the parent's
 * epoll instance: a source added or removed there would change the
 * parent's.  Drop both, and the lock the bridge may have held at the fork.
 * The inherited sources' Irqs are lost (-ENODEV); the child's own fd Irqs
 * start a bridge of its own.  Only close() and stores: async-signal-safe.
 */
static void bridge_fork_child(void)
{
	pthread_mutex_t fresh_lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_once_t fresh_once = PTHREAD_ONCE_INIT;
	lock = fresh_lock;
	start_once = fresh_once;
	start_error = 0;
	if (epfd < 0)
		return;		/* never started: sources[] is not even set up */
	close(epfd);
	epfd = -1;
	for (int i = 0; i < DC_BRIDGE_MAX; i++) {
		struct source *s = &sources[i];
		if (s->rd.fd < 0 || !s->irq)
			continue;
		close(s->rd.fd);	/* the parent's duplicate stays, and so its epoll entry */
		s->rd.fd = -1;
		atomic_store_explicit(&s->irq->lost, -ENODEV, memory_order_relaxed);
		s->irq->source = NULL;	/* its close has nothing to stop */
		s->irq = NULL;
	}
}

DC_PLUGIN(irq_bridge_register)
{
	static const struct dc_switch_hook hook = { .fork_child = bridge_fork_child };
	dc_core_add_hook(&hook);
}

/* Feed `irq` (the caller's reference passes to the bridge) from a duplicate of `fd`. */
int dc_bridge_add(struct dc_irq *irq, int fd, enum dc_fd_kind kind)
{
	pthread_once(&start_once, start);
	if (start_error)
		return start_error;
	int err = -ENOSPC;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < DC_BRIDGE_MAX; i++) {
		struct source *s = &sources[i];
		if (s->rd.fd >= 0)
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
		s->rd = (struct dc_fd_reader){ .fd = dup, .kind = kind };
		s->irq = irq;
		irq->source = s;
		irq->source_stop = stop_source;
		irq->source_path = DC_IRQ_PATH_BRIDGE;
		err = 0;
		break;
	}
	pthread_mutex_unlock(&lock);
	return err;
}
