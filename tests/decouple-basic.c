/* SPDX-License-Identifier: MIT */
/* Decouple and recouple: registers, TLS, errno, Linux state while decoupled. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "decouple.h"
#include "harness.h"

static __thread int tls_value = 1234;
static __thread char tls_buf[64] = "thread-local";

static char linux_state(int tid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Another thread looks at the Linux context: reading /proc from decoupled
 * code would run in that context and find it running. */
static int watched_tid;
static char watched_state = '?';
static pthread_barrier_t watch;

static void *watcher(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&watch);
	/* The barrier itself was a forwarded call: let the context stop polling. */
	usleep(5000);
	watched_state = linux_state(watched_tid);
	pthread_barrier_wait(&watch);
	return NULL;
}

int main(void)
{
	test_skip_decoupled_under_tsan();
	test_pin_to_housekeeping();
	int cpu = test_rt_cpu();
	int tid = (int)syscall(SYS_gettid);
	pthread_t w;
	watched_tid = tid;
	pthread_barrier_init(&watch, NULL, 2);
	pthread_create(&w, NULL, watcher, NULL);

	CHECK_EQ(dc_is_decoupled(), 0);
	/* Callee-saved registers must survive: keep values live in them across the call. */
	register uint64_t r12 __asm__("r12") = 0x1212121212121212ull;
	register uint64_t r15 __asm__("r15") = 0x1515151515151515ull;
	__asm__ __volatile__("" : "+r"(r12), "+r"(r15));
	errno = 4242;
	int err = dc_decouple(cpu, 10);
	if (err == -EPERM)
		SKIP("no permission for SCHED_FIFO");
	CHECK_EQ(err, 0);
	__asm__ __volatile__("" : "+r"(r12), "+r"(r15));
	CHECK(r12 == 0x1212121212121212ull, "r12 clobbered: %llx", (unsigned long long)r12);
	CHECK(r15 == 0x1515151515151515ull, "r15 clobbered: %llx", (unsigned long long)r15);
	CHECK_EQ(dc_is_decoupled(), 1);
	CHECK_EQ(errno, 4242);
	CHECK_EQ(tls_value, 1234);
	CHECK(strcmp(tls_buf, "thread-local") == 0, "tls_buf = %s", tls_buf);
	tls_value = 99;

	/* We run on the executive: the Linux context sleeps. */
	CHECK_EQ(test_current_cpu(), cpu);
	pthread_barrier_wait(&watch);
	uint64_t until = dc_now() + 20000000;
	while (dc_now() < until)
		;
	pthread_barrier_wait(&watch);
	pthread_join(w, NULL);
	CHECK(watched_state == 'S', "Linux context state '%c'", watched_state);

	CHECK_EQ(dc_decouple(cpu, 10), -EALREADY);
	CHECK_EQ(dc_recouple(), 0);
	CHECK_EQ(dc_is_decoupled(), 0);
	CHECK_EQ(tls_value, 99);
	CHECK_EQ((int)syscall(SYS_gettid), tid);
	CHECK_EQ(dc_recouple(), -EPERM);
	CHECK(test_current_cpu() != cpu || cpu == 0, "still on the RT CPU after recouple");

	/* 10,000 round trips. */
	uint64_t t0 = dc_now();
	/* Under TCG (check-vm) a cycle costs milliseconds: fewer there. */
	int cycles = test_in_vm() ? 300 : 10000;
	for (int i = 0; i < cycles && !test_failures; i++) {
		CHECK_EQ(dc_decouple(cpu, 1 + i % 255), 0);
		CHECK_EQ(dc_recouple(), 0);
	}
	printf("%d decouple/recouple cycles: %.1f us each\n", cycles,
	       (double)(dc_now() - t0) / cycles / 1e3);
	return test_done();
}
