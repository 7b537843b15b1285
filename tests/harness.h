/* SPDX-License-Identifier: MIT */
/*
 * A tiny test harness: one program per feature, exit 0 on success, 1 on a
 * failed check, 77 when the test does not apply here (it says why).
 */
#ifndef DC_TEST_HARNESS_H
#define DC_TEST_HARNESS_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "decouple.h"

#define TEST_SKIP 77

static int test_failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s: ",		\
			__FILE__, __LINE__, #cond);			\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		test_failures++;					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	CHECK(_a == _b, "%s = %lld, expected %s = %lld", #a, _a, #b, _b); \
} while (0)

#define SKIP(...) do {							\
	printf("skip: ");						\
	printf(__VA_ARGS__);						\
	putchar('\n');							\
	exit(TEST_SKIP);						\
} while (0)

static inline int test_done(void)
{
	return test_failures ? 1 : 0;
}

/* Which sanitizer the runner built this test with ("" for none). */
static inline const char *test_sanitizer(void)
{
	const char *s = getenv("DC_TEST_SANITIZER");
	return s ? s : "";
}

/*
 * TSan keeps its per-thread state in TLS, and decoupled code runs with its
 * Linux thread's TLS on the executive's thread: TSan cannot follow that.
 * Tests that decouple skip themselves under TSan; everything else runs.
 */
static inline void test_skip_decoupled_under_tsan(void)
{
	if (!strcmp(test_sanitizer(), "tsan"))
		SKIP("decoupled code runs on another OS thread with its own TLS, "
		     "which TSan's TLS-held thread state cannot follow");
}

/*
 * The CPU the caller runs on, without a system call: decoupled, a call
 * would be forwarded and answered by the Linux context on its housekeeping
 * CPU.  The kernel keeps the CPU number in TSC_AUX, which rdtscp reads;
 * where rdtscp is missing (QEMU's default CPU model), the same number is
 * the limit of the per-CPU GDT segment, as the vDSO's getcpu reads it
 * (arch/x86/include/asm/segment.h, __CPUNODE_SEG 0x7b).
 */
static inline int test_current_cpu(void)
{
#if defined(__x86_64__)
	unsigned a, b, c, d;
	if (__get_cpuid(0x80000001u, &a, &b, &c, &d) && (d & (1u << 27))) {
		unsigned lo, hi, aux;
		__asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		(void)lo;
		(void)hi;
		return (int)(aux & 0xfff);
	}
	unsigned limit;
	__asm__ __volatile__("lsl %1, %0" : "=r"(limit) : "r"(0x7bu));
	return (int)(limit & 0xfff);
#else
	unsigned c = ~0u;
	syscall(SYS_getcpu, &c, NULL, NULL);
	return (int)c;
#endif
}

/*
 * Inside check-vm's QEMU guest (tests/vm/init sets DC_IN_VM): the CPUs are
 * emulated (TCG), so times there are not measurements.  Checks of how soon
 * something happened are reported, not asserted; order and counts still are.
 */
static inline int test_in_vm(void)
{
	const char *v = getenv("DC_IN_VM");
	return v && *v && strcmp(v, "0");
}

/*
 * The real-time CPU of the tests: CPU 1 when the machine has two CPUs or
 * more, else CPU 0 (and the test is told, so it can relax what it needs).
 */
static inline int test_rt_cpu(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 1 : 0;
}

/* Keep the test's own Linux threads off the real-time CPU. */
static inline void test_pin_to_housekeeping(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		sched_setaffinity(0, sizeof(set), &set);
}

/*
 * The start of a test that decouples threads: skip under TSan, keep the
 * main thread off the real-time CPU.  That CPU.
 */
static inline int test_decoupled_main(void)
{
	test_skip_decoupled_under_tsan();
	test_pin_to_housekeeping();
	return test_rt_cpu();
}

/*
 * Run child(arg) in a forked process, where a crash is the test's finding
 * rather than the runner's.  The child dumps no core: dumping a process
 * whose executive spins on its CPU holds locks that every fork on the
 * machine then waits for, for minutes under load.  alarm_s > 0 makes a hang
 * a SIGALRM (0 for children that use SIGALRM themselves).  Exit 77 skips;
 * a signal fails naming `crash`, another exit code naming `exits`.
 */
static inline void test_in_child(int (*child)(void *), void *arg, unsigned alarm_s,
				 const char *crash, const char *exits)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		if (alarm_s)
			alarm(alarm_s);
		_exit(child(arg));
	}
	int st = 0;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == TEST_SKIP)
		SKIP("no permission for SCHED_FIFO");
	if (WIFSIGNALED(st))
		CHECK(0, "%s: signal %d (%s)%s", crash, WTERMSIG(st), strsignal(WTERMSIG(st)),
		      alarm_s && WTERMSIG(st) == SIGALRM ? ": hung" : "");
	else
		CHECK(WEXITSTATUS(st) == 0, "child exit %d (%s)", WEXITSTATUS(st), exits);
}

/*
 * A test thread's start: wait at `ready` until every thread is there, then
 * decouple onto cpu at prio.  0, or the error with *denied raised (when
 * given) for the main thread to skip on.
 */
static inline int test_thread_decouple(pthread_barrier_t *ready, int cpu, int prio,
				       _Atomic int *denied)
{
	pthread_barrier_wait(ready);
	int err = dc_decouple(cpu, prio);
	if (err && denied)
		*denied = 1;
	return err;
}

/*
 * Decouple the calling thread onto cpu at prio and read its executive's
 * statistics into *st_ptr; skip without permission for SCHED_FIFO.  A
 * macro, so that a failed check names the test's own line.
 */
#define TEST_DECOUPLE(cpu, prio, st_ptr) do {				\
	int err = dc_decouple(cpu, prio);				\
	if (err == -EPERM)						\
		SKIP("no permission for SCHED_FIFO");			\
	CHECK_EQ(err, 0);						\
	CHECK_EQ(dc_executive_stats(cpu, st_ptr), 0);			\
} while (0)

/*
 * `decouple CMD ARGS` of the build under test ($DC_BUILD_DIR, else build)
 * through the shell, DC_QUIET=1, with stdout and stderr together in out
 * (NUL-terminated, at most len - 1 bytes).  Its exit status, or -1.
 */
static inline int test_tool_output(const char *cmd, const char *args, char *out, size_t len)
{
	const char *dir = getenv("DC_BUILD_DIR");
	char line[512];
	snprintf(line, sizeof(line), "DC_QUIET=1 %s/decouple %s %s 2>&1", dir ? dir : "build",
		 cmd, args);
	FILE *p = popen(line, "r");
	if (!p)
		return -1;
	size_t n = fread(out, 1, len - 1, p);
	out[n] = 0;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
