/* SPDX-License-Identifier: MIT */
/* x86-64: signal handlers that return through the allowed range. */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

#include "arch.h"
#include "arch_sud.h"

/* The kernel's struct sigaction on x86-64 (not libc's). */
struct kernel_sigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

#define KSA_RESTORER 0x04000000ul

extern void dc_arch_sigreturn(void) __attribute__((visibility("hidden")));

int dc_arch_sigaction(int sig, void (*fn)(int, siginfo_t *, void *), unsigned long flags,
		      const sigset_t *mask)
{
	struct kernel_sigaction ksa;
	memset(&ksa, 0, sizeof(ksa));
	ksa.handler = fn;
	ksa.flags = flags | SA_SIGINFO | KSA_RESTORER;
	ksa.restorer = dc_arch_sigreturn;
	/* The kernel's sigset is the first word of libc's. */
	memcpy(&ksa.mask, mask, sizeof(ksa.mask));
	return (int)dc_arch_syscall6(SYS_rt_sigaction, sig, (long)&ksa, 0, sizeof(ksa.mask), 0, 0);
}
