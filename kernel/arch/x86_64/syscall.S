/* System-call entry and the two ways back to user space, plus the kernel
 * stack switch between threads.
 *
 * A thread's user state is a struct trap_frame (trap.h) at the top of its
 * kernel stack, the same layout whether it entered by `syscall`, interrupt
 * or exception. Syscall frames (vector FRAME_SYSCALL) leave by sysretq,
 * others by iretq. Interrupts are off throughout the kernel. */
#include "percpu.h"
#include "uapi/syscall_count.h"

#define USER_CS 0x2b
#define USER_SS 0x23
#define FRAME_SYSCALL 0x100

        .text
        .globl syscall_entry
syscall_entry:
        swapgs
        movq    %rsp, %gs:CPU_OFF_USER_RSP
        movq    %gs:CPU_OFF_KERNEL_RSP, %rsp
        pushq   $USER_SS
        pushq   %gs:CPU_OFF_USER_RSP
        pushq   %r11                    /* user rflags */
        pushq   $USER_CS
        pushq   %rcx                    /* user rip */
        pushq   $0                      /* error code */
        pushq   $FRAME_SYSCALL
        /* Only what the system call reads or answers in is saved: rax and
         * the argument registers. rbx, rbp, r12-r15 are preserved by the C
         * code (callee-saved), rcx and r11 are the syscall's to clobber;
         * their frame slots are left as they are. */
        pushq   %rax
        subq    $16, %rsp               /* rbx, rcx */
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        subq    $8, %rsp                /* rbp */
        pushq   %r8
        pushq   %r9
        pushq   %r10
        subq    $40, %rsp               /* r11-r15 */
        movq    %rsp, %rdi
        cmpq    $SYS_COUNT_ASM, %rax
        jae     3f
        call    *syscall_table(, %rax, 8)
1:      cmpl    $0, %gs:CPU_OFF_NEED_RESCHED
        jne     4f
2:      addq    $40, %rsp
        popq    %r10
        popq    %r9
        popq    %r8
        addq    $8, %rsp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        addq    $16, %rsp
        popq    %rax
        /* [rsp] vector, error, rip, cs, rflags, rsp, ss */
        movq    16(%rsp), %rcx
        movq    32(%rsp), %r11
        swapgs
        movq    40(%rsp), %rsp
        sysretq
3:      call    syscall_unknown
        jmp     1b
4:      call    schedule
        jmp     2b

/* Returns to user space from a complete trap frame at %rsp (new threads,
 * and anything that came in through trap_common). */
        .globl return_to_user
return_to_user:
        cmpq    $FRAME_SYSCALL, 15*8(%rsp)
        jne     iret_to_user
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
        /* [rsp] vector, error, rip, cs, rflags, rsp, ss */
        movq    16(%rsp), %rcx          /* checked canonical by the kernel */
        movq    32(%rsp), %r11
        swapgs
        movq    40(%rsp), %rsp
        sysretq

iret_to_user:
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
        addq    $16, %rsp
        swapgs
        iretq

/* void switch_context(uint64_t *save_rsp, uint64_t load_rsp): saves the
 * callee-saved registers on this stack, stores rsp, loads the other
 * thread's and returns on its stack. */
        .globl switch_context
switch_context:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret

/* A new user thread's first switch_context returns here, with rsp at its
 * trap frame (fully initialised by thread_create). */
        .globl thread_trampoline
thread_trampoline:
        jmp     return_to_user
