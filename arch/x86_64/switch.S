/* SPDX-License-Identifier: MIT */
/*
 * Context switch between the executive and decoupled threads.
 * Frame on a suspended stack, from the top: return address, rbp, rbx,
 * r12-r15, then 8 bytes holding MXCSR and the x87 control word, which the
 * SysV ABI makes callee-saved along with the six registers.
 */
	.text

	.globl dc_arch_switch
	.type dc_arch_switch, @function
/* void dc_arch_switch(struct dc_arch_ctx *save, const struct dc_arch_ctx *load) */
dc_arch_switch:
	.cfi_startproc
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	stmxcsr (%rsp)
	fnstcw 4(%rsp)
	movq %rsp, (%rdi)
	movq (%rsi), %rsp
	jmp .Lrestore
	.cfi_endproc
	.size dc_arch_switch, .-dc_arch_switch

	.globl dc_arch_resume
	.type dc_arch_resume, @function
/* void dc_arch_resume(const struct dc_arch_ctx *load) */
dc_arch_resume:
	.cfi_startproc
	movq (%rdi), %rsp
.Lrestore:
	ldmxcsr (%rsp)
	fldcw 4(%rsp)
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.cfi_endproc
	.size dc_arch_resume, .-dc_arch_resume

	.globl dc_arch_switch_new
	.type dc_arch_switch_new, @function
/* void dc_arch_switch_new(struct dc_arch_ctx *save, void *stack_top,
 *			   void (*fn)(void *), void *arg) */
dc_arch_switch_new:
	.cfi_startproc
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	stmxcsr (%rsp)
	fnstcw 4(%rsp)
	movq %rsp, (%rdi)
	/* New stack, 16-byte aligned at the call as the ABI wants. */
	andq $-16, %rsi
	movq %rsi, %rsp
	xorl %ebp, %ebp
	movq %rcx, %rdi
	callq *%rdx
	ud2
	.cfi_endproc
	.size dc_arch_switch_new, .-dc_arch_switch_new

	.section .note.GNU-stack,"",@progbits
