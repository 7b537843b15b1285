/* SPDX-License-Identifier: MIT */
/*
 * Ordinary libc from decoupled code: every system call it makes is forwarded
 * to the thread's Linux context.  stdio to files, errno, identity, TLS, big
 * allocations, sockets, and dc_linux_syscall() on both kinds of thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <asm/prctl.h>

#include "decouple.h"
#include "harness.h"

static __thread int tls_counter = 7;
static __thread char tls_name[32] = "forward";

static void read_file_plain(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : 0;
	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/* A clocksource whose clock_gettime the vDSO answers without a system call. */
static int vdso_clock(void)
{
	char cs[64] = "";
	read_file_plain("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			cs, sizeof(cs));
	return !strcmp(cs, "tsc\n") || !strcmp(cs, "kvm-clock\n") ||
	       !strcmp(cs, "hyperv_clocksource_tsc_page\n") || !strcmp(cs, "arch_sys_counter\n");
}

static void read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;
	buf[n] = 0;
	if (f)
		fclose(f);
}

int main(void)
{
	test_skip_decoupled_under_tsan();
	test_pin_to_housekeeping();
	int cpu = test_rt_cpu();
	int tid = (int)syscall(SYS_gettid), pid = getpid(), ppid = getppid();
	char dir[] = "/tmp/dc-forward-XXXXXX", path1[64], path2[64], missing[64];
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path1, sizeof(path1), "%s/printf.txt", dir);
	snprintf(path2, sizeof(path2), "%s/stdio.bin", dir);
	snprintf(missing, sizeof(missing), "%s/does-not-exist", dir);

	int vdso = vdso_clock();
	unsigned long linux_fs = 0;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &linux_fs);

	/* Not decoupled: the plain call. */
	CHECK_EQ(dc_linux_syscall(SYS_gettid), tid);
	CHECK_EQ(dc_linux_syscall(SYS_close, -1), -EBADF);

	struct dc_executive_stats st;
	TEST_DECOUPLE(cpu, 10, &st);
	if (!st.syscall_dispatch) {
		dc_recouple();
		SKIP("no Syscall User Dispatch: decoupled calls are not forwarded here");
	}
	uint64_t forwarded0 = st.forwarded_calls;

	/* Decoupled code runs on the real-time CPU; its calls run elsewhere as this thread. */
	CHECK_EQ(test_current_cpu(), cpu);
	CHECK_EQ((int)syscall(SYS_gettid), tid);
	CHECK_EQ(gettid(), tid);
	CHECK_EQ(getpid(), pid);
	CHECK_EQ(getppid(), ppid);
	CHECK_EQ(dc_linux_syscall(SYS_gettid), tid);
	CHECK_EQ(dc_linux_syscall(SYS_getppid), ppid);
	CHECK_EQ(dc_linux_syscall(SYS_openat, AT_FDCWD, missing, O_RDONLY, 0), -ENOENT);
	CHECK_EQ(dc_is_decoupled(), 1);

	/* The TLS base the executive loaded is the thread's. */
	unsigned long fs = 0;
	CHECK_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
	CHECK_EQ(fs, linux_fs);

	/* vDSO calls never trap. */
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	uint64_t before = st.forwarded_calls;
	struct timespec ts;
	for (int i = 0; i < 1000; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	if (vdso)
		CHECK_EQ(st.forwarded_calls - before, 0);

	/* printf to stdout, stdout pointed at a file; fprintf to another stream. */
	fflush(stdout);
	int saved = dup(1);
	int fd = open(path1, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && saved >= 0, "open %s: %s", path1, strerror(errno));
	CHECK_EQ(dup2(fd, 1), 1);
	printf("hello from %s %d\n", tls_name, 42);
	fflush(stdout);
	CHECK_EQ(dup2(saved, 1), 1);
	close(saved);
	close(fd);

	/* fopen, fwrite, fclose, then read back. */
	unsigned char data[10000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	FILE *f = fopen(path2, "w");
	CHECK(f != NULL, "fopen %s: %s", path2, strerror(errno));
	if (f) {
		CHECK_EQ(fwrite(data, 1, sizeof(data), f), sizeof(data));
		fprintf(f, "tail %d", 99);
		CHECK_EQ(fclose(f), 0);
	}
	unsigned char back[sizeof(data) + 16];
	f = fopen(path2, "r");
	CHECK(f != NULL, "fopen for reading");
	if (f) {
		size_t n = fread(back, 1, sizeof(back), f);
		CHECK_EQ(n, sizeof(data) + 7);
		CHECK(memcmp(back, data, sizeof(data)) == 0, "file content differs");
		CHECK(memcmp(back + sizeof(data), "tail 99", 7) == 0, "fprintf tail differs");
		fclose(f);
	}

	/* errno, in this thread's TLS. */
	errno = 0;
	CHECK(fopen(missing, "r") == NULL, "missing file opened");
	CHECK_EQ(errno, ENOENT);
	errno = 0;
	CHECK_EQ(close(-1), -1);
	CHECK_EQ(errno, EBADF);
	struct stat sb;
	CHECK_EQ(stat(path2, &sb), 0);
	CHECK_EQ(sb.st_size, (long)sizeof(data) + 7);

	/* Thread-local variables. */
	CHECK_EQ(tls_counter, 7);
	tls_counter++;
	CHECK(strcmp(tls_name, "forward") == 0, "tls_name = %s", tls_name);

	/* 100 MB: mmap'd by malloc (a forwarded mmap), touched, freed. */
	size_t big = 100u << 20;
	unsigned char *p = malloc(big);
	CHECK(p != NULL, "malloc 100 MB");
	if (p) {
		for (size_t i = 0; i < big; i += 4096)
			p[i] = (unsigned char)(i >> 12);
		unsigned sum = 0;
		for (size_t i = 0; i < big; i += 4096)
			sum += p[i];
		CHECK(sum != 0, "touched memory reads back zero");
		free(p);
	}
	/* Many small ones, through brk or arenas. */
	void *small[1000];
	for (int i = 0; i < 1000; i++)
		small[i] = malloc(100 + (size_t)i * 10);
	for (int i = 0; i < 1000; i++)
		free(small[i]);

	/* Sockets. */
	int sv[2];
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_EQ(send(sv[0], "ping", 4, 0), 4);
	char msg[8] = "";
	CHECK_EQ(recv(sv[1], msg, sizeof(msg), 0), 4);
	CHECK(memcmp(msg, "ping", 4) == 0, "socket read back '%s'", msg);
	close(sv[0]);
	close(sv[1]);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(s >= 0, "socket: %s", strerror(errno));
	close(s);

	CHECK_EQ(test_current_cpu(), cpu);
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	uint64_t forwarded = st.forwarded_calls - forwarded0;
	CHECK_EQ(dc_recouple(), 0);

	char text[128];
	read_file(path1, text, sizeof(text));
	CHECK(strcmp(text, "hello from forward 42\n") == 0, "printf wrote '%s'", text);
	CHECK_EQ(tls_counter, 8);
	printf("%llu calls forwarded\n", (unsigned long long)forwarded);
	CHECK(forwarded > 40, "only %llu calls forwarded", (unsigned long long)forwarded);
	unlink(path1);
	unlink(path2);
	rmdir(dir);
	return test_done();
}
