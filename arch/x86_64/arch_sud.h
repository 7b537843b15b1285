/* SPDX-License-Identifier: MIT */
/*
 * x86-64 pieces of system-call forwarding: the block of code that Syscall
 * User Dispatch lets through, signal handlers that return through it, and
 * the trapped call's registers in a signal's ucontext.
 */
#ifndef DC_ARCH_SUD_H
#define DC_ARCH_SUD_H

#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

/* [begin, end): every `syscall` of the library, and nothing else (sud.S). */
extern const char dc_arch_sud_begin[] __attribute__((visibility("hidden")));
extern const char dc_arch_sud_end[] __attribute__((visibility("hidden")));

/* Syscall User Dispatch exists for this architecture. */
#define DC_ARCH_HAS_SUD 1

/*
 * Install `fn` for `sig` with the kernel's rt_sigaction and a restorer
 * inside the allowed range.  0 or -errno.
 */
int dc_arch_sigaction(int sig, void (*fn)(int, siginfo_t *, void *), unsigned long flags,
		      const sigset_t *mask);

/* The trapped call: number, arguments, where it returns, result. */
static inline long dc_arch_uc_nr(const ucontext_t *uc)
{
	return (long)uc->uc_mcontext.gregs[REG_RAX];
}

static inline void dc_arch_uc_args(const ucontext_t *uc, long a[6])
{
	const greg_t *g = uc->uc_mcontext.gregs;
	a[0] = (long)g[REG_RDI];
	a[1] = (long)g[REG_RSI];
	a[2] = (long)g[REG_RDX];
	a[3] = (long)g[REG_R10];
	a[4] = (long)g[REG_R8];
	a[5] = (long)g[REG_R9];
}

static inline void dc_arch_uc_set_result(ucontext_t *uc, long ret)
{
	uc->uc_mcontext.gregs[REG_RAX] = (greg_t)ret;
}

/* Registers for dc_arch_clone_regs(); the offsets are sud.S's. */
struct dc_arch_clone_regs {
	long rdi, rsi, rdx, r10, r8, r9;	/* the call's arguments */
	long rbx, rbp, r12, r13, r14, r15;	/* what the child resumes with */
};

/*
 * Fill *r from the trapped state and return where the trapped code resumes.
 * The second argument (r->rsi) stays the caller's to set.
 */
static inline uint64_t dc_arch_uc_clone_regs(const ucontext_t *uc, struct dc_arch_clone_regs *r)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	r->rdi = (long)g[REG_RDI];
	r->rsi = (long)g[REG_RSI];
	r->rdx = (long)g[REG_RDX];
	r->r10 = (long)g[REG_R10];
	r->r8 = (long)g[REG_R8];
	r->r9 = (long)g[REG_R9];
	r->rbx = (long)g[REG_RBX];
	r->rbp = (long)g[REG_RBP];
	r->r12 = (long)g[REG_R12];
	r->r13 = (long)g[REG_R13];
	r->r14 = (long)g[REG_R14];
	r->r15 = (long)g[REG_R15];
	return (uint64_t)g[REG_RIP];
}

/*
 * clone with the registers of *r (sud.S).  The parent gets the result; the
 * child returns to the address on top of the stack r->rsi names.
 */
__attribute__((visibility("hidden")))
long dc_arch_clone_regs(long nr, const struct dc_arch_clone_regs *r);

/* The stack grows down: make room for the child's resume address. */
static inline long dc_arch_push_resume(long sp, uint64_t pc)
{
	sp -= (long)sizeof(uint64_t);
	*(uint64_t *)sp = pc;
	return sp;
}

#endif
