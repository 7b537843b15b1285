/* SPDX-License-Identifier: MIT */
/* x86-64: thread pointer, TSC properties and user-mode waiting. */
#include <asm/prctl.h>
#include <cpuid.h>
#include <stdatomic.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif

static int fsgsbase_usable(void)
{
	static _Atomic int cached = -1;
	int v = atomic_load_explicit(&cached, memory_order_relaxed);
	if (v < 0) {
		v = (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE) != 0;
		atomic_store_explicit(&cached, v, memory_order_relaxed);
	}
	return v;
}

uint64_t dc_arch_get_tp(void)
{
	uint64_t tp = 0;
	dc_arch_syscall6(SYS_arch_prctl, ARCH_GET_FS, (long)&tp, 0, 0, 0, 0);
	return tp;
}

int dc_arch_set_tp(uint64_t tp)
{
	/* wrfsbase avoids a kernel entry, but only where the kernel allows it. */
	if (fsgsbase_usable()) {
		__asm__ __volatile__("wrfsbase %0" :: "r"(tp) : "memory");
		return 0;
	}
	return (int)dc_arch_syscall6(SYS_arch_prctl, ARCH_SET_FS, (long)tp, 0, 0, 0, 0);
}

int dc_arch_cycles_invariant(void)
{
	unsigned a, b, c, d;
	/* CPUID 0x80000007 EDX bit 8: invariant TSC (Intel SDM 17.17.1, AMD APM 2.1). */
	if ((unsigned)__get_cpuid_max(0x80000000u, 0) < 0x80000007u)
		return 0;
	__cpuid(0x80000007, a, b, c, d);
	(void)a; (void)b; (void)c;
	return (d >> 8) & 1;
}

/*
 * WAITPKG (CPUID.7.0:ECX[5]) gives tpause/umwait in user mode.  The kernel
 * may cap their wait through /sys/devices/system/cpu/umwait_control; we only
 * use short waits bounded by `until`, so that cap does not matter.
 */
int dc_arch_has_user_wait(void)
{
	static _Atomic int cached = -1;
	int v = atomic_load_explicit(&cached, memory_order_relaxed);
	if (v < 0) {
		unsigned a, b, c, d;
		v = 0;
		if ((unsigned)__get_cpuid_max(0, 0) >= 7u) {
			__cpuid_count(7, 0, a, b, c, d);
			(void)a; (void)b; (void)d;
			v = (c >> 5) & 1;
		}
		atomic_store_explicit(&cached, v, memory_order_relaxed);
	}
	return v;
}

void dc_arch_wait_short(const volatile uint32_t *watch, uint32_t seen, uint64_t until)
{
	if (dc_arch_has_user_wait()) {
		uint32_t lo = (uint32_t)until, hi = (uint32_t)(until >> 32);
		/* umonitor %rax; then umwait with C0.1 (ecx=1) until edx:eax. */
		__asm__ __volatile__(".byte 0xf3, 0x48, 0x0f, 0xae, 0xf0" :: "a"(watch) : "memory");
		if (*watch != seen)
			return;
		__asm__ __volatile__(".byte 0xf2, 0x48, 0x0f, 0xae, 0xf1"
				     :: "c"(1), "a"(lo), "d"(hi) : "memory", "cc");
		return;
	}
	dc_arch_relax();
}
