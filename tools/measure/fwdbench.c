/* SPDX-License-Identifier: MIT */
/* Forwarded getppid round trips against native ones (see fwdbench.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "decouple.h"
#include "fwdbench.h"

const char *const fwdbench_path_names[FWD_NPATHS] = {
	"native", "explicit", "trapped", "trap-only",
};

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif

/* FWD_TRAP_ONLY: its own selector and handler, on the measuring thread. */
static volatile char trap_selector;
static long trap_answer;

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	/* Let libc's restorer through; the loop blocks again before each call. */
	trap_selector = 0;
	uc->uc_mcontext.gregs[REG_RAX] = trap_answer;
}

/* getppid through each path; the raw syscall keeps libc's wrapper out of it. */
static long call(int path)
{
	if (path == FWD_EXPLICIT)
		return dc_linux_syscall(SYS_getppid);
	if (path == FWD_TRAP_ONLY)
		trap_selector = 1;
	return syscall(SYS_getppid);
}

/*
 * n round trips into s, whose room was reserved beforehand: decoupled, a
 * growing array would add forwarded mmap calls to the figures.
 */
static long measure(struct samples *s, int path, long n, long expect, int keep)
{
	long wrong = 0;
	for (long i = 0; i < n; i++) {
		uint64_t t0 = dc_now();
		long r = call(path);
		uint64_t dt = dc_now() - t0;
		if (r != expect)
			wrong++;
		if (keep && s->n < s->cap)
			s->ns[s->n++] = dt;
	}
	return wrong;
}

/*
 * After the rest: the process's SIGSYS handler is the library's, borrowed
 * here for a thread that never decouples, and given back.
 */
static long measure_trap_only(struct samples *s, long n, long ppid)
{
	struct sigaction sa, old;
	long wrong = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	if (sigaction(SIGSYS, &sa, &old) != 0)
		return 0;
	trap_selector = 0;
	trap_answer = ppid;
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, 1, 0, 0, &trap_selector) == 0) {
		wrong = measure(s, FWD_TRAP_ONLY, n, ppid, 1);
		trap_selector = 0;
		prctl(PR_SET_SYSCALL_USER_DISPATCH, 0, 0, 0, 0);
	}
	sigaction(SIGSYS, &old, NULL);
	return wrong;
}

int fwdbench_run(const struct fwdbench_opts *o, struct fwdbench_result *r)
{
	struct samples s[FWD_NPATHS];
	int err = 0, trapped = 1;
	long per_round = o->calls / o->rounds;
	long ppid = getppid();
	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(s));
	for (int p = 0; p < FWD_NPATHS; p++) {
		s[p].cap = (size_t)(per_round * o->rounds);
		s[p].ns = calloc(s[p].cap, sizeof(s[p].ns[0]));
		if (!s[p].ns) {
			err = -ENOMEM;
			goto out;
		}
	}
	/* Alternate the paths round by round: slow drifts of the machine hit all three. */
	for (int round = 0; round < o->rounds; round++) {
		r->wrong_answers += measure(&s[FWD_NATIVE], FWD_NATIVE, per_round, ppid, 1);
		err = dc_decouple(o->cpu, o->prio);
		if (err)
			goto out;
		struct dc_executive_stats st;
		if (dc_executive_stats(o->cpu, &st) == 0 && !st.syscall_dispatch)
			trapped = 0;
		/* A few calls first, not kept: both sides reach their polling loops. */
		measure(NULL, FWD_EXPLICIT, per_round < 100 ? per_round : 100, ppid, 0);
		r->wrong_answers += measure(&s[FWD_EXPLICIT], FWD_EXPLICIT, per_round, ppid, 1);
		if (trapped)
			r->wrong_answers += measure(&s[FWD_TRAPPED], FWD_TRAPPED, per_round, ppid, 1);
		dc_recouple();
	}
	r->wrong_answers += measure_trap_only(&s[FWD_TRAP_ONLY], per_round * o->rounds, ppid);
	for (int p = 0; p < FWD_NPATHS; p++)
		if (s[p].n)
			samples_stats(&s[p], &r->path[p]);
out:
	for (int p = 0; p < FWD_NPATHS; p++)
		samples_free(&s[p]);
	return err;
}
