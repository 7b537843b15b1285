/* SPDX-License-Identifier: MIT */
/*
 * An answer's post outliving its thread (issue 20, defect 6).  Test points
 * make the answer of a forwarded call arrive before its caller blocks (the
 * caller lingers after posting the request), and the answer's post to the
 * executive come late (the Linux context lingers between `done` and the
 * post).  The caller then recouples at once, while the executive is busy
 * with another thread of its priority: the post sits in the inbox when the
 * thread's record goes.  The record must outlive every inbox entry of it.
 * In a child, so that a SIGSEGV is reported.
 */
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "core.h"
#include "harness.h"

#define ROUNDS 40

static int cpu;
static _Atomic int arm_post, arm_answer, stop, denied, busy_in;
static _Atomic int lingered_post, lingered_answer;

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void linger(uint64_t ns)
{
	uint64_t until = mono() + ns;
	while (mono() < until)
		;
}

void dc_test_point(int where)
{
	if (where == DC_TP_FWD_POSTED && atomic_exchange(&arm_post, 0)) {
		lingered_post++;
		linger(30000);		/* the answer comes meanwhile */
	} else if (where == DC_TP_FWD_ANSWERING && atomic_exchange(&arm_answer, 0)) {
		lingered_answer++;
		linger(300000);		/* the caller has recoupled by now */
	}
}

/* Keeps the executive from its inbox: it looks there only when this one yields. */
static void *busy(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 10)) {
		denied = 1;
		return NULL;
	}
	busy_in = 1;
	while (!stop) {
		uint64_t until = dc_now() + 200000;
		while (dc_now() < until)
			;
		dc_yield();
	}
	dc_recouple();
	return NULL;
}

static void *visitor(void *arg)
{
	(void)arg;
	long ppid = getppid();
	for (int i = 0; i < ROUNDS; i++) {
		if (dc_decouple(cpu, 10)) {
			denied = 1;
			return NULL;
		}
		arm_answer = 1;
		arm_post = 1;
		long r = dc_linux_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0);
		dc_recouple();
		if (r != ppid)
			_exit(4);
		usleep(2000);	/* the record stays unmapped a while */
	}
	return NULL;
}

static int child(void *arg)
{
	(void)arg;
	pthread_t b, v;
	pthread_create(&b, NULL, busy, NULL);
	while (!busy_in && !denied)
		usleep(1000);
	if (denied)
		return 77;
	pthread_create(&v, NULL, visitor, NULL);
	pthread_join(v, NULL);
	stop = 1;
	pthread_join(b, NULL);
	printf("child: %d rounds, the caller lingered %d times, the answer %d times\n", ROUNDS,
	       (int)lingered_post, (int)lingered_answer);
	fflush(stdout);
	return 0;
}

int main(void)
{
	cpu = test_decoupled_main();
	test_in_child(child, NULL, 30, "the child died",
		      "4: a wrong answer");
	return test_done();
}
