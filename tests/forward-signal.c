/* SPDX-License-Identifier: MIT */
/*
 * Signals and a decoupled thread.  The rule (docs/forwarding.md): a signal
 * for the thread waits, pending in its Linux context, while decoupled code
 * computes; it is delivered when the thread next enters that context (a
 * forwarded call that may block, a change of its signal mask, or
 * dc_recouple()), and its handler runs there, as that thread, on a
 * housekeeping CPU.  Blocking calls are interrupted as on any thread.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "decouple.h"
#include "harness.h"

static int cpu, tid, pid, pipefd[2];
static _Atomic int handled, handler_tid, handler_cpu = -1;
static _Atomic int go;

static void on_signal(int sig)
{
	(void)sig;
	handler_tid = (int)syscall(SYS_gettid);
	handler_cpu = test_current_cpu();
	handled++;
}

/* A plain thread that sends signals when the decoupled one asks (no syscalls there). */
static void *sender(void *arg)
{
	(void)arg;
	for (;;) {
		int s;
		while ((s = atomic_load(&go)) == 0)
			usleep(200);
		if (s < 0)
			return NULL;
		if (s == 3)
			usleep(50000);	/* let the reader block first */
		syscall(SYS_tgkill, pid, tid, s == 3 ? SIGUSR2 : SIGUSR1);
		atomic_store(&go, 0);
	}
}

static void send_and_wait(int what)
{
	atomic_store(&go, what);
	if (what != 3)
		while (atomic_load(&go))
			;
}

static void spin_ms(int ms)
{
	uint64_t until = dc_now() + (uint64_t)ms * 1000000;
	while (dc_now() < until)
		;
}

int main(void)
{
	cpu = test_decoupled_main();
	tid = (int)syscall(SYS_gettid);
	pid = getpid();
	CHECK_EQ(pipe(pipefd), 0);
	pthread_t s;
	pthread_create(&s, NULL, sender, NULL);

	struct dc_executive_stats st;
	TEST_DECOUPLE(cpu, 10, &st);
	if (!st.syscall_dispatch) {
		dc_recouple();
		SKIP("no Syscall User Dispatch");
	}

	/* sigaction applies to the process, as always; the library's own signals are refused. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	sa.sa_flags = 0;	/* no restart: a blocked read returns EINTR */
	CHECK_EQ(sigaction(SIGUSR2, &sa, NULL), 0);
	errno = 0;
	CHECK_EQ(sigaction(SIGSYS, &sa, NULL), -1);
	CHECK_EQ(errno, EINVAL);

	/* 1. Pending while decoupled code computes, delivered at the next Linux entry. */
	send_and_wait(1);
	spin_ms(20);
	CHECK_EQ(handled, 0);
	usleep(100);
	CHECK_EQ(handled, 1);
	CHECK_EQ(handler_tid, tid);
	CHECK(handler_cpu != cpu || cpu == 0, "handler ran on the real-time CPU");

	/* 2. raise(): delivered before it returns, as on any thread. */
	raise(SIGUSR1);
	CHECK_EQ(handled, 2);

	/* 3. The thread's mask: held while blocked, delivered when unblocked. */
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	CHECK_EQ(pthread_sigmask(SIG_BLOCK, &usr1, NULL), 0);
	send_and_wait(1);
	usleep(100);
	CHECK_EQ(handled, 2);
	sigset_t pending;
	CHECK_EQ(sigpending(&pending), 0);
	CHECK_EQ(sigismember(&pending, SIGUSR1), 1);
	CHECK_EQ(pthread_sigmask(SIG_UNBLOCK, &usr1, &old), 0);
	CHECK_EQ(sigismember(&old, SIGUSR1), 1);
	CHECK_EQ(handled, 3);

	/* 4. A blocking call is interrupted. */
	char c;
	send_and_wait(3);
	errno = 0;
	CHECK_EQ(read(pipefd[0], &c, 1), -1);
	CHECK_EQ(errno, EINTR);
	CHECK_EQ(handled, 4);

	/* 5. The mask set while decoupled is the thread's mask afterwards. */
	CHECK_EQ(pthread_sigmask(SIG_BLOCK, &usr1, NULL), 0);
	CHECK_EQ(dc_recouple(), 0);
	CHECK_EQ(pthread_sigmask(SIG_SETMASK, NULL, &old), 0);
	CHECK_EQ(sigismember(&old, SIGUSR1), 1);

	atomic_store(&go, -1);
	pthread_join(s, NULL);
	printf("%d signals handled by tid %d on CPU %d\n", (int)handled, (int)handler_tid,
	       (int)handler_cpu);
	return test_done();
}
