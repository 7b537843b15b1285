/* SPDX-License-Identifier: MIT */
/*
 * Channels: errors, non-blocking and timed calls, ordering per sender with
 * several senders (MPSC) through a small ring (back-pressure), a decoupled
 * receiver and a decoupled sender, another process reached through a memfd
 * passed with SCM_RIGHTS, and the data Irq seen by dc_wait_any().
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

struct msg {
	uint32_t sender;
	uint32_t seq;
	uint64_t pad[2];
};

#define SLOTS 8
#define PER_SENDER 100000
#define SENDERS 2

static int decoupled;
static int cpu;

static void errors(void)
{
	struct dc_chan *ch;
	CHECK_EQ(dc_chan_create(3, 16, &ch), -EINVAL);
	CHECK_EQ(dc_chan_create(4, 0, &ch), -EINVAL);
	CHECK_EQ(dc_chan_create(4, sizeof(struct msg), &ch), 0);
	struct msg m = { 1, 2, { 0, 0 } }, r;
	char big[64] = { 0 };
	CHECK_EQ(dc_chan_send(ch, big, sizeof(big), 0), -EMSGSIZE);
	CHECK_EQ(dc_chan_recv(ch, big, 4, 0), -EMSGSIZE);
	CHECK_EQ(dc_chan_recv(ch, &r, sizeof(r), 0), -EAGAIN);
	for (uint32_t i = 0; i < 4; i++) {
		m.seq = i;
		CHECK_EQ(dc_chan_send(ch, &m, sizeof(m), 0), 0);
	}
	CHECK_EQ(dc_chan_send(ch, &m, sizeof(m), 0), -EAGAIN);	/* full */
	uint64_t t = dc_now() + 2000000;
	CHECK_EQ(dc_chan_send(ch, &m, sizeof(m), t), -ETIMEDOUT);
	CHECK(dc_now() >= t, "send timed out early");
	for (uint32_t i = 0; i < 4; i++) {
		CHECK_EQ(dc_chan_recv(ch, &r, sizeof(r), 0), (int)sizeof(r));
		CHECK_EQ(r.seq, i);
	}
	t = dc_now() + 2000000;
	CHECK_EQ(dc_chan_recv(ch, &r, sizeof(r), t), -ETIMEDOUT);
	CHECK(dc_now() >= t, "recv timed out early");
	/* Short messages keep their length. */
	CHECK_EQ(dc_chan_send(ch, "hi", 2, 0), 0);
	CHECK_EQ(dc_chan_recv(ch, big, sizeof(big), 0), 2);
	CHECK_EQ(dc_chan_open(-1, &ch), -EBADF);
	dc_chan_close(ch);
}

/* --- MPSC in one process ---------------------------------------------------- */
static struct dc_chan *chan;
static _Atomic int go;

static void *sender(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	test_pin_to_housekeeping();
	while (!atomic_load(&go))
		usleep(100);
	for (uint32_t i = 0; i < PER_SENDER; i++) {
		struct msg m = { id, i, { 0, 0 } };
		if (dc_chan_send(chan, &m, sizeof(m), DC_FOREVER))
			abort();
	}
	return NULL;
}

/* Receive `n` messages of `senders` senders, each in order.  Messages received. */
static uint64_t receive_in_order(struct dc_chan *ch, int senders, uint64_t n)
{
	uint32_t next[8] = { 0 };
	uint64_t got = 0, deadline = dc_now() + 30000000000ull;
	while (got < n) {
		struct msg m;
		int r = dc_chan_recv(ch, &m, sizeof(m), deadline);
		if (r != (int)sizeof(m)) {
			CHECK_EQ(r, (int)sizeof(m));
			break;
		}
		if (m.sender >= (uint32_t)senders || m.seq != next[m.sender]) {
			CHECK(0, "sender %u: got %u, expected %u", m.sender, m.seq,
			      m.sender < 8 ? next[m.sender] : 0);
			break;
		}
		next[m.sender]++;
		got++;
	}
	return got;
}

static void mpsc(void)
{
	CHECK_EQ(dc_chan_create(SLOTS, sizeof(struct msg), &chan), 0);
	pthread_t t[SENDERS];
	atomic_store(&go, 0);
	for (int i = 0; i < SENDERS; i++)
		pthread_create(&t[i], NULL, sender, (void *)(uintptr_t)i);
	if (decoupled)
		CHECK_EQ(dc_decouple(cpu, 50), 0);
	atomic_store(&go, 1);
	uint64_t got = receive_in_order(chan, SENDERS, (uint64_t)SENDERS * PER_SENDER);
	if (decoupled)
		CHECK_EQ(dc_recouple(), 0);
	for (int i = 0; i < SENDERS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(got, (uint64_t)SENDERS * PER_SENDER);
	struct msg m;
	CHECK_EQ(dc_chan_recv(chan, &m, sizeof(m), 0), -EAGAIN);
	printf("MPSC: %d senders, %llu messages in order through %d slots (%s receiver)\n",
	       SENDERS, (unsigned long long)got, SLOTS, decoupled ? "decoupled" : "Linux");
	dc_chan_close(chan);
}

/* --- a decoupled sender, a Linux receiver -------------------------------------- */
static void *decoupled_sender(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 50))
		return NULL;
	for (uint32_t i = 0; i < PER_SENDER; i++) {
		struct msg m = { 0, i, { 0, 0 } };
		if (dc_chan_send(chan, &m, sizeof(m), dc_now() + 10000000000ull))
			break;
	}
	dc_recouple();
	return NULL;
}

