/* SPDX-License-Identifier: MIT */
/*
 * The library's own system-call instructions, in one block that the
 * executive hands to Syscall User Dispatch as its allowed range: a `syscall`
 * executed here never traps, whatever the selector says.  The kernel checks
 * the address after the instruction, so every `syscall` here is followed by
 * at least one more instruction before dc_arch_sud_end.
 */
	.text
	.p2align 4
	.globl dc_arch_sud_begin
	.hidden dc_arch_sud_begin
dc_arch_sud_begin:

/* long dc_arch_raw_syscall(long nr, long a, long b, long c, long d, long e, long f) */
	.globl dc_arch_raw_syscall
	.hidden dc_arch_raw_syscall
	.type dc_arch_raw_syscall, @function
dc_arch_raw_syscall:
	.cfi_startproc
	movq %rdi, %rax
	movq %rsi, %rdi
	movq %rdx, %rsi
	movq %rcx, %rdx
	movq %r8, %r10
	movq %r9, %r8
	movq 8(%rsp), %r9
	syscall
	ret
	.cfi_endproc
	.size dc_arch_raw_syscall, .-dc_arch_raw_syscall

/*
 * The sa_restorer of the library's signal handlers.  libc's own restorer lies
 * outside the range: its rt_sigreturn would trap while the selector blocks.
 */
	.globl dc_arch_sigreturn
	.hidden dc_arch_sigreturn
	.type dc_arch_sigreturn, @function
	nop
dc_arch_sigreturn:
	movl $15, %eax		/* __NR_rt_sigreturn */
	syscall
	ud2
	.size dc_arch_sigreturn, .-dc_arch_sigreturn

/*
 * long dc_arch_clone_regs(long nr, const struct dc_arch_clone_regs *r)
 *
 * clone() on behalf of trapped decoupled code that gave the child a stack of
 * its own: the child must start where the trapped `syscall` would have
 * returned, with the trapped registers.  Every general register of *r is
 * loaded before the call.  The caller has pushed the resume address on the
 * child's stack (r->rsi is one word below the stack the program asked for),
 * so the child's `ret` lands there with the stack pointer the program chose.
 * The parent gets its own registers back from its stack.
 */
	.globl dc_arch_clone_regs
	.hidden dc_arch_clone_regs
	.type dc_arch_clone_regs, @function
dc_arch_clone_regs:
	.cfi_startproc
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rdi, %rax
	movq 40(%rsi), %r9
	movq 48(%rsi), %rbx
	movq 56(%rsi), %rbp
	movq 64(%rsi), %r12
	movq 72(%rsi), %r13
	movq 80(%rsi), %r14
	movq 88(%rsi), %r15
	movq 0(%rsi), %rdi
	movq 16(%rsi), %rdx
	movq 24(%rsi), %r10
	movq 32(%rsi), %r8
	movq 8(%rsi), %rsi
	syscall
	testq %rax, %rax
	jnz 1f
	ret			/* child: to the trapped code, on its own stack */
1:	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.cfi_endproc
	.size dc_arch_clone_regs, .-dc_arch_clone_regs

	ud2
	.globl dc_arch_sud_end
	.hidden dc_arch_sud_end
dc_arch_sud_end:

	.section .note.GNU-stack,"",@progbits
