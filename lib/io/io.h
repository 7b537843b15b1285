/* SPDX-License-Identifier: MIT */
/*
 * Objects named by capabilities (cap.c), the wait queue every blocking
 * object uses (waitq.c), and Irq internals shared by the event sources.
 */
#ifndef DC_OBJECT_H
#define DC_OBJECT_H

#include <stdatomic.h>
#include <stdint.h>

#include "core.h"
#include "decouple-io.h"

enum dc_obj_type { DC_OBJ_IRQ = 1 };

struct dc_object;
struct dc_obj_ops {
	/* dc_cap_close(): wake waiters, stop sources.  Others may still hold references. */
	void (*close)(struct dc_object *obj);
	/* The last reference is gone.  Async-signal-safe: no allocator. */
	void (*destroy)(struct dc_object *obj);
};

struct dc_object {
	enum dc_obj_type type;
	const struct dc_obj_ops *ops;
	_Atomic uint32_t refs;
};

/* Name `obj` in the table; takes over the caller's reference.  A cap or -errno. */
dc_cap_t dc_cap_install(struct dc_object *obj);
/*
 * A new reference to the object `cap` names if it is of `type`: NULL when
 * the cap is invalid, closed, stale or of another type.  Lock-free and
 * async-signal-safe.
 */
struct dc_object *dc_cap_get(dc_cap_t cap, enum dc_obj_type type);
void dc_obj_get(struct dc_object *obj);
void dc_obj_put(struct dc_object *obj);

/* Zeroed memory for objects that may be freed from a signal handler (mmap). */
void *dc_obj_alloc(size_t size);
void dc_obj_free(void *p, size_t size);

/*
 * A wait queue (waitq.c).  Decoupled waiters advertise their executive and
 * priority in a slot and are made ready by that executive when `seq` moves;
 * Linux waiters sleep on `seq` as a futex.  The condition lives with the
 * caller; the queue only sleeps and wakes, so a wake-up never carries data
 * and spurious ones are harmless.
 */
#define DC_WQ_SLOTS 16
struct dc_waitq {
	_Atomic uint32_t seq;		/* bumped by every wake */
	_Atomic uint32_t linux_waiters;
	struct {
		struct dc_executive *_Atomic ex;
		_Atomic int prio;
	} slot[DC_WQ_SLOTS];
};

/*
 * Nonzero when the wait is over: > 0 satisfied, < 0 an error to return.
 * Called again after every wake-up.
 */
typedef int (*dc_wq_check_fn)(void *arg);

/* Sleep until check() is nonzero or `deadline`: check()'s value or -ETIMEDOUT. */
int dc_wq_wait(struct dc_waitq *wq, uint64_t deadline, dc_wq_check_fn check, void *arg);
/*
 * Wake one waiter (all with `all`).  From any thread and from signal
 * handlers; `exec` non-NULL means executive context on that executive.
 */
void dc_wq_wake(struct dc_waitq *wq, int all, struct dc_executive *exec);
/*
 * dc_wq_wake(), and drop a reference to `put` (the object that holds `wq`,
 * or NULL) as soon as `wq` is no longer touched, before executives are told.
 */
void dc_wq_wake_put(struct dc_waitq *wq, int all, struct dc_executive *exec,
		    struct dc_object *put);
/*
 * The executive's side, an event source of the core: make ready its blocked
 * waiters whose queue was woken.  Executive context.  Nonzero if it made any
 * ready.
 */
int dc_wq_poll(struct dc_executive *ex);

/* --- fd sources (irq_fd.c) ---------------------------------------------------- */
struct dc_irq;

/* How reads of an fd of `kind` count events. */
struct dc_fd_reader {
	int fd;
	enum dc_fd_kind kind;
	int uio_seen;
	uint32_t uio_last;
	int uio_no_irqcontrol;		/* the node refused the re-enable (ENOSYS): not again */
	/*
	 * -errno once a read failed for good: the device went away (a UIO
	 * device unbound reads -EIO), never -EAGAIN.  Its readers stop
	 * serving it and tell the Irq (dc_irq_lose()).
	 */
	int lost;
};
/* Read what the fd counted (non-blocking fds: 0 when none). */
uint64_t dc_fd_read_events(struct dc_fd_reader *r);
/* The paths.  Both take over the caller's reference to irq on success. */
int dc_bridge_add(struct dc_irq *irq, int fd, enum dc_fd_kind kind);
/* -EOPNOTSUPP where this kernel's io_uring cannot. */
int dc_uring_add(struct dc_irq *irq, int fd, enum dc_fd_kind kind, int cpu);

/* --- Irq internals ----------------------------------------------------------- */
struct dc_endpoint;

struct dc_irq {
	struct dc_object obj;
	_Atomic uint32_t pending;	/* events not yet taken by a wait */
	_Atomic int closed;
	_Atomic int lost;		/* dc_irq_lose(): the source's -errno, else 0 */
	struct dc_waitq wq;
	/* dc_irq_attach(): where triggers are also announced */
	struct dc_endpoint *_Atomic ep;
	uint64_t label;
	int ep_index;
	/* an event source that feeds this Irq (fd bridge, io_uring, poll source) */
	void (*source_stop)(struct dc_irq *irq);
	/*
	 * For a source only an executive serves: a Linux waiter serves it
	 * itself while no executive does.  1: look at the count again; 0:
	 * an executive serves it now, wait as usual; -ETIMEDOUT.  May be NULL.
	 */
	int (*source_serve_linux)(struct dc_irq *irq, uint64_t deadline);
	void *source;
	_Atomic int source_path;	/* a DC_IRQ_PATH_* for fd sources, else 0 */
};

struct dc_irq *dc_irq_get(dc_cap_t cap);
/* Count `n` events and wake a waiter.  `exec`: as for dc_wq_wake(). */
void dc_irq_fire(struct dc_irq *irq, uint32_t n, struct dc_executive *exec);
/* The same for a 64-bit count (an fd's), in 2^32 - 1 steps. */
void dc_irq_fire_many(struct dc_irq *irq, uint64_t n, struct dc_executive *exec);
/*
 * The Irq's source is gone (err, a -errno: -ENODEV for a device removed):
 * every waiter wakes, and waits return err once the events counted before
 * are taken.  The first err stays.  `exec`: as for dc_wq_wake().
 */
void dc_irq_lose(struct dc_irq *irq, int err, struct dc_executive *exec);
/* Create an Irq and keep a reference for the caller as well as the table's. */
dc_cap_t dc_irq_create_ref(struct dc_irq **out);
void dc_endpoint_notify(struct dc_endpoint *ep, struct dc_executive *exec);
/* Unbind an Irq from its endpoint, if any (on close). */
void dc_irq_detach_obj(struct dc_irq *irq);

/*
 * The order of the core's event sources: those that fire Irqs come before
 * the wait queues, whose poll makes the woken waiters ready.
 */
#define DC_SOURCE_ORDER_DEVICE	0
#define DC_SOURCE_ORDER_WAITQ	10


#endif
