/* SPDX-License-Identifier: MIT */
/*
 * Channels: a bounded ring of fixed-size messages in a memfd, between Linux
 * and decoupled threads, in one process or several.
 *
 * The ring is a sequence-numbered array (each slot says which lap it is
 * ready for), so any number of senders reserve slots with one CAS and the
 * receiver takes them in order; no locks, nothing that dies with a process.
 *
 * Waiting crosses processes without any object of the other process:
 *   - the header counts messages sent and received;
 *   - a decoupled waiter waits on an Irq of its own process fed by a
 *     poll-mode source on that counter, served by its executive;
 *   - a Linux waiter sleeps on a shared futex the other side bumps.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io.h"

#define CHAN_MAGIC 0x64636368u	/* "dcch" */

struct hdr {
	uint32_t magic, slots, msg_size, stride;
	_Alignas(64) _Atomic uint64_t tail;	/* next slot to reserve */
	_Alignas(64) _Atomic uint64_t head;	/* next slot to read */
	_Alignas(64) volatile uint32_t sent;	/* messages published (wraps) */
	volatile uint32_t received;
	_Atomic uint32_t data_seq, space_seq;	/* shared futex words */
	_Atomic uint32_t data_waiters, space_waiters;
};

struct slot {
	_Atomic uint64_t seq;
	uint32_t len;
	uint32_t pad;
	unsigned char data[];
};

/* One direction a thread may wait for: data (the receiver) or space (senders). */
struct side {
	volatile uint32_t *counter;		/* what the other direction bumps */
	_Atomic uint32_t *seq, *waiters;
	dc_cap_t irq;				/* poll-fed, for decoupled waiters; -1 none */
	int cpu;
};

struct dc_chan {
	int fd;
	size_t map_size;
	struct hdr *h;
	struct side data, space;
	pthread_mutex_t lock;			/* making the Irqs */
};

static size_t stride_for(size_t msg_size)
{
	return (sizeof(struct slot) + msg_size + 63) & ~(size_t)63;
}

static struct slot *slot_at(struct dc_chan *ch, uint64_t pos)
{
	struct hdr *h = ch->h;
	return (struct slot *)((char *)h + 4096 + (pos & (h->slots - 1)) * h->stride);
}

static long futex_shared(_Atomic uint32_t *w, int op, uint32_t val, uint64_t deadline)
{
	struct timespec ts, *tsp = NULL;
	if (op == FUTEX_WAIT_BITSET && deadline != DC_FOREVER) {
		ts.tv_sec = (time_t)(deadline / 1000000000ull);
		ts.tv_nsec = (long)(deadline % 1000000000ull);
		tsp = &ts;
	}
	return dc_arch_syscall6(SYS_futex, (long)w, op, (long)val, (long)tsp, 0,
				(long)FUTEX_BITSET_MATCH_ANY);
}

static void init_sides(struct dc_chan *ch)
{
	struct hdr *h = ch->h;
	ch->data = (struct side){ &h->sent, &h->data_seq, &h->data_waiters, -1, -1 };
	ch->space = (struct side){ &h->received, &h->space_seq, &h->space_waiters, -1, -1 };
	pthread_mutex_init(&ch->lock, NULL);
}

static int map_chan(struct dc_chan *ch, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ch->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	ch->h = p;
	ch->map_size = size;
	return 0;
}

int dc_chan_create(unsigned slots, size_t msg_size, struct dc_chan **out)
{
	if (!out || slots < 2 || (slots & (slots - 1)) || slots > (1u << 20) || !msg_size ||
	    msg_size > (1u << 20))
		return -EINVAL;
	struct dc_chan *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	int err;
	size_t size = 4096 + (size_t)slots * stride_for(msg_size);
	ch->fd = memfd_create("dc-chan", MFD_CLOEXEC);
	if (ch->fd < 0 || ftruncate(ch->fd, (off_t)size) != 0) {
		err = -errno;
		goto fail;
	}
	err = map_chan(ch, size);
	if (err)
		goto fail;
	struct hdr *h = ch->h;
	h->slots = slots;
	h->msg_size = (uint32_t)msg_size;
	h->stride = (uint32_t)stride_for(msg_size);
	for (uint64_t i = 0; i < slots; i++)
		atomic_store_explicit(&slot_at(ch, i)->seq, i, memory_order_relaxed);
	atomic_store_explicit(&h->tail, 0, memory_order_relaxed);
	atomic_store_explicit(&h->head, 0, memory_order_relaxed);
	__atomic_store_n(&h->magic, CHAN_MAGIC, __ATOMIC_RELEASE);
	init_sides(ch);
	*out = ch;
	return 0;
fail:
	if (ch->fd >= 0)
		close(ch->fd);
	free(ch);
	return err;
}

