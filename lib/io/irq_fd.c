/* SPDX-License-Identifier: MIT */
/*
 * Irqs fed by file descriptors: what kind of fd it is, how its reads count
 * events, and which delivery path serves it.
 *
 *   eventfd  8 bytes, the counter (reading resets it)
 *   timerfd  8 bytes, expirations since the last read
 *   uio      4 bytes, the device's total interrupt count: the difference to
 *            the last total is what happened; then 1 is written back to
 *            re-enable the interrupt (irqcontrol), for devices that mask it
 *   gpio     GPIO v2 line events, one per struct gpio_v2_line_event
 *
 * Paths (docs/irq.md): the executive's io_uring (irq_uring.c), where the
 * interrupt's own handler sets a flag the executive polls, and the bridge
 * thread (irq_bridge.c), the fallback.  Either way the count triggered is
 * what the reads said, so counts are exact whichever path serves the fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "io.h"
#include "partition.h"

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

/* Raw: the executive calls this too, where errno is some decoupled thread's. */
static long raw_read(int fd, void *buf, size_t len)
{
	return dc_arch_syscall6(SYS_read, fd, (long)buf, (long)len, 0, 0, 0);
}

/*
 * A read, and what its failure means: none yet (-EAGAIN, -EINTR), or a
 * source that is gone for good (an unbound UIO device reads -EIO; a closed
 * fd -EBADF), which r->lost keeps.
 */
static long read_or_lose(struct dc_fd_reader *r, void *buf, size_t len)
{
	long n = raw_read(r->fd, buf, len);
	if (n < 0 && n != -EAGAIN && n != -EINTR && !r->lost)
		r->lost = (int)n;
	return n;
}

uint64_t dc_fd_read_events(struct dc_fd_reader *r)
{
	uint64_t v = 0;
	uint32_t total;
	struct gpio_v2_line_event ev[16];
	long n;
	if (r->lost)
		return 0;
	switch (r->kind) {
	case DC_FD_EVENTFD:
	case DC_FD_TIMERFD:
		if (read_or_lose(r, &v, sizeof(v)) != sizeof(v))
			return 0;
		return v;
	case DC_FD_UIO:
		if (read_or_lose(r, &total, sizeof(total)) != sizeof(total))
			return 0;
		/* The first total has no predecessor we saw: count one interrupt. */
		v = r->uio_seen ? (uint32_t)(total - r->uio_last) : 1;
		r->uio_seen = 1;
		r->uio_last = total;
		/*
		 * Re-enable the interrupt.  A driver without irqcontrol
		 * (uio_pci_generic) refuses with ENOSYS: once, not a system
		 * call per interrupt on the executive.
		 */
		if (!r->uio_no_irqcontrol) {
			int32_t on = 1;
			if (dc_arch_syscall6(SYS_write, r->fd, (long)&on, sizeof(on), 0, 0, 0) == -ENOSYS)
				r->uio_no_irqcontrol = 1;
		}
		return v;
	case DC_FD_GPIO:
		n = read_or_lose(r, ev, sizeof(ev));
		return n > 0 ? (uint64_t)n / sizeof(ev[0]) : 0;
	default:
		return 0;
	}
}

void dc_irq_fire_many(struct dc_irq *irq, uint64_t v, struct dc_executive *exec)
{
	while (v) {
		uint32_t n = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		dc_irq_fire(irq, n, exec);
		v -= n;
	}
}

static const char *const path_names[] = {
	[DC_IRQ_PATH_AUTO] = "auto",
	[DC_IRQ_PATH_URING] = "uring",
	[DC_IRQ_PATH_BRIDGE] = "bridge",
};

const char *dc_irq_path_name(int path)
{
	if (path < DC_IRQ_PATH_AUTO || path > DC_IRQ_PATH_BRIDGE)
		return NULL;
	return path_names[path];
}

static _Atomic int warned_env, warned_fallback;

/* attr's path, else $DC_IRQ_PATH; -EINVAL for a value that names none. */
static int wanted_path(enum dc_irq_path path)
{
	if (path != DC_IRQ_PATH_AUTO)
		return path >= DC_IRQ_PATH_URING && path <= DC_IRQ_PATH_BRIDGE ? (int)path : -EINVAL;
	const char *env = getenv("DC_IRQ_PATH");
	if (!env || !*env)
		return DC_IRQ_PATH_AUTO;
	for (int p = DC_IRQ_PATH_AUTO; p <= DC_IRQ_PATH_BRIDGE; p++)
		if (!strcmp(env, path_names[p]))
			return p;
	dc_warn_once(&warned_env, "DC_IRQ_PATH=%s: expected auto, uring or bridge", env);
	return -EINVAL;
}

dc_cap_t dc_irq_from_fd_attr(int fd, const struct dc_irq_fd_attr *attr)
{
	struct dc_irq_fd_attr a = { .kind = DC_FD_AUTO, .path = DC_IRQ_PATH_AUTO, .cpu = -1 };
	if (attr)
		a = *attr;
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	if (a.kind == DC_FD_AUTO)
		a.kind = detect(fd);
	if (a.kind < DC_FD_EVENTFD || a.kind > DC_FD_GPIO)
		return -EINVAL;
	int path = wanted_path(a.path);
	if (path < 0)
		return path;
	if (a.cpu < -1 || a.cpu >= DC_MAX_CPUS)
		return -EINVAL;

	struct dc_irq *irq;
	dc_cap_t cap = dc_irq_create_ref(&irq);
	if (cap < 0)
		return cap;
	int err;
	if (path == DC_IRQ_PATH_BRIDGE) {
		err = dc_bridge_add(irq, fd, a.kind);
	} else {
		err = dc_uring_add(irq, fd, a.kind, a.cpu);
		/* Only auto falls back, and only where the kernel lacks the ring. */
		if (err == -EOPNOTSUPP && path == DC_IRQ_PATH_AUTO) {
			dc_warn_once(&warned_fallback, "io_uring with DEFER_TASKRUN | TASKRUN_FLAG "
				     "(Linux >= 6.1) is not available here%s: fd Irqs are served by the "
				     "SCHED_FIFO bridge thread, one Linux scheduling decision later",
				     getenv("DC_URING_DISABLE") ? " (DC_URING_DISABLE is set)" : "");
			err = dc_bridge_add(irq, fd, a.kind);
		}
	}
	if (err) {
		dc_obj_put(&irq->obj);
		dc_cap_close(cap);
		return err;
	}
	return cap;
}

dc_cap_t dc_irq_from_fd_kind(int fd, enum dc_fd_kind kind)
{
	struct dc_irq_fd_attr a = { .kind = kind, .path = DC_IRQ_PATH_AUTO, .cpu = -1 };
	return dc_irq_from_fd_attr(fd, &a);
}

dc_cap_t dc_irq_from_fd(int fd)
{
	return dc_irq_from_fd_attr(fd, NULL);
}

int dc_irq_path_of(dc_cap_t cap)
{
	struct dc_irq *irq = dc_irq_get(cap);
	if (!irq)
		return -EBADF;
	int path = atomic_load_explicit(&irq->source_path, memory_order_acquire);
	dc_obj_put(&irq->obj);
	return path ? path : -ENOENT;
}
