/* SPDX-License-Identifier: MIT */
/*
 * A decoupled thread blocked in a forwarded read() holds nobody up: while it
 * waits 300 ms on an empty pipe, a lower-priority thread of the same
 * executive keeps its 1 ms period.  Its worst lateness is printed; the
 * acceptance bound is 20 ms.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "decouple.h"
#include "harness.h"

#define BLOCK_NS	300000000ull
#define PERIOD_NS	1000000ull

static int cpu, pipefd[2];
static pthread_barrier_t ready;
static _Atomic int denied, reader_in;
static uint64_t start_at, read_returned;
static ssize_t read_result;
static char read_byte;
static uint64_t worst_late, periods;

static void *reader(void *arg)
{
	(void)arg;
	if (test_thread_decouple(&ready, cpu, 50, &denied))
		return NULL;
	dc_sleep_until(start_at);
	reader_in = 1;
	read_result = read(pipefd[0], &read_byte, 1);
	read_returned = dc_now();
	dc_recouple();
	return NULL;
}

static void *periodic(void *arg)
{
	(void)arg;
	if (test_thread_decouple(&ready, cpu, 10, &denied))
		return NULL;
	uint64_t next = start_at + PERIOD_NS;
	while (next < start_at + BLOCK_NS + 50 * PERIOD_NS) {
		dc_sleep_until(next);
		uint64_t late = dc_now() - next;
		if (late > worst_late)
			worst_late = late;
		periods++;
		next += PERIOD_NS;
	}
	dc_recouple();
	return NULL;
}

int main(void)
{
	cpu = test_decoupled_main();
	CHECK_EQ(pipe(pipefd), 0);
	pthread_t a, b;
	pthread_barrier_init(&ready, NULL, 3);
	start_at = dc_now() + 50000000ull;
	pthread_create(&a, NULL, reader, NULL);
	pthread_create(&b, NULL, periodic, NULL);
	pthread_barrier_wait(&ready);
	dc_sleep_until(start_at + BLOCK_NS);
	uint64_t written = dc_now();
	CHECK_EQ(write(pipefd[1], "x", 1), 1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	if (denied)
		SKIP("no permission for SCHED_FIFO");

	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	if (!st.syscall_dispatch)
		SKIP("no Syscall User Dispatch: read() ran on the executive");
	printf("read blocked %.1f ms; 1 ms thread: %llu periods, worst lateness %.1f us\n",
	       (read_returned - start_at) / 1e6, (unsigned long long)periods, worst_late / 1e3);
	CHECK_EQ(reader_in, 1);
	CHECK_EQ(read_result, 1);
	CHECK_EQ(read_byte, 'x');
	CHECK(read_returned >= written, "read returned before the write");
	CHECK_EQ(periods, (BLOCK_NS + 49 * PERIOD_NS) / PERIOD_NS);
	/* The acceptance bound; the machine's normal lateness is far below it. */
	if (!test_in_vm())
		CHECK(worst_late < 20000000ull, "1 ms thread %.3f ms late", worst_late / 1e6);
	return test_done();
}