int dc_chan_open(int fd, struct dc_chan **out)
{
	if (!out)
		return -EINVAL;
	struct dc_chan *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	int err;
	ch->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (ch->fd < 0) {
		err = -errno;
		goto fail;
	}
	off_t size = lseek(ch->fd, 0, SEEK_END);
	if (size < 4096) {
		err = -EINVAL;
		goto fail;
	}
	err = map_chan(ch, (size_t)size);
	if (err)
		goto fail;
	struct hdr *h = ch->h;
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != CHAN_MAGIC ||
	    4096 + (size_t)h->slots * h->stride > (size_t)size) {
		munmap(ch->h, ch->map_size);
		err = -EINVAL;
		goto fail;
	}
	init_sides(ch);
	*out = ch;
	return 0;
fail:
	if (ch->fd >= 0)
		close(ch->fd);
	free(ch);
	return err;
}

int dc_chan_fd(const struct dc_chan *ch)
{
	return ch->fd;
}

size_t dc_chan_msg_size(const struct dc_chan *ch)
{
	return ch->h->msg_size;
}

static int try_send(struct dc_chan *ch, const void *msg, size_t len)
{
	struct hdr *h = ch->h;
	uint64_t pos = atomic_load_explicit(&h->tail, memory_order_relaxed);
	for (;;) {
		struct slot *s = slot_at(ch, pos);
		uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		int64_t dif = (int64_t)(seq - pos);
		if (dif < 0)
			return -EAGAIN;		/* a lap behind: full */
		if (dif > 0) {
			pos = atomic_load_explicit(&h->tail, memory_order_relaxed);
			continue;
		}
		if (atomic_compare_exchange_weak_explicit(&h->tail, &pos, pos + 1,
							  memory_order_relaxed,
							  memory_order_relaxed)) {
			if (len)
				memcpy(s->data, msg, len);
			s->len = (uint32_t)len;
			atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
			return 0;
		}
	}
}

static int try_recv(struct dc_chan *ch, void *buf)
{
	struct hdr *h = ch->h;
	uint64_t pos = atomic_load_explicit(&h->head, memory_order_relaxed);
	for (;;) {
		struct slot *s = slot_at(ch, pos);
		uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		int64_t dif = (int64_t)(seq - (pos + 1));
		if (dif < 0)
			return -EAGAIN;		/* empty */
		if (dif > 0) {
			pos = atomic_load_explicit(&h->head, memory_order_relaxed);
			continue;
		}
		if (atomic_compare_exchange_weak_explicit(&h->head, &pos, pos + 1,
							  memory_order_relaxed,
							  memory_order_relaxed)) {
			uint32_t len = s->len;
			if (len)
				memcpy(buf, s->data, len);
			atomic_store_explicit(&s->seq, pos + h->slots, memory_order_release);
			return (int)len;
		}
	}
}

/* The other direction's waiters learn that `counter` moved. */
static void announce(struct side *sd)
{
	__atomic_fetch_add(sd->counter, 1, __ATOMIC_SEQ_CST);
	atomic_fetch_add_explicit(sd->seq, 1, memory_order_seq_cst);
	if (atomic_load_explicit(sd->waiters, memory_order_seq_cst))
		futex_shared(sd->seq, FUTEX_WAKE, 0x7fffffff, 0);
}

static int side_irq(struct dc_chan *ch, struct side *sd, int cpu)
{
	int err = 0;
	pthread_mutex_lock(&ch->lock);
	if (sd->irq < 0) {
		struct dc_poll_attr pa = { .status = sd->counter, .mode = DC_POLL_COUNTER, .cpu = cpu };
		dc_cap_t irq = dc_irq_from_poll(&pa);
		if (irq < 0)
			err = irq;
		else {
			sd->irq = irq;
			sd->cpu = cpu;
		}
	}
	pthread_mutex_unlock(&ch->lock);
	return err;
}

