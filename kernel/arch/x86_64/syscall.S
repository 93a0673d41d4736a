/* System-call entry and the two ways back to user space, plus the kernel
 * stack switch between threads.
 *
 * A thread's user state is a struct trap_frame (trap.h) at the top of its
 * kernel stack, the same layout whether it entered by `syscall`, interrupt
 * or exception. Syscall frames (vector FRAME_SYSCALL) leave by sysretq,
 * others by iretq. Interrupts are off throughout the kernel. */
#include "percpu.h"
#include "uapi/syscall_count.h"
#include "asm-offsets.h"
#include "layout.h"
#include "frame.h"

/* Checks both fast paths make; rdi = slot, rsi = tag, rbx = current. On
 * success r14 = the endpoint capability (with right \right), r12 = the
 * endpoint. Anything else goes to fast_fallback. */
.macro FAST_CHECKS right
        leaq    -1(%rdi), %rax
        cmpq    $(SYS_CAP_SLOTS - 2), %rax      /* slot in 1..255 */
        ja      fast_fallback
        movzwl  %si, %eax
        cmpl    $SYS_MSG_REGS, %eax             /* at most 4 words, no caps */
        ja      fast_fallback
        cmpl    $0, sched_nready(%rip)          /* nobody else ready to outrank the partner */
        jne     fast_fallback
        cmpq    $0, ktimer_armed(%rip)          /* the timer will preempt */
        je      fast_fallback
        movq    T_PROC(%rbx), %rax
        movq    P_CAPS(%rax), %r14
        movq    %rdi, %rax
        shlq    $CAP_SIZE_SHIFT, %rax
        addq    %rax, %r14
        cmpb    $CAP_ENDPOINT, C_TYPE(%r14)
        jne     fast_fallback
        testb   $\right, C_RIGHTS(%r14)
        jz      fast_fallback
        movq    C_OBJ(%r14), %r12
.endm

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
        pushq   %rax
        cmpl    $SYS_CALL_NR, %eax
        je      fast_call
        cmpl    $SYS_REPLY_RECV_NR, %eax
        je      fast_reply_recv
        /* Only what the system call reads or answers in is saved: rax and
         * the argument registers. rbx, rbp, r12-r15 are preserved by the C
         * code (callee-saved), rcx and r11 are the syscall's to clobber;
         * their frame slots are left as they are. */
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
syscall_done:
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
        POP_GPRS
        /* [rsp] vector, error, rip, cs, rflags, rsp, ss */
        movq    16(%rsp), %rcx          /* checked canonical by the kernel */
        movq    32(%rsp), %r11
        swapgs
        movq    40(%rsp), %rsp
        sysretq

iret_to_user:
        POP_GPRS
        addq    $16, %rsp
        swapgs
        iretq

/*
 * The IPC fast path for call and reply_recv, seL4 style: everything is
 * checked first (any surprise falls back to the C code with a normal
 * frame); after the point of no return the message stays in registers
 * (rsi tag, rdx r10 r8 r9 MR0-3, rdi badge) and the partner's user context
 * is loaded straight from its frame. A thread that blocks here keeps no
 * kernel context: its callee-saved registers go into its frame, it is
 * marked resume_user, and its saved kernel rsp points at a return address
 * (fast_resume) so a switch_context to it from C restores it fully.
 * A partner that blocked the same way is resumed from its frame; one that
 * blocked in C gets the message in its frame and its kernel context back.
 * Entered with rsp = frame + F_RAX.
 */
fast_call:
        subq    $F_RAX, %rsp            /* rsp = frame */
        SAVE_CALLEE_SAVED %rsp
        movq    %gs:CPU_CURRENT, %rbx           /* the caller */
        FAST_CHECKS CAP_R_WRITE
        movq    EP_RECV_HEAD(%r12), %r13        /* the waiting server */
        testq   %r13, %r13
        jz      fast_fallback
        cmpb    $0, EP_DEAD(%r12)
        jne     fast_fallback
        cmpq    $0, T_CALLER(%r13)
        jne     fast_fallback
        cmpq    $0, T_TIMEOUT_DEADLINE(%r13)
        jne     fast_fallback
        /* Point of no return. Dequeue the server, link the call. */
        movq    T_QNEXT(%r13), %rax
        movq    %rax, EP_RECV_HEAD(%r12)
        testq   %rax, %rax
        jnz     1f
        movq    $0, EP_RECV_TAIL(%r12)
        jmp     2f
1:      movq    $0, T_QPREV(%rax)
2:      movq    $0, T_QNEXT(%r13)
        movq    $0, T_BLOCKED_ON(%r13)
        movb    $TS_REPLY, T_STATE(%rbx)
        movq    %r13, T_CALLEE(%rbx)
        movq    %rbx, T_CALLER(%r13)
        movq    C_BADGE(%r14), %rdi
        jmp     fast_block_and_switch

