/* SPDX-License-Identifier: MIT */
/*
 * decouple: events and devices.  Irq objects beyond <decouple.h>'s core
 * calls, waiting on several Irqs, event sources (fds over io_uring or the
 * bridge, poll mode), device access through UIO, and message channels.
 * See docs/irq.md.
 *
 * As everywhere in decouple: 0 or a value on success, a negative errno
 * value on failure, and every call works from threads that are not
 * decoupled too.
 */
#ifndef DECOUPLE_IO_H
#define DECOUPLE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "decouple.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- Irq objects ------------------------------------------------------------ */

/* Count `n` events at once (a source that saw several).  0 or -EBADF. */
int dc_irq_trigger_n(dc_cap_t irq, uint32_t n);
/* Events triggered and not yet taken by a wait, or -EBADF. */
int dc_irq_pending(dc_cap_t irq);

/*
 * Bind `irq` to the calling thread's receive endpoint under `label`; its
 * events are then also reported by dc_wait_any().  -EBADF, -EBUSY (bound
 * already), -ENOSPC (64 Irqs per thread), -ENOMEM.
 */
int dc_irq_attach(dc_cap_t irq, uint64_t label);
/* Unbind it.  0, -EBADF, -ENOENT (not bound). */
int dc_irq_detach(dc_cap_t irq);
/*
 * Wait until one of the Irqs bound to the calling thread has events, or the
 * absolute `deadline_ns`.  Takes that Irq's events: *label says which one,
 * *count how many.  Ready Irqs are served in turn.  0, -ETIMEDOUT, -ENOENT
 * (nothing bound).
 */
int dc_wait_any(uint64_t deadline_ns, uint64_t *label, uint32_t *count);

/* --- event sources ---------------------------------------------------------- */

enum dc_fd_kind {
	DC_FD_AUTO = 0,		/* find out from the fd */
	DC_FD_EVENTFD,		/* read 8 bytes: the count */
	DC_FD_TIMERFD,		/* read 8 bytes: expirations */
	DC_FD_UIO,		/* read 4 bytes: the total count; write 1 to re-enable */
	DC_FD_GPIO,		/* GPIO v2 line request: one event per line event */
};

/* How an fd's readiness reaches the executive (docs/irq.md, "Delivery paths"). */
enum dc_irq_path {
	DC_IRQ_PATH_AUTO = 0,	/* $DC_IRQ_PATH if set, else the best this kernel has */
	/*
	 * The executive's own io_uring (DEFER_TASKRUN | TASKRUN_FLAG, Linux
	 * >= 6.1): the interrupt's handler sets a flag in the ring's mapped
	 * memory that the executive polls; no Linux thread is woken.
	 */
	DC_IRQ_PATH_URING,
	/*
	 * A bridge thread at SCHED_FIFO (DC_BRIDGE_PRIO, default 50) on a
	 * housekeeping CPU waits with epoll, reads, triggers: one Linux
	 * scheduling decision on the way.  The fallback.
	 */
	DC_IRQ_PATH_BRIDGE,
};

struct dc_irq_fd_attr {
	enum dc_fd_kind kind;	/* DC_FD_AUTO: find out */
	enum dc_irq_path path;	/* DC_IRQ_PATH_AUTO: choose */
	/*
	 * DC_IRQ_PATH_URING: the CPU whose executive serves the fd; -1: the
	 * caller's executive if it is decoupled, else the first of
	 * dc_default_cpus().  Events that come while that executive is not
	 * running wait in the fd, and are counted when it runs.
	 */
	int cpu;
};

/*
 * An Irq fed by `fd`, over the path attr chooses (NULL: all defaults).  The
 * Irq owns a duplicate of fd; dc_cap_close() stops its delivery.  Counts are
 * exact on every path: the count triggered is what the fd's reads said.
 * -EBADF, -EINVAL (kind or path unknown), -EPERM (fd cannot be polled),
 * -EOPNOTSUPP (DC_IRQ_PATH_URING forced on a kernel without it), -ENOMEM.
 */
dc_cap_t dc_irq_from_fd_attr(int fd, const struct dc_irq_fd_attr *attr);
/* dc_irq_from_fd_attr() with only the kind given. */
dc_cap_t dc_irq_from_fd_kind(int fd, enum dc_fd_kind kind);
/* The path that feeds `irq` now (a DC_IRQ_PATH_*), or -EBADF, -ENOENT (no fd source). */
int dc_irq_path_of(dc_cap_t irq);
/* "uring", "bridge", "auto"; NULL for an unknown value. */
const char *dc_irq_path_name(int path);

enum dc_poll_mode {
	/*
	 * *status counts events (it only ever grows, wrapping at 2^32): each
	 * change by d triggers the Irq with d events, and the new value is
	 * written to *ack (when not NULL) to acknowledge it.
	 */
	DC_POLL_COUNTER = 0,
	/*
	 * *status & mask != 0 means one event: the bits seen are written to
	 * *ack (a write-one-to-clear register, which may be status itself),
	 * or, with ack NULL, cleared in *status with an atomic AND (a status
	 * word in ordinary shared memory); then the Irq is triggered once.
	 * Raises that come while a bit is still set collapse into one, as a
	 * level interrupt's do.
	 */
	DC_POLL_FLAGS = 1,
};

