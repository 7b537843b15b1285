/* SPDX-License-Identifier: MIT */
/*
 * A signal handler in a decoupled thread's Linux context (issue 20, defect
 * 2).  During a forwarded call the handler runs there, as that thread, with
 * its TLS: the thread is not running decoupled code, so dc_is_decoupled()
 * must say 0 and the async-signal-safe API must take its Linux paths.  The
 * handler triggers an Irq that a higher-priority thread of the same
 * executive waits on, 300 times at a high rate: every trigger is counted,
 * and nothing of the executive's (its run queue, `current`, its scheduler
 * stack) is touched from the housekeeping CPU.  In a child, with a watchdog.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

#define SIGNALS 300

static int cpu, tid, pipefd[2];
static dc_cap_t irq;
static _Atomic int handled, decoupled_in_handler, denied, ready_n, stop;
static _Atomic long counted, reads;

static void on_usr1(int sig)
{
	(void)sig;
	if (dc_is_decoupled())
		decoupled_in_handler++;
	dc_irq_trigger(irq);
	handled++;
}

static void *reader(void *arg)
{
	(void)arg;
	tid = (int)syscall(SYS_gettid);
	if (dc_decouple(cpu, 10)) {
		denied = 1;
		return NULL;
	}
	ready_n++;
	char c;
	/* Blocking forwarded reads: the signals land in the Linux context. */
	while (!stop && read(pipefd[0], &c, 1) == 1)
		reads++;
	dc_recouple();
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 50)) {
		denied = 1;
		return NULL;
	}
	ready_n++;
	while (counted < SIGNALS) {
		uint32_t n = 0;
		int r = dc_irq_wait(irq, dc_now() + 2000000000ull, &n);
		if (r)
			break;
		counted += n;
	}
	dc_recouple();
	return NULL;
}

static int child(void *arg)
{
	(void)arg;
	irq = dc_irq_create();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(pipefd))
		return 2;
	pthread_t r, w;
	pthread_create(&w, NULL, waiter, NULL);
	pthread_create(&r, NULL, reader, NULL);
	while (ready_n < 2 && !denied)
		usleep(1000);
	if (denied)
		return 77;
	usleep(20000);
	for (int i = 0; i < SIGNALS; i++) {
		int before = handled;
		syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
		for (int k = 0; k < 2000 && handled == before; k++)
			usleep(50);
	}
	uint64_t until = dc_now() + 2000000000ull;
	while (counted < SIGNALS && dc_now() < until)
		usleep(1000);
	stop = 1;
	if (write(pipefd[1], "x", 1) != 1)
		return 2;
	pthread_join(r, NULL);
	pthread_join(w, NULL);
	printf("child: %d signals handled, %d saw dc_is_decoupled() != 0, %ld of %d triggers "
	       "counted by the waiter\n", (int)handled, (int)decoupled_in_handler, (long)counted,
	       SIGNALS);
	fflush(stdout);
	return handled == SIGNALS && !decoupled_in_handler && counted == SIGNALS ? 0 : 1;
}

int main(void)
{
	cpu = test_decoupled_main();
	test_in_child(child, NULL, 20, "the child died",
		      "a wrong count");
	return test_done();
}
