/* SPDX-License-Identifier: MIT */
/*
 * A fork child does not take its parent's interrupts (issue 20, item 10):
 * for an eventfd Irq on the bridge, on the executive's io_uring, and a
 * poll-mode Irq, a child that waits on the inherited Irq gets -ENODEV at
 * once, and a child that closes it leaves the parent's delivery alone.
 * Before the fork hooks, the child's close removed the parent's epoll entry
 * (the epoll instance is shared), so the parent's next event never came;
 * and the child's wait on a uring Irq read the parent's shared ring.
 */
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

static int cpu;
static volatile uint32_t word;

static dc_cap_t make(int path, int *efd)
{
	*efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (path < 0) {
		struct dc_poll_attr pa = { .status = &word, .mode = DC_POLL_COUNTER, .cpu = cpu };
		return dc_irq_from_poll(&pa);
	}
	struct dc_irq_fd_attr a = { .kind = DC_FD_EVENTFD, .path = path, .cpu = cpu };
	return dc_irq_from_fd_attr(*efd, &a);
}

static void raise_one(int path, int efd)
{
	uint64_t one = 1;
	if (path < 0)
		__atomic_fetch_add(&word, 1, __ATOMIC_SEQ_CST);
	else if (write(efd, &one, sizeof(one)) != sizeof(one))
		abort();
}

static void check_path(int path, const char *name)
{
	int efd;
	dc_cap_t irq = make(path, &efd);
	CHECK(irq >= 0, "%s: %d", name, irq);
	if (irq < 0)
		return;
	/* A decoupled waiter in the parent serves the uring and poll sources. */
	pid_t child = fork();
	if (child == 0) {
		uint32_t n = 9;
		uint64_t t0 = dc_now();
		int r = dc_irq_wait(irq, dc_now() + 2000000000ull, &n);
		int fast = dc_now() - t0 < 1000000000ull;
		int closed = dc_cap_close(irq);
		_exit(r == -ENODEV && n == 0 && fast && closed == 0 ? 0 : 10 + (r == -ETIMEDOUT));
	}
	int st = 0;
	waitpid(child, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "%s: the child's wait on the inherited Irq: exit %d (11: it timed out)", name,
	      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	/* The parent still hears its source. */
	CHECK_EQ(dc_decouple(cpu, 30), 0);
	raise_one(path, efd);
	uint32_t n = 0;
	int r = dc_irq_wait(irq, dc_now() + 2000000000ull, &n);
	dc_recouple();
	printf("%s: after the child waited and closed its copy, the parent's wait: %d, %u event(s)\n", name,
	       r, n);
	CHECK_EQ(r, 0);
	CHECK_EQ(n, 1);
	dc_cap_close(irq);
	close(efd);
}

int main(void)
{
	cpu = test_decoupled_main();
	check_path(DC_IRQ_PATH_BRIDGE, "bridge");
	check_path(DC_IRQ_PATH_URING, "uring");
	check_path(-1, "poll");
	return test_done();
}