/* Retry `try` until it succeeds or `deadline`, sleeping on side `sd`. */
static int wait_for(struct dc_chan *ch, struct side *sd, uint64_t deadline,
		    int (*try)(struct dc_chan *, void *, size_t), void *buf, size_t len)
{
	int r = try(ch, buf, len);
	if (r != -EAGAIN || deadline == 0)
		return r;
	struct dc_thread *self = dc_self;
	if (self) {
		/* Make the poll source first: every change after it is counted. */
		int err = side_irq(ch, sd, self->exec->cpu);
		if (err)
			return err;
		uint32_t n = 0;
		for (;;) {
			r = try(ch, buf, len);
			/*
			 * One wait takes every event, but this waiter needed
			 * one: the others are for the next blocked waiter of
			 * this side (a second sender, say), which would stay
			 * blocked without them.
			 */
			if (r != -EAGAIN && n > 1)
				dc_irq_trigger_n(sd->irq, n - 1);
			if (r != -EAGAIN)
				return r;
			err = dc_irq_wait(sd->irq, deadline, &n);
			if (err == -ETIMEDOUT) {
				r = try(ch, buf, len);
				return r == -EAGAIN ? -ETIMEDOUT : r;
			}
			if (err)
				return err;
		}
	}
	for (;;) {
		atomic_fetch_add_explicit(sd->waiters, 1, memory_order_seq_cst);
		uint32_t seq = atomic_load_explicit(sd->seq, memory_order_seq_cst);
		r = try(ch, buf, len);
		if (r == -EAGAIN) {
			if (deadline != DC_FOREVER && dc_now() >= deadline)
				r = -ETIMEDOUT;
			else
				futex_shared(sd->seq, FUTEX_WAIT_BITSET, seq, deadline);
		}
		atomic_fetch_sub_explicit(sd->waiters, 1, memory_order_relaxed);
		if (r != -EAGAIN)
			return r;
	}
}

static int send_try(struct dc_chan *ch, void *msg, size_t len)
{
	return try_send(ch, msg, len);
}

static int recv_try(struct dc_chan *ch, void *buf, size_t len)
{
	(void)len;
	return try_recv(ch, buf);
}

int dc_chan_send(struct dc_chan *ch, const void *msg, size_t len, uint64_t deadline_ns)
{
	if (!ch || (!msg && len))
		return -EINVAL;
	if (len > ch->h->msg_size)
		return -EMSGSIZE;
	int r = wait_for(ch, &ch->space, deadline_ns, send_try, (void *)(uintptr_t)msg, len);
	if (r == 0)
		announce(&ch->data);
	return r;
}

int dc_chan_recv(struct dc_chan *ch, void *buf, size_t len, uint64_t deadline_ns)
{
	if (!ch || !buf)
		return -EINVAL;
	if (len < ch->h->msg_size)
		return -EMSGSIZE;
	int r = wait_for(ch, &ch->data, deadline_ns, recv_try, buf, len);
	if (r >= 0)
		announce(&ch->space);
	return r;
}

int dc_chan_irqs(struct dc_chan *ch, int cpu, dc_cap_t *data, dc_cap_t *space)
{
	if (!ch)
		return -EINVAL;
	int err = side_irq(ch, &ch->data, cpu);
	if (!err)
		err = side_irq(ch, &ch->space, cpu);
	if (err)
		return err;
	if (ch->data.cpu != cpu || ch->space.cpu != cpu)
		return -EINVAL;		/* already polled by another executive */
	if (data)
		*data = ch->data.irq;
	if (space)
		*space = ch->space.irq;
	return 0;
}

void dc_chan_close(struct dc_chan *ch)
{
	if (!ch)
		return;
	if (ch->data.irq >= 0)
		dc_cap_close(ch->data.irq);
	if (ch->space.irq >= 0)
		dc_cap_close(ch->space.irq);
	munmap(ch->h, ch->map_size);
	close(ch->fd);
	pthread_mutex_destroy(&ch->lock);
	free(ch);
}

int dc_send_fd(int sock, int fd)
{
	char byte = 'c';
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -errno;
}

int dc_recv_fd(int sock)
{
	char byte;
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}
