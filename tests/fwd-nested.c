/* SPDX-License-Identifier: MIT */
/*
 * A trap between posting a forwarded call and blocking on it (issue 20,
 * defect 8): a library call there that enters the kernel (clock_gettime
 * where the vDSO falls back to the system call, say) traps again, and its
 * request must not overwrite the one in flight.  A test point makes a
 * trapped getppid() at exactly that place, 2000 times; the outer call is
 * gettid().  Both must come back with their own answers.
 */
#include <stdint.h>
#include <sys/syscall.h>

#include "core.h"
#include "harness.h"

#define ROUNDS 2000

static int cpu, tid, ppid;
static _Atomic int arm, nested, nested_wrong, outer_wrong, denied, rounds;

void dc_test_point(int where)
{
	if (where != DC_TP_FWD_POSTED || !atomic_exchange(&arm, 0))
		return;
	nested++;
	long r = syscall(SYS_getppid);	/* libc's syscall instruction: traps */
	if (r != ppid)
		nested_wrong++;
}

static void *caller(void *arg)
{
	(void)arg;
	tid = (int)syscall(SYS_gettid);
	if (dc_decouple(cpu, 10)) {
		denied = 1;
		return NULL;
	}
	for (int i = 0; i < ROUNDS; i++) {
		arm = 1;
		long r = dc_linux_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
		if (r != tid && outer_wrong++ < 5)
			fprintf(stderr, "round %d: gettid() returned %ld, not %d\n", i, r, tid);
		rounds++;
	}
	/* And a call after them all: no stale answer may still be on its way. */
	long r = dc_linux_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0);
	if (r != ppid)
		outer_wrong++;
	dc_recouple();
	return NULL;
}

int main(void)
{
	cpu = test_decoupled_main();
	ppid = getppid();
	alarm(30);	/* a lost answer hangs */
	pthread_t t;
	pthread_create(&t, NULL, caller, NULL);
	pthread_join(t, NULL);
	if (denied)
		SKIP("no permission for SCHED_FIFO");
	struct dc_executive_stats st;
	if (!dc_executive_stats(cpu, &st) && !st.syscall_dispatch)
		SKIP("no Syscall User Dispatch: nothing traps");
	printf("%d rounds, %d nested traps: %d outer and %d nested answers wrong\n", (int)rounds,
	       (int)nested, (int)outer_wrong, (int)nested_wrong);
	CHECK_EQ(rounds, ROUNDS);
	CHECK_EQ(outer_wrong, 0);
	CHECK_EQ(nested_wrong, 0);
	return test_done();
}