static void reverse(void)
{
	CHECK_EQ(dc_chan_create(SLOTS, sizeof(struct msg), &chan), 0);
	pthread_t t;
	pthread_create(&t, NULL, decoupled_sender, NULL);
	uint64_t got = receive_in_order(chan, 1, PER_SENDER);
	pthread_join(t, NULL);
	CHECK_EQ(got, PER_SENDER);
	dc_chan_close(chan);
}

/* --- another process, the memfd passed over a UNIX socket ---------------------- */
static void cross_process(void)
{
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* The child has nothing but the socket. */
		close(sv[0]);
		int fd = dc_recv_fd(sv[1]);
		struct dc_chan *ch;
		if (fd < 0 || dc_chan_open(fd, &ch))
			_exit(2);
		close(fd);
		for (uint32_t i = 0; i < PER_SENDER; i++) {
			struct msg m = { 0, i, { 0, 0 } };
			if (dc_chan_send(ch, &m, sizeof(m), dc_now() + 10000000000ull))
				_exit(3);
		}
		dc_chan_close(ch);
		_exit(0);
	}
	close(sv[1]);
	struct dc_chan *ch;
	CHECK_EQ(dc_chan_create(SLOTS, sizeof(struct msg), &ch), 0);
	CHECK_EQ(dc_send_fd(sv[0], dc_chan_fd(ch)), 0);
	if (decoupled)
		CHECK_EQ(dc_decouple(cpu, 50), 0);
	uint64_t got = receive_in_order(ch, 1, PER_SENDER);
	if (decoupled)
		CHECK_EQ(dc_recouple(), 0);
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	CHECK_EQ(got, PER_SENDER);
	printf("across processes: %llu messages in order (%s receiver)\n",
	       (unsigned long long)got, decoupled ? "decoupled" : "Linux");
	dc_chan_close(ch);
	close(sv[0]);
}

/* --- the data Irq in dc_wait_any() ---------------------------------------------- */
static void with_wait_any(void)
{
	CHECK_EQ(dc_chan_create(SLOTS, sizeof(struct msg), &chan), 0);
	dc_cap_t data, space;
	CHECK_EQ(dc_chan_irqs(chan, cpu, &data, &space), 0);
	CHECK_EQ(dc_irq_attach(data, 7), 0);
	pthread_t t;
	atomic_store(&go, 0);
	pthread_create(&t, NULL, sender, (void *)(uintptr_t)0);
	CHECK_EQ(dc_decouple(cpu, 50), 0);
	atomic_store(&go, 1);
	uint64_t got = 0, wakes = 0;
	uint32_t next = 0;
	while (got < PER_SENDER) {
		uint64_t label;
		uint32_t n;
		if (dc_wait_any(dc_now() + 10000000000ull, &label, &n))
			break;
		CHECK_EQ(label, 7);
		wakes++;
		struct msg m;
		while (dc_chan_recv(chan, &m, sizeof(m), 0) == (int)sizeof(m)) {
			if (m.seq != next++)
				CHECK(0, "got %u", m.seq);
			got++;
		}
	}
	CHECK_EQ(dc_recouple(), 0);
	pthread_join(t, NULL);
	CHECK_EQ(got, PER_SENDER);
	printf("wait_any on the data Irq: %llu messages in %llu wakes\n",
	       (unsigned long long)got, (unsigned long long)wakes);
	dc_chan_close(chan);	/* closes its Irqs, which detaches them */
	CHECK_EQ(dc_irq_trigger(data), -EBADF);
}

int main(void)
{
	test_pin_to_housekeeping();
	cpu = test_rt_cpu();
	errors();
	mpsc();
	cross_process();
	if (!strcmp(test_sanitizer(), "tsan"))
		return test_done();
	struct dc_executive_attr attr = { .placement = DC_PLACEMENT_DEDICATED };
	dc_executive_configure(cpu, &attr);
	int err = dc_decouple(cpu, 50);
	if (err == -EPERM)
		SKIP("no permission for SCHED_FIFO");
	CHECK_EQ(dc_recouple(), 0);
	decoupled = 1;
	mpsc();
	reverse();
	cross_process();
	with_wait_any();
	return test_done();
}
