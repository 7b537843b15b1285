/* SPDX-License-Identifier: MIT */
/*
 * How a spinning thread on the real-time CPU can hear an fd's readiness
 * without a Linux thread scheduled in between: the candidates of issue 12,
 * side by side on one socket written from the other CPU.
 *
 *   uring   a DEFER_TASKRUN | TASKRUN_FLAG ring with a multishot poll: the
 *           waker sets IORING_SQ_TASKRUN in the ring's mapped flags, which
 *           the spinner polls (what lib/io/irq_uring.c does)
 *   sigio   F_SETOWN_EX to the spinner's tid and F_SETSIG: the waker queues
 *           a real-time signal, delivered to the running spinner by an IPI
 *   proxy   a SCHED_FIFO 99 thread on the real-time CPU, blocked in recv(),
 *           which sets a flag in memory: it preempts the spinner
 *
 * Latency: the sender's clock right before send() to the moment the spinner
 * (or, for sigio, its handler) knows.  Rounds alternate the modes.
 *
 *   irq-notify RTCPU SAMPLES ROUNDS    (as root, with RTCPU isolated or RT
 *                                       throttling off: the spinner is FIFO)
 */
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "decouple.h"
#include "partition.h"

enum mode { URING, SIGIO_, PROXY, NMODES };
static const char *const names[] = { "uring", "sigio", "proxy" };

static int rt_cpu, sv[2];
static _Atomic uint64_t sent_at;
static _Atomic int heard, stop, done;
static volatile uint64_t heard_at;

static void pin(int cpu, int prio)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	dc_partition_admit(cpu, (int)syscall(SYS_gettid));
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
	struct sched_param sp = { .sched_priority = prio };
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		perror("sched_setscheduler");
}

static void drain(void)
{
	char b[8];
	while (recv(sv[1], b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

static void on_sigio(int sig)
{
	(void)sig;
	heard_at = dc_now();
	atomic_store_explicit(&heard, 1, memory_order_release);
}

static void *proxy_main(void *arg)
{
	(void)arg;
	pin(rt_cpu, 99);
	char b[8];
	while (!atomic_load(&stop)) {
		if (recv(sv[1], b, sizeof(b), 0) <= 0)
			continue;
		heard_at = dc_now();
		atomic_store_explicit(&heard, 1, memory_order_release);
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct run {
	enum mode mode;
	int n;
	uint64_t *lat;
};

/* Wait for the next notification of this mode; its time. */
static uint64_t next_uring(struct io_uring *ring)
{
	for (;;) {
		int word = IO_URING_READ_ONCE(*ring->sq.kflags) & IORING_SQ_TASKRUN;
		int cqe = *ring->cq.khead != io_uring_smp_load_acquire(ring->cq.ktail);
		if (!word && !cqe)
			continue;
		uint64_t t = dc_now();
		drain();
		io_uring_get_events(ring);
		io_uring_cq_advance(ring, *ring->cq.ktail - *ring->cq.khead);
		if (word)	/* a CQE alone may be an old event's */
			return t;
	}
}

static void *spinner_main(void *arg)
{
	struct run *r = arg;
	pin(rt_cpu, 98);
	struct io_uring ring;
	if (r->mode == URING) {
		struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER |
					     IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG };
		if (io_uring_queue_init_params(8, &ring, &p)) {
			fprintf(stderr, "io_uring setup failed\n");
			exit(1);
		}
		io_uring_prep_poll_multishot(io_uring_get_sqe(&ring), sv[1], POLLIN);
		io_uring_submit(&ring);
	} else if (r->mode == SIGIO_) {
		struct f_owner_ex own = { F_OWNER_TID, (pid_t)syscall(SYS_gettid) };
		signal(SIGRTMIN, on_sigio);
		fcntl(sv[1], F_SETOWN_EX, &own);
		fcntl(sv[1], F_SETSIG, SIGRTMIN);
		fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_ASYNC);
	}
	for (int i = 0; i < r->n; i++) {
		uint64_t t;
		if (r->mode == URING) {
			t = next_uring(&ring);
		} else {
			while (!atomic_load_explicit(&heard, memory_order_acquire))
				;
			t = r->mode == SIGIO_ ? heard_at : dc_now();
			atomic_store(&heard, 0);
			if (r->mode == SIGIO_)
				drain();
		}
		r->lat[i] = t - atomic_load(&sent_at);
	}
	if (r->mode == URING)
		io_uring_queue_exit(&ring);
	if (r->mode == SIGIO_)
		fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) & ~O_ASYNC);
	atomic_store(&done, 1);
	return NULL;
}

static void one_round(enum mode mode, int n, uint64_t *lat)
{
	struct run r = { mode, n, lat };
	pthread_t sp, px;
	drain();
	atomic_store(&heard, 0);
	atomic_store(&stop, 0);
	atomic_store(&done, 0);
	if (mode == PROXY)
		pthread_create(&px, NULL, proxy_main, NULL);
	pthread_create(&sp, NULL, spinner_main, &r);
	struct timespec gap = { 0, 1000000 };
	nanosleep(&gap, NULL);
	/* Until the spinner has its samples: one it missed costs a message, not a hang. */
	while (!atomic_load(&done)) {
		nanosleep(&gap, NULL);
		atomic_store(&sent_at, dc_now());
		send(sv[0], "x", 1, MSG_DONTWAIT);
	}
	pthread_join(sp, NULL);
	if (mode == PROXY) {
		atomic_store(&stop, 1);
		send(sv[0], "x", 1, MSG_DONTWAIT);
		pthread_join(px, NULL);
	}
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s RTCPU SAMPLES ROUNDS\n", argv[0]);
		return 2;
	}
	rt_cpu = atoi(argv[1]);
	int n = atoi(argv[2]), rounds = atoi(argv[3]);
	if (n < 100 || rounds < 1) {
		fprintf(stderr, "%s: at least 100 samples and 1 round\n", argv[0]);
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return perror("socketpair"), 1;
	pin(rt_cpu == 0 ? 1 : 0, 50);	/* the sender, on the other CPU */
	uint64_t *all[NMODES];
	for (int m = 0; m < NMODES; m++)
		all[m] = calloc((size_t)n * (size_t)rounds, sizeof(uint64_t));
	for (int k = 0; k < rounds; k++)
		for (int m = 0; m < NMODES; m++)
			one_round((enum mode)m, n, all[m] + (size_t)k * (size_t)n);
	printf("# CPU %d hears a socket written from the other CPU; %d samples x %d rounds; us\n",
	       rt_cpu, n, rounds);
	for (int m = 0; m < NMODES; m++) {
		size_t t = (size_t)n * (size_t)rounds;
		qsort(all[m], t, sizeof(uint64_t), cmp);
		printf("%-6s p50 %6.2f  p99 %7.2f  p99.9 %8.2f  max %9.2f\n", names[m],
		       all[m][t / 2] / 1e3, all[m][t * 99 / 100] / 1e3, all[m][t * 999 / 1000] / 1e3,
		       all[m][t - 1] / 1e3);
	}
	return 0;
}
