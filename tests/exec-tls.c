/* SPDX-License-Identifier: MIT */
/*
 * The FS base of a thread that left (issue 20, defect 5).  Thread A
 * decouples on the executive (which loads A's TLS), recouples and exits;
 * its stack, and with it its TLS, is unmapped.  A second thread keeps the
 * executive running, asleep in its timer queue, so nothing else is loaded.
 * Then preemption signals reach the executive: late kicks, which the
 * executive must take without reading any departed thread's TLS, and which
 * must never switch anything out from the wrong OS thread.  In a child, so
 * that a SIGSEGV is reported.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "decouple.h"
#include "harness.h"

#define STACK (256 * 1024)

static int cpu;
static _Atomic int keeper_in, stop_keeper, denied;

static void *keeper(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 5)) {
		denied = 1;
		return NULL;
	}
	keeper_in = 1;
	while (!stop_keeper)
		dc_sleep_until(dc_now() + 20000000);
	dc_recouple();
	return NULL;
}

static void *visitor(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 20)) {
		denied = 1;
		return NULL;
	}
	for (volatile int i = 0; i < 1000; i++)
		;
	dc_recouple();
	return NULL;
}

/* The executive's OS thread: SCHED_FIFO, pinned to `cpu` alone. */
static int exec_tid(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int found = -1;
	while (d && (e = readdir(d))) {
		int tid = atoi(e->d_name);
		cpu_set_t set;
		if (tid <= 0 || sched_getscheduler(tid) != SCHED_FIFO ||
		    sched_getaffinity(tid, sizeof(set), &set) || CPU_COUNT(&set) != 1 ||
		    !CPU_ISSET(cpu, &set))
			continue;
		found = tid;
	}
	if (d)
		closedir(d);
	return found;
}

static int child(void *arg)
{
	(void)arg;
	pthread_t k, v;
	pthread_create(&k, NULL, keeper, NULL);
	while (!keeper_in && !denied)
		usleep(1000);
	if (denied)
		return 77;
	/* The visitor's TLS lives at the top of a stack we unmap after it is gone. */
	void *stack = mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstack(&a, stack, STACK);
	pthread_create(&v, &a, visitor, NULL);
	pthread_join(v, NULL);
	munmap(stack, STACK);
	int tid = exec_tid();
	if (tid < 0)
		return 3;
	/* Late kicks, both as tgkill and with a queued value. */
	int sig = SIGRTMAX - 3;
	for (int i = 0; i < 2000; i++) {
		if (i & 1) {
			syscall(SYS_tgkill, getpid(), tid, sig);
		} else {
			siginfo_t si;
			memset(&si, 0, sizeof(si));
			si.si_signo = sig;
			si.si_code = SI_QUEUE;
			si.si_pid = getpid();
			si.si_uid = getuid();
			si.si_value.sival_int = cpu;
			syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, sig, &si);
		}
		if (i % 64 == 0)
			usleep(100);
	}
	usleep(20000);
	stop_keeper = 1;
	pthread_join(k, NULL);
	printf("child: 2000 late kicks taken\n");
	fflush(stdout);
	return 0;
}

int main(void)
{
	cpu = test_decoupled_main();
	test_in_child(child, NULL, 30, "a late preemption kick killed the process",
		      "3: no executive thread found");
	return test_done();
}
