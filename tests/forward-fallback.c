/* SPDX-License-Identifier: MIT */
/*
 * Without Syscall User Dispatch (DC_SUD=off stands in for an old kernel):
 * decoupled code's own system calls run on the executive, and
 * dc_linux_syscall() still reaches the thread's Linux context.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "decouple.h"
#include "harness.h"

int main(void)
{
	test_skip_decoupled_under_tsan();
	test_pin_to_housekeeping();
	setenv("DC_SUD", "off", 1);
	int cpu = test_rt_cpu();
	int tid = (int)syscall(SYS_gettid);

	struct dc_executive_stats st;
	TEST_DECOUPLE(cpu, 10, &st);
	CHECK_EQ(st.syscall_dispatch, 0);
	/* The explicit path: the Linux context's identity and CPU. */
	CHECK_EQ(dc_linux_syscall(SYS_gettid), tid);
	unsigned c = ~0u;
	CHECK_EQ(dc_linux_syscall(SYS_getcpu, &c, 0, 0), 0);
	CHECK(c != (unsigned)cpu || cpu == 0, "explicit getcpu answered on CPU %u", c);
	CHECK_EQ(dc_linux_syscall(SYS_close, -1), -EBADF);
	/* A plain call runs where the code runs: on the executive. */
	long exec_tid = syscall(SYS_gettid);
	CHECK(exec_tid != tid, "gettid answered by the Linux context without dispatch");
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	CHECK_EQ(st.forwarded_calls, 3);
	CHECK_EQ(dc_recouple(), 0);
	return test_done();
}
