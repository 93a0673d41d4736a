/* Assembly macros over struct trap_frame (arch/regs.h), shared by entry.S
 * and syscall.S: push or pop the fifteen general registers in frame order,
 * save or load groups of them at frame offsets (asm-offsets.h). */
#ifndef ARCH_FRAME_H
#define ARCH_FRAME_H

#ifdef __ASSEMBLER__
.macro PUSH_GPRS
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %rbp
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
.endm

.macro POP_GPRS
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rbp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rbx
        popq    %rax
.endm

/* Saves the callee-saved registers into the frame at \base. */
.macro SAVE_CALLEE_SAVED base
        movq    %rbx, F_RBX(\base)
        movq    %rbp, F_RBP(\base)
        movq    %r12, F_R12(\base)
        movq    %r13, F_R13(\base)
        movq    %r14, F_R14(\base)
        movq    %r15, F_R15(\base)
.endm

/* Loads them back from the frame at \base. */
.macro RESTORE_CALLEE_SAVED base
        movq    F_RBX(\base), %rbx
        movq    F_RBP(\base), %rbp
        movq    F_R12(\base), %r12
        movq    F_R13(\base), %r13
        movq    F_R14(\base), %r14
        movq    F_R15(\base), %r15
.endm

/* Stores the six argument (and message) registers into the frame at \base. */
.macro SAVE_ARG_REGS base
        movq    %rdi, F_RDI(\base)
        movq    %rsi, F_RSI(\base)
        movq    %rdx, F_RDX(\base)
        movq    %r10, F_R10(\base)
        movq    %r8, F_R8(\base)
        movq    %r9, F_R9(\base)
.endm
#endif

#endif