fast_reply_recv:
        subq    $F_RAX, %rsp
        SAVE_CALLEE_SAVED %rsp
        movq    %gs:CPU_CURRENT, %rbx           /* the server */
        movq    T_CALLER(%rbx), %r13            /* the client owed a reply */
        testq   %r13, %r13
        jz      fast_fallback
        cmpb    $0, T_FAULT_PENDING(%r13)
        jne     fast_fallback
        cmpq    $0, T_BOUND_NTFN(%rbx)          /* signals may be pending: C path */
        jne     fast_fallback
        FAST_CHECKS CAP_R_READ
        cmpq    $0, EP_SEND_HEAD(%r12)          /* a request waits: take the C path */
        jne     fast_fallback
        cmpb    $0, EP_DEAD(%r12)
        jne     fast_fallback
        /* Point of no return. Unlink the reply, queue the server. */
        movq    $0, T_CALLER(%rbx)
        movq    $0, T_CALLEE(%r13)
        movb    $TS_RECV, T_STATE(%rbx)
        movq    %r12, T_BLOCKED_ON(%rbx)
        movq    $0, T_QNEXT(%rbx)
        movq    EP_RECV_TAIL(%r12), %rax
        movq    %rax, T_QPREV(%rbx)
        testq   %rax, %rax
        jz      1f
        movq    %rbx, T_QNEXT(%rax)
        jmp     2f
1:      movq    %rbx, EP_RECV_HEAD(%r12)
2:      movq    %rbx, EP_RECV_TAIL(%r12)
        xorl    %edi, %edi                      /* replies carry badge 0 */
        /* fall through */

/* rbx = current thread (blocks with no kernel context), r13 = next thread,
 * rsp = current frame; message in rdi rsi rdx r10 r8 r9. */
fast_block_and_switch:
        movb    $1, T_RESUME_USER(%rbx)
        leaq    fast_resume(%rip), %rax
        movq    %rax, -8(%rsp)
        leaq    -56(%rsp), %rax                 /* six callee-saved slots + return address */
        movq    %rax, T_SAVED_RSP(%rbx)
        movb    $TS_RUNNING, T_STATE(%r13)
        movq    %r13, %gs:CPU_CURRENT
        movq    T_KSTACK(%r13), %rax
        addq    $KERNEL_STACK_SIZE, %rax
        movq    %rax, %gs:CPU_OFF_KERNEL_RSP
        movq    %gs:CPU_TSS_RSP0, %rcx
        movq    %rax, (%rcx)
        leaq    -FRAME_SIZE(%rax), %r12         /* next's frame */
        movq    T_PROC(%r13), %rcx
        movq    P_PML4(%rcx), %rcx
        cmpq    %gs:CPU_CR3, %rcx
        je      3f
        movq    %rcx, %cr3
        movq    %rcx, %gs:CPU_CR3
3:      xorl    %eax, %eax
        cmpq    %r13, %gs:CPU_FPU_OWNER
        setne   %al                             /* FPU state elsewhere: trap on use */
        cmpb    %al, %gs:CPU_FPU_TRAP
        jne     5f
4:      cmpb    $0, T_RESUME_USER(%r13)
        je      6f
        movb    $0, T_RESUME_USER(%r13)
        movq    F_RIP(%r12), %rcx
        movq    F_RFLAGS(%r12), %r11
        movq    F_RBX(%r12), %rbx
        movq    F_RBP(%r12), %rbp
        movq    F_R13(%r12), %r13
        movq    F_R14(%r12), %r14
        movq    F_R15(%r12), %r15
        xorl    %eax, %eax                      /* SYS_OK */
        swapgs
        movq    F_RSP(%r12), %rsp
        movq    F_R12(%r12), %r12
        sysretq
5:      movb    %al, %gs:CPU_FPU_TRAP
        movq    %cr0, %rcx
        andq    $~8, %rcx
        shll    $3, %eax                        /* CR0.TS */
        orq     %rax, %rcx
        movq    %rcx, %cr0
        jmp     4b
        /* The partner blocked in C and has a kernel context: put the
         * message in its frame and resume that context (as switch_context
         * would); it returns to user space through the C exit. */
6:      movq    $0, F_RAX(%r12)
        movq    %rdi, F_RDI(%r12)
        movq    %rsi, F_RSI(%r12)
        movq    %rdx, F_RDX(%r12)
        movq    %r10, F_R10(%r12)
        movq    %r8, F_R8(%r12)
        movq    %r9, F_R9(%r12)
        movq    T_SAVED_RSP(%r13), %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret

/* Something did not fit the fast path: finish a normal frame (restoring
 * the callee-saved registers the checks used) and take the C path. */
fast_fallback:
        movq    F_RBX(%rsp), %rbx
        movq    F_RBP(%rsp), %rbp
        movq    F_R12(%rsp), %r12
        movq    F_R13(%rsp), %r13
        movq    F_R14(%rsp), %r14
        movq    F_R15(%rsp), %r15
        movq    %rdi, F_RDI(%rsp)
        movq    %rsi, F_RSI(%rsp)
        movq    %rdx, F_RDX(%rsp)
        movq    %r8, F_R8(%rsp)
        movq    %r9, F_R9(%rsp)
        movq    %r10, F_R10(%rsp)
        movq    F_RAX(%rsp), %rax
        movq    %rsp, %rdi
        call    *syscall_table(, %rax, 8)
        jmp     syscall_done

/* A thread blocked by the fast path, switched to by switch_context: rsp is
 * its frame (complete: callee-saved saved at block time, the rest written
 * by whoever woke it). */
fast_resume:
        movq    %gs:CPU_CURRENT, %rax
        movb    $0, T_RESUME_USER(%rax)
        jmp     return_to_user

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
