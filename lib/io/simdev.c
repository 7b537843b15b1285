/* SPDX-License-Identifier: MIT */
/*
 * The simulated device (decouple-simdev.h).  Its "interrupt" is what a real
 * device's would become once Linux has handled it: an eventfd becoming
 * readable (the UIO path), or registers changing in mapped memory (polled).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "decouple-simdev.h"
#include "core.h"
#include "partition.h"

struct model {
	pthread_t thread;
	uint64_t period_ns, n, raised;
	_Atomic int stop;
};

int dc_simdev_create(struct dc_simdev *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->memfd = dev->irq_fd = -1;
	int err;
	dev->memfd = memfd_create("dc-simdev", MFD_CLOEXEC);
	if (dev->memfd < 0 || ftruncate(dev->memfd, 4096) != 0)
		goto fail_errno;
	dev->regs = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, dev->memfd, 0);
	if (dev->regs == MAP_FAILED) {
		dev->regs = NULL;
		goto fail_errno;
	}
	dev->irq_fd = eventfd(0, EFD_CLOEXEC);
	if (dev->irq_fd < 0)
		goto fail_errno;
	return 0;
fail_errno:
	err = -errno;
	dc_simdev_destroy(dev);
	return err;
}

void dc_simdev_raise(struct dc_simdev *dev)
{
	struct dc_simdev_regs *r = dev->regs;
	r->data = r->count * 7u + 1u;
	r->raised_ns = dc_now();
	/* Registers first, then the count that announces them, then the interrupt. */
	atomic_thread_fence(memory_order_release);
	__atomic_fetch_or(&r->status, DC_SIMDEV_STATUS_READY, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&r->count, 1, __ATOMIC_SEQ_CST);
	uint64_t one = 1;
	if (write(dev->irq_fd, &one, sizeof(one)) != sizeof(one)) {
		/* an eventfd at its maximum: the count register still tells */
	}
}

static void *model_main(void *arg)
{
	struct dc_simdev *dev = arg;
	struct model *m = dev->model;
	uint64_t next = dc_now();
	while (!atomic_load(&m->stop) && (!m->n || m->raised < m->n)) {
		if (m->period_ns) {
			next += m->period_ns;
			dc_sleep_until(next);
		}
		dc_simdev_raise(dev);
		m->raised++;
	}
	return NULL;
}

int dc_simdev_start(struct dc_simdev *dev, uint64_t period_ns, uint64_t n)
{
	if (dev->model)
		return -EBUSY;
	struct model *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->period_ns = period_ns;
	m->n = n;
	dev->model = m;
	/* A housekeeping CPU, as a device's interrupt would reach Linux. */
	pthread_attr_t pa;
	pthread_attr_init(&pa);
	struct sched_param sp = { .sched_priority = 0 };
	pthread_attr_setinheritsched(&pa, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&pa, SCHED_OTHER);
	pthread_attr_setschedparam(&pa, &sp);
	int rt[8], nrt = dc_default_cpus(rt, 8);
	cpu_set_t set;
	CPU_ZERO(&set);
	for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
		CPU_SET(c, &set);
	for (int i = 0; i < nrt && i < 8; i++)
		CPU_CLR(rt[i], &set);
	if (CPU_COUNT(&set))
		pthread_attr_setaffinity_np(&pa, sizeof(set), &set);
	int err = pthread_create(&m->thread, &pa, model_main, dev);
	pthread_attr_destroy(&pa);
	if (err) {
		free(m);
		dev->model = NULL;
		return -err;
	}
	return 0;
}

uint64_t dc_simdev_stop(struct dc_simdev *dev)
{
	struct model *m = dev->model;
	if (!m)
		return 0;
	atomic_store(&m->stop, 1);
	pthread_join(m->thread, NULL);
	uint64_t raised = m->raised;
	free(m);
	dev->model = NULL;
	return raised;
}

void dc_simdev_destroy(struct dc_simdev *dev)
{
	dc_simdev_stop(dev);
	if (dev->regs)
		munmap(dev->regs, 4096);
	if (dev->memfd >= 0)
		close(dev->memfd);
	if (dev->irq_fd >= 0)
		close(dev->irq_fd);
	dev->regs = NULL;
	dev->memfd = dev->irq_fd = -1;
}