struct dc_poll_attr {
	volatile uint32_t *status;	/* in mapped device (or shared) memory */
	volatile uint32_t *ack;		/* or NULL */
	uint32_t mask;			/* DC_POLL_FLAGS: bits that mean an event */
	enum dc_poll_mode mode;
	int cpu;			/* the executive that polls it */
};

/*
 * An Irq fed by a status word that the executive of attr->cpu reads on
 * every idle iteration (and, on the shared placement, polls instead of
 * sleeping in Linux while any such source exists).  -EINVAL, -ENOSPC,
 * -ENOMEM.
 */
dc_cap_t dc_irq_from_poll(const struct dc_poll_attr *attr);

/* --- UIO devices ------------------------------------------------------------ */

#define DC_UIO_MAX_MAPS 5

struct dc_uio_map {
	volatile void *addr;	/* the register window, mapped */
	size_t size;		/* bytes, from maps/mapK/size */
	uint64_t phys;		/* maps/mapK/addr */
	size_t offset;		/* maps/mapK/offset: the window's start in its page */
	char name[64];		/* maps/mapK/name, "" if none */
};

struct dc_uio {
	int fd;			/* /dev/uioN */
	int index;		/* N */
	char name[64];		/* /sys/class/uio/uioN/name */
	/*
	 * An Irq bound to the device's interrupt (the fd, dc_irq_from_fd()),
	 * or a negative errno when it cannot deliver one (-EPERM for a node
	 * that cannot be polled).
	 */
	dc_cap_t irq;
	/*
	 * The device's interrupt numbers as /proc/interrupts names them, for
	 * `decouple isolate --irq`: sysfs's device/irq (INTx, or a platform
	 * device's line) first, then those of device/msi_irqs/ in order, each
	 * once; the first 8.  0 when sysfs shows none.
	 */
	int nirqs;
	int irqs[8];
	int nmaps;
	struct dc_uio_map map[DC_UIO_MAX_MAPS];
	/*
	 * A PCI device's config space (device/config), -1 for others.
	 * uio_pci_generic lists no maps and has no irqcontrol: its memory
	 * BARs are mapped from device/resourceN instead (named "BARn"), and
	 * dc_uio_irq_control() sets INTx through the command register.
	 */
	int pci_config_fd;
};

/*
 * Open a UIO device, "/dev/uioN", "uioN" or the device's name (the name
 * file of its /sys/class/uio entry), and map all its maps.  The sysfs tree is read
 * under $DC_SYSFS_ROOT (default $DC_SYSROOT/sys) and a bare name's node
 * under $DC_DEVROOT (default /dev).  -ENOENT (no such device or map),
 * -EACCES (node permissions), -EINVAL (malformed sysfs file), -ENOMEM.
 */
int dc_uio_open(const char *dev, struct dc_uio **out);
/*
 * Enable (1) or disable (0) the interrupt: a 4-byte write to the node, or
 * for a PCI device whose driver has no irqcontrol (uio_pci_generic, which
 * masks INTx in its handler), the Interrupt Disable bit (10) of the PCI
 * command register.  An ISR of a level-triggered device acknowledges the
 * device first, then re-enables.
 */
int dc_uio_irq_control(struct dc_uio *uio, int enable);
/* Unmap, close the Irq and the node, free. */
void dc_uio_close(struct dc_uio *uio);

/* --- channels --------------------------------------------------------------- */

/*
 * A bounded message ring in shared memory (a memfd): fixed-size messages,
 * any number of senders (MPSC; a single sender is SPSC), one receiver.
 * Linux and decoupled threads, in one process or several, on either side.
 */
struct dc_chan;

/* A new channel of `slots` (a power of two) messages of `msg_size` bytes. */
int dc_chan_create(unsigned slots, size_t msg_size, struct dc_chan **out);
/* Map a channel from its fd (passed by fork or SCM_RIGHTS); the fd is duplicated. */
int dc_chan_open(int fd, struct dc_chan **out);
/* The memfd to hand to another process. */
int dc_chan_fd(const struct dc_chan *ch);
size_t dc_chan_msg_size(const struct dc_chan *ch);

/*
 * Send one message, waiting for space until the absolute deadline: 0 means
 * do not wait.  0, -EAGAIN (full, deadline 0), -ETIMEDOUT, -EMSGSIZE.
 */
int dc_chan_send(struct dc_chan *ch, const void *msg, size_t len, uint64_t deadline_ns);
/*
 * Receive one message into buf (at least the message size).  Its length, or
 * -EAGAIN (empty, deadline 0), -ETIMEDOUT, -EMSGSIZE.
 */
int dc_chan_recv(struct dc_chan *ch, void *buf, size_t len, uint64_t deadline_ns);

/*
 * Irqs of this process triggered when the channel gets data ("data
 * available") and space ("space available"), for dc_wait_any().  They follow
 * the other side with the poll source of executive `cpu` (counting messages
 * sent and received), so they work across processes.  Caps the channel
 * owns; -ENOMEM, -EINVAL.
 */
int dc_chan_irqs(struct dc_chan *ch, int cpu, dc_cap_t *data, dc_cap_t *space);

/* Unmap and free the local handle (the channel lives while one is mapped). */
void dc_chan_close(struct dc_chan *ch);

/* Send a capability's fd (a channel's memfd, an event fd) over a UNIX socket. */
int dc_send_fd(int sock, int fd);
/* Receive one: the fd, or -errno. */
int dc_recv_fd(int sock);

#ifdef __cplusplus
}
#endif

#endif
