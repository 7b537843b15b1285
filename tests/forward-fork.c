/* SPDX-License-Identifier: MIT */
/*
 * New processes and threads from decoupled code, and its exits.
 *  - fork() (trapped) and dc_linux_syscall(SYS_fork): the child is an
 *    ordinary thread of a new process and may decouple again;
 *  - system(): posix_spawn's clone with a stack of its own;
 *  - pthread_create() and pthread_join() from decoupled code;
 *  - exit() from decoupled code: atexit handlers run, the status arrives;
 *  - a decoupled thread that returns without recoupling just ends.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decouple.h"
#include "harness.h"

static int cpu, pipefd[2];

/* The child of a fork made by decoupled code. */
__attribute__((noreturn)) static void child(int parent)
{
	int ok = !dc_is_decoupled() && getppid() == parent && gettid() == getpid();
	/* Its library state is its own: it can decouple afresh. */
	ok = ok && dc_decouple(cpu, 10) == 0 && dc_is_decoupled() && getppid() == parent;
	ok = ok && dc_recouple() == 0;
	char c = ok ? 'c' : 'x';
	if (write(pipefd[1], &c, 1) != 1)
		_exit(1);
	_exit(7);
}

static void check_child(pid_t pid, const char *how)
{
	char c = 0;
	int status = 0;
	CHECK(pid > 0, "%s: %s", how, strerror(errno));
	if (pid <= 0)
		return;
	CHECK_EQ(read(pipefd[0], &c, 1), 1);
	CHECK(c == 'c', "%s: the child saw the wrong state ('%c')", how, c);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "%s: child status %#x", how, status);
}

static void *inner(void *arg)
{
	return (void *)((uintptr_t)arg * 2);
}

static void at_exit_handler(void)
{
	if (write(pipefd[1], "a", 1) != 1)
		_exit(1);
}

static void *no_recouple(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 10))
		return (void *)-1;
	return (void *)42;	/* start_thread's exit() is forwarded: recouple, then exit */
}

int main(void)
{
	cpu = test_decoupled_main();
	CHECK_EQ(pipe(pipefd), 0);
	int parent = getpid();

	struct dc_executive_stats st;
	TEST_DECOUPLE(cpu, 10, &st);
	if (!st.syscall_dispatch) {
		dc_recouple();
		SKIP("no Syscall User Dispatch");
	}

	pid_t pid = fork();
	if (pid == 0)
		child(parent);
	check_child(pid, "fork()");
	CHECK_EQ(dc_is_decoupled(), 1);

	pid = (pid_t)dc_linux_syscall(SYS_fork);
	if (pid == 0)
		child(parent);
	check_child(pid, "dc_linux_syscall(SYS_fork)");

	pid = vfork();
	if (pid == 0)
		child(parent);	/* vfork is a fork here: the child may do more than exec */
	check_child(pid, "vfork()");

	int rc = system("exit 5");
	CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 5, "system() returned %#x", rc);

	pthread_t t;
	void *ret = NULL;
	CHECK_EQ(pthread_create(&t, NULL, inner, (void *)21), 0);
	CHECK_EQ(pthread_join(t, &ret), 0);
	CHECK_EQ((uintptr_t)ret, 42);
	CHECK_EQ(dc_is_decoupled(), 1);
	CHECK_EQ(dc_recouple(), 0);

	/* A decoupled thread ends without dc_recouple(). */
	CHECK_EQ(pthread_create(&t, NULL, no_recouple, NULL), 0);
	CHECK_EQ(pthread_join(t, &ret), 0);
	CHECK_EQ((intptr_t)ret, 42);
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	CHECK_EQ(st.threads, 0);

	/* exit() from decoupled code, in a child of our own. */
	pid = fork();
	if (pid == 0) {
		atexit(at_exit_handler);
		if (dc_decouple(cpu, 10))
			_exit(1);
		exit(3);
	}
	char c = 0;
	int status = 0;
	CHECK_EQ(read(pipefd[0], &c, 1), 1);
	CHECK(c == 'a', "atexit handler did not run ('%c')", c);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3, "exit() status %#x", status);
	return test_done();
}
