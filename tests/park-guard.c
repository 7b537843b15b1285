/* SPDX-License-Identifier: MIT */
/*
 * The Linux context's stack (issue 20, defect 7).  A signal handler of the
 * program runs there during a forwarded call, with the kernel's signal frame
 * (AVX-512, AMX) under it.  A handler that uses 40 KiB must work, and the
 * stack must end in a guard page, so that an overflow faults instead of
 * writing over the thread's record (its saved context, its request).
 * In a child: an overflow without a guard kills it.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "decouple.h"
#include "harness.h"

static int cpu, tid, pipefd[2];
static _Atomic uintptr_t handler_sp;
static _Atomic int handled, check_maps, maps_checked, denied;
static _Atomic long got;

__attribute__((noinline)) static void use_stack(size_t n)
{
	volatile char buf[40 * 1024];
	for (size_t i = 0; i < n && i < sizeof(buf); i += 64)
		buf[i] = (char)i;
}

static void on_usr1(int sig)
{
	(void)sig;
	handler_sp = (uintptr_t)__builtin_frame_address(0);
	use_stack(40 * 1024);
	handled++;
}

static void *decoupled(void *arg)
{
	(void)arg;
	tid = (int)syscall(SYS_gettid);
	if (dc_decouple(cpu, 10)) {
		denied = 1;
		return NULL;
	}
	char c;
	got = read(pipefd[0], &c, 1);	/* forwarded; the handler interrupts it */
	check_maps = 1;
	while (!maps_checked)
		dc_sleep_until(dc_now() + 1000000);
	dc_recouple();
	return NULL;
}

/* The mapping holding `sp` must have a PROT_NONE page right below it, within reach. */
static int guarded(uintptr_t sp)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], prev_perms[8] = "";
	uintptr_t prev_end = 0;
	int ok = 0, found = 0;
	while (f && fgets(line, sizeof(line), f)) {
		uintptr_t lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		if (sp >= lo && sp < hi) {
			found = 1;
			ok = prev_end == lo && !strcmp(prev_perms, "---p") && sp - lo <= 256 * 1024;
			printf("handler's stack: %lx-%lx %s, %lu KiB above its start; below it: %s\n",
			       lo, hi, perms, (unsigned long)(sp - lo) / 1024,
			       prev_end == lo ? prev_perms : "(a gap)");
			break;
		}
		prev_end = hi;
		snprintf(prev_perms, sizeof(prev_perms), "%s", perms);
	}
	if (f)
		fclose(f);
	if (!found)
		printf("handler's stack %lx is in no mapping\n", (unsigned long)sp);
	return ok;
}

static int child(void *arg)
{
	(void)arg;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;	/* no SA_ONSTACK: on the Linux context's own stack */
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(pipefd))
		return 2;
	pthread_t t;
	pthread_create(&t, NULL, decoupled, NULL);
	usleep(50000);
	if (denied)
		return 77;
	syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
	usleep(20000);
	if (write(pipefd[1], "x", 1) != 1)
		return 2;
	while (!check_maps)
		usleep(1000);
	int ok = guarded(handler_sp);
	maps_checked = 1;
	pthread_join(t, NULL);
	printf("handler ran %d times, read returned %ld\n", (int)handled, (long)got);
	fflush(stdout);
	return handled == 1 && got == 1 && ok ? 0 : 1;
}

int main(void)
{
	cpu = test_decoupled_main();
	test_in_child(child, NULL, 30, "a 40 KiB signal handler in the Linux context killed the process",
		      "no guard page, or the call went wrong");
	return test_done();
}
