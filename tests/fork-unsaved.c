/* SPDX-License-Identifier: MIT */
/*
 * fork() from decoupled code while the caller's context is not yet saved
 * (issue 20, defect 4).  The Linux context forks on the request; the child
 * resumes the caller's saved context.  A test point holds the caller right
 * after posting the request, before it switches out, so the fork happens
 * then: the child must still resume at this fork, with fork() returning 0
 * (it exits with this round's number), never at an older switch-out.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "core.h"
#include "harness.h"

#define ROUNDS 60

static int cpu;
static pid_t parent;
static _Atomic int arm_post, lingered, denied, bad, done_rounds;

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void dc_test_point(int where)
{
	if (where != DC_TP_FWD_POSTED || !atomic_exchange(&arm_post, 0))
		return;
	lingered++;
	uint64_t until = mono() + 300000;	/* the Linux context forks meanwhile */
	while (mono() < until)
		;
}

/* A child resumed where it should not be: leave before doing anything else. */
static void not_parent(int code)
{
	if ((pid_t)syscall(SYS_getpid) != parent)
		_exit(code);
}

static void *forker(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 10)) {
		denied = 1;
		return NULL;
	}
	not_parent(100);
	for (int i = 0; i < ROUNDS; i++) {
		volatile int round = i;
		arm_post = 1;
		pid_t pid = fork();
		if (pid == 0)
			_exit(round % 100 + 1);
		not_parent(101);
		arm_post = 0;
		if (pid < 0) {
			bad++;
			continue;
		}
		int st = 0, waited = 0;
		for (int k = 0; k < 2000 && !waited; k++) {
			waited = waitpid(pid, &st, WNOHANG) == pid;
			not_parent(102);
			if (!waited)
				dc_sleep_until(dc_now() + 1000000);
		}
		if (!waited) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != round % 100 + 1) {
			if (bad++ < 5)
				fprintf(stderr, "round %d: the child %s %d (wanted exit %d)\n", round,
					WIFEXITED(st) ? "exited" : waited ? "died of signal" : "hung, killed:",
					WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), round % 100 + 1);
		}
		done_rounds++;
	}
	dc_recouple();
	return NULL;
}

int main(void)
{
	cpu = test_decoupled_main();
	parent = getpid();
	pthread_t t;
	pthread_create(&t, NULL, forker, NULL);
	pthread_join(t, NULL);
	if (denied)
		SKIP("no permission for SCHED_FIFO");
	printf("%d forks, the caller held after posting %d times, %d children wrong\n",
	       (int)done_rounds, (int)lingered, (int)bad);
	CHECK_EQ(done_rounds, ROUNDS);
	CHECK_EQ(bad, 0);
	return test_done();
}
