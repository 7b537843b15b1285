/* SPDX-License-Identifier: MIT */
/*
 * x86-64 primitives of the executive.  Everything another architecture must
 * provide is declared here; lib/ uses nothing else that is arch-specific.
 */
#ifndef DC_ARCH_H
#define DC_ARCH_H

#include <stdint.h>

/*
 * A saved execution context is just a stack pointer: dc_arch_switch() pushes
 * the callee-saved registers and the x87/SSE control words on the stack it
 * leaves and pops them from the one it enters.
 */
struct dc_arch_ctx {
	void *sp;
};

/* Save the current context in *save and resume *load. */
void dc_arch_switch(struct dc_arch_ctx *save, const struct dc_arch_ctx *load);

/*
 * Save the current context in *save, move to the stack ending at stack_top
 * and call fn(arg) there.  fn must not return.
 */
void dc_arch_switch_new(struct dc_arch_ctx *save, void *stack_top,
			void (*fn)(void *), void *arg);

/* Resume *load, abandoning the current context.  Does not return. */
__attribute__((noreturn)) void dc_arch_resume(const struct dc_arch_ctx *load);

static inline uint64_t dc_arch_cycles(void)
{
	uint32_t lo, hi;
	/* rdtscp would wait for earlier loads; lfence orders just enough. */
	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void dc_arch_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

/*
 * Raw system calls.  The executive runs with another thread's TLS loaded, so
 * it must not touch errno: these return -errno and never set it.  The one
 * `syscall` instruction behind them lies in the range that Syscall User
 * Dispatch lets through (sud.S), so the library's own calls never trap.
 */
__attribute__((visibility("hidden")))
long dc_arch_raw_syscall(long nr, long a, long b, long c, long d, long e, long f);

static inline long dc_arch_syscall6(long nr, long a, long b, long c, long d,
				    long e, long f)
{
	return dc_arch_raw_syscall(nr, a, b, c, d, e, f);
}

/* FS base (the thread pointer) of the calling Linux thread. */
uint64_t dc_arch_get_tp(void);
/* Load another thread's TLS into the calling Linux thread.  0 or -errno. */
int dc_arch_set_tp(uint64_t tp);

/* The TSC ticks at a constant rate and keeps ticking in deep C-states. */
int dc_arch_cycles_invariant(void);

/*
 * Wait until the cycle counter reaches `until` or `*watch` changes, in a
 * power-friendly way where the CPU offers one (WAITPKG), with PAUSE otherwise.
 * Returns early at any time; callers re-check their conditions.
 */
void dc_arch_wait_short(const volatile uint32_t *watch, uint32_t seen, uint64_t until);
/* 1 if dc_arch_wait_short() uses umwait/tpause on this machine. */
int dc_arch_has_user_wait(void);

/*
 * Start fetching the cache line of `p` for writing (PREFETCHW), without
 * waiting for it: a later store then finds the line owned instead of
 * shared.  A hint only; CPUs without it execute a NOP (0f 0d).
 */
static inline void dc_arch_prefetch_write(const void *p)
{
	__asm__ __volatile__("prefetchw %0" :: "m"(*(const char *)p));
}

#endif
