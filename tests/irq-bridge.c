/* SPDX-License-Identifier: MIT */
/*
 * The fd bridge: a bridged eventfd and a bridged timerfd deliver exact
 * counts to a decoupled waiter (a Linux one under TSan), and UIO's protocol
 * (4-byte totals, "1" written back to re-enable) is followed, played here
 * by a socketpair standing in for /dev/uioN.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

#define EVENTS 20000

static int efd;
static _Atomic int go;

/* Made before decoupling: a thread created from decoupled code would be the executive's child. */
static void *writer(void *arg)
{
	(void)arg;
	while (!atomic_load(&go))
		usleep(1000);
	for (int i = 0; i < EVENTS; i++) {
		uint64_t one = 1;
		if (write(efd, &one, sizeof(one)) != sizeof(one))
			abort();
		if (i % 1000 == 0)
			usleep(100);
	}
	return NULL;
}

static uint64_t count_until(dc_cap_t irq, uint64_t want, uint64_t deadline)
{
	uint64_t total = 0;
	while (total < want) {
		uint32_t n;
		if (dc_irq_wait(irq, deadline, &n))
			break;
		total += n;
	}
	return total;
}

static void eventfd_bridge(pthread_t t)
{
	dc_cap_t irq = dc_irq_from_fd(efd);
	CHECK(irq >= 0, "from_fd(eventfd): %d", irq);
	atomic_store(&go, 1);
	uint64_t total = count_until(irq, EVENTS, dc_now() + 10000000000ull);
	pthread_join(t, NULL);
	CHECK_EQ(total, EVENTS);
	/* Nothing more arrives. */
	uint32_t n = 0;
	CHECK_EQ(dc_irq_wait(irq, dc_now() + 20000000, &n), -ETIMEDOUT);
	CHECK_EQ(dc_cap_close(irq), 0);
	/* The bridge had its own fd: ours still works. */
	uint64_t one = 1;
	CHECK_EQ(write(efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	close(efd);
}

static void timerfd_bridge(void)
{
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	dc_cap_t irq = dc_irq_from_fd(tfd);
	CHECK(irq >= 0, "from_fd(timerfd): %d", irq);
	struct itimerspec its = { { 0, 2000000 }, { 0, 2000000 } };	/* every 2 ms */
	uint64_t t0 = dc_now();
	timerfd_settime(tfd, 0, &its, NULL);
	uint64_t total = count_until(irq, 20, dc_now() + 5000000000ull);
	uint64_t t1 = dc_now();
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };
	timerfd_settime(tfd, 0, &off, NULL);
	/* Expirations the bridge had not read yet are gone with the disarm. */
	uint64_t expected = (t1 - t0) / 2000000;
	printf("timerfd: %llu expirations counted in %.1f ms (%llu periods)\n",
	       (unsigned long long)total, (t1 - t0) / 1e6, (unsigned long long)expected);
	CHECK(total >= 20 && total <= expected + 1, "%llu expirations for %llu periods",
	      (unsigned long long)total, (unsigned long long)expected);
	CHECK_EQ(dc_cap_close(irq), 0);
	close(tfd);
}

static void uio_protocol(void)
{
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	/* A socket is no UIO node: auto-detection refuses it, the explicit kind works. */
	CHECK_EQ(dc_irq_from_fd(sv[0]), -EINVAL);
	dc_cap_t irq = dc_irq_from_fd_kind(sv[0], DC_FD_UIO);
	CHECK(irq >= 0, "from_fd(uio): %d", irq);
	uint32_t totals[] = { 41, 44, 144, 145 };
	uint32_t expect[] = { 1, 3, 100, 1 };
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(write(sv[1], &totals[i], 4), 4);
		uint32_t n = 0;
		CHECK_EQ(dc_irq_wait(irq, dc_now() + 2000000000ull, &n), 0);
		CHECK_EQ(n, expect[i]);
		int32_t reenable = 0;
		CHECK_EQ(read(sv[1], &reenable, 4), 4);
		CHECK_EQ(reenable, 1);
	}
	CHECK_EQ(dc_cap_close(irq), 0);
	close(sv[0]);
	close(sv[1]);
}

static void errors(void)
{
	CHECK_EQ(dc_irq_from_fd(-1), -EBADF);
	CHECK_EQ(dc_irq_from_fd(12345), -EBADF);
	int efd2 = eventfd(0, 0);
	CHECK_EQ(dc_irq_from_fd_kind(efd2, (enum dc_fd_kind)42), -EINVAL);
	close(efd2);
	char path[] = "/tmp/dc-bridge-XXXXXX";
	int f = mkstemp(path);
	unlink(path);
	CHECK_EQ(dc_irq_from_fd_kind(f, DC_FD_EVENTFD), -EPERM);	/* regular files cannot be polled */
	close(f);
}

int main(void)
{
	test_pin_to_housekeeping();
	errors();
	uio_protocol();
	efd = eventfd(0, EFD_CLOEXEC);
	pthread_t t;
	pthread_create(&t, NULL, writer, NULL);
	int decoupled = strcmp(test_sanitizer(), "tsan") != 0;
	if (decoupled) {
		struct dc_executive_attr attr = { .placement = DC_PLACEMENT_DEDICATED };
		dc_executive_configure(test_rt_cpu(), &attr);
		int err = dc_decouple(test_rt_cpu(), 50);
		if (err == -EPERM)
			SKIP("no permission for SCHED_FIFO");
		CHECK_EQ(err, 0);
	}
	eventfd_bridge(t);
	timerfd_bridge();
	if (decoupled)
		CHECK_EQ(dc_recouple(), 0);
	return test_done();
}
