/* System-call entry, the IPC fast path, the way back to user space, and
 * the one thread switch (switch_core) every switch goes through.
 *
 * A thread's user state is a struct trap_frame (arch/regs.h) at the top of
 * its kernel stack, the same layout whether it entered by `syscall`,
 * interrupt or exception. Syscall frames (vector FRAME_SYSCALL) leave by
 * sysretq, others by iretq. Interrupts are off throughout the kernel. */
#include "config.h"
#include "arch/percpu.h"
#include "uapi/syscall_count.h"
#include "asm-offsets.h"
#include "arch/layout.h"
#include "frame.h"
#include "segments.h"

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
#if !CONFIG_IRQOFF_TRACE
        cmpq    $SYS_COUNT_ASM, %rax
        jae     syscall_slow
        jmp     *syscall_fast_table(, %rax, 8)  /* a fast path, or syscall_slow */
syscall_slow:
#endif
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
syscall_dispatch:
        cmpq    $SYS_COUNT_ASM, %rax
        jae     3f
#if CONFIG_IRQOFF_TRACE
        movq    %rax, %rsi
        call    syscall_traced          /* syscall_table[rsi](rdi), timed */
#else
        call    *syscall_table(, %rax, 8)
#endif
syscall_done:                           /* rax = the result */
#if CONFIG_IRQOFF_TRACE
        jmp     4f
#endif
        cmpl    $0, %gs:CPU_EXIT_WORK
        jne     4f
2:      addq    $40, %rsp
        popq    %r10
        popq    %r9
        popq    %r8
        addq    $8, %rsp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        addq    $24, %rsp               /* rbx, rcx, rax: the result is in rax */
        /* [rsp] vector, error, rip, cs, rflags, rsp, ss */
        movq    16(%rsp), %rcx
        movq    32(%rsp), %r11
        swapgs
        movq    40(%rsp), %rsp
        sysretq
3:      call    syscall_unknown
        jmp     syscall_done
        /* Work before returning (reaping, a switch): the result waits in
         * the frame, where a switch cannot clobber it. */
4:      movq    %rax, F_RAX(%rsp)
        call    kernel_exit_c
        movq    F_RAX(%rsp), %rax
        jmp     2b

/* Returns to user space from a complete trap frame at %rsp (new threads,
 * threads resumed after blocking in the fast path). */
        .globl return_to_user
return_to_user:
#if CONFIG_IRQOFF_TRACE
        call    irqoff_end_c
#endif
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

#if !CONFIG_IRQOFF_TRACE
/*
 * The IPC fast path for call and reply_recv, seL4 style: everything is
 * checked first (any surprise falls back to the C code in
 * kernel/object/endpoint.c with a normal frame); after the point of no
 * return the message stays in registers (rsi tag, rdx r10 r8 r9 MR0-3,
 * rdi badge) and the partner's user context is loaded straight from its
 * frame. Each check names the C it stands for. A thread that blocks here
 * keeps no kernel context: its callee-saved registers go into its frame,
 * it is marked resume_user, and its saved kernel stack pointer points at a
 * return address (fast_resume), so a switch to it from C restores it fully
 * (the C waker clears the argument registers it does not write:
 * thread_result_frame). A partner that blocked the same way is resumed
 * from its frame; one that blocked in C gets the message in its frame and
 * its kernel context back. There is never reaping to do here: exit_work
 * is empty at every entry (every exit drains it).
 * Entered with rsp = frame + F_RAX.
 */

/* Checks both fast paths make; rdi = slot, rsi = tag, rbx = current. On
 * success r14 = the endpoint capability (with right \right), r12 = the
 * endpoint. Anything else goes to fast_fallback. */
.macro FAST_CHECKS right
        leaq    -1(%rdi), %rax
        cmpq    $(SYS_CAP_SLOTS - 2), %rax      /* cap_lookup: 1 <= slot < SYS_CAP_SLOTS */
        ja      fast_fallback
        movzwl  %si, %eax
        cmpl    $SYS_MSG_REGS, %eax             /* msg_tag_short: <= 4 words, no capability */
        ja      fast_fallback
        cmpl    $0, sched_nready(%rip)          /* sched_handoff: nothing ready may outrank */
        jne     fast_fallback                   /*   the partner (nothing ready at all) */
        cmpq    $0, ktimer_hw_deadline(%rip)    /* the timer is armed: slices are still checked */
        je      fast_fallback
        movq    T_PROC(%rbx), %rax
        movq    P_CAPS(%rax), %r14
        movq    %rdi, %rax
        shlq    $CAP_SIZE_SHIFT, %rax
        addq    %rax, %r14
        cmpb    $CAP_ENDPOINT, C_TYPE(%r14)     /* cap_lookup: type */
        jne     fast_fallback
        testb   $\right, C_RIGHTS(%r14)         /* cap_lookup: rights */
        jz      fast_fallback
        movq    C_OBJ(%r14), %r12
.endm

fast_call:
        subq    $F_RAX, %rsp            /* rsp = frame */
        SAVE_CALLEE_SAVED %rsp
        movq    %gs:CPU_CURRENT, %rbx           /* the caller */
        FAST_CHECKS CAP_R_WRITE
        movq    EP_RECV_HEAD(%r12), %r13        /* ipc_send: r = the first waiting receiver */
        testq   %r13, %r13                      /*   none: the caller blocks (C) */
        jz      fast_fallback
        cmpb    $0, EP_DEAD(%r12)               /* ipc_send: a dead endpoint: SYS_EDEAD */
        jne     fast_fallback
        cmpq    $0, T_CALLER(%r13)              /* link_call: an earlier caller is released */
        jne     fast_fallback
        cmpb    $0, T_TIMEOUT_ARMED(%r13)       /* ipc_send: ktimer_cancel(&r->timeout) */
        jne     fast_fallback
        /* Point of no return. tq_remove(receivers, r) of the head, link_call. */
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
        movb    C_RIGHTS(%r14), %al
        movb    %al, T_CALL_RIGHTS(%rbx)        /* link_call: the reply may grant if this cap did */
        movq    %r13, T_CALLEE(%rbx)
        movq    %rbx, T_CALLER(%r13)
        movq    C_BADGE(%r14), %rdi             /* deliver: the caller's badge */
        jmp     fast_block_and_switch

fast_reply_recv:
        subq    $F_RAX, %rsp
        SAVE_CALLEE_SAVED %rsp
        movq    %gs:CPU_CURRENT, %rbx           /* the server */
        movq    T_CALLER(%rbx), %r13            /* reply_to_caller: c (none: SYS_ENOREPLY) */
        testq   %r13, %r13
        jz      fast_fallback
        cmpb    $0, T_FAULT_PENDING(%r13)       /* reply_to_caller: a fault reply resumes or kills */
        jne     fast_fallback
        cmpq    $0, T_BOUND_NTFN(%rbx)          /* receive: a bound signal may be delivered */
        jne     fast_fallback
        FAST_CHECKS CAP_R_READ
        cmpq    $0, EP_SEND_HEAD(%r12)          /* receive: a sender waits: deliver it */
        jne     fast_fallback
        cmpb    $0, EP_DEAD(%r12)               /* ipc_reply_recv: SYS_EDEAD */
        jne     fast_fallback
        /* Point of no return. Unlink the reply, queue the server (receive). */
        movq    $0, T_CALLER(%rbx)
        movq    $0, T_CALLEE(%r13)
        movb    $TS_RECV, T_STATE(%rbx)
        movq    %r12, T_BLOCKED_ON(%rbx)
        movq    $0, T_QNEXT(%rbx)               /* tq_push(receivers, t) */
        movq    EP_RECV_TAIL(%r12), %rax
        movq    %rax, T_QPREV(%rbx)
        testq   %rax, %rax
        jz      1f
        movq    %rbx, T_QNEXT(%rax)
        jmp     2f
1:      movq    %rbx, EP_RECV_HEAD(%r12)
2:      movq    %rbx, EP_RECV_TAIL(%r12)
        xorl    %edi, %edi                      /* deliver: replies carry badge 0 */
        /* fall through */

/* rbx = current thread (blocks with no kernel context), r13 = next thread,
 * rsp = current frame; message in rdi rsi rdx r10 r8 r9. */
fast_block_and_switch:
        movb    $TS_RUNNING, T_STATE(%r13)
        call    switch_core                     /* rax = next's kernel stack top */
        movb    $1, T_RESUME_USER(%rbx)
        leaq    fast_resume(%rip), %rcx
        movq    %rcx, -8(%rsp)
        leaq    -56(%rsp), %rcx                 /* six callee-saved slots + return address */
        movq    %rcx, T_SAVED_SP(%rbx)
        leaq    -FRAME_SIZE(%rax), %r12         /* next's frame */
        cmpb    $0, T_RESUME_USER(%r13)
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
        /* The partner blocked in C and has a kernel context: put the
         * message in its frame and resume that context; it returns to user
         * space through the C exit. */
6:      movq    $0, F_RAX(%r12)
        SAVE_ARG_REGS %r12
        movq    T_SAVED_SP(%r13), %rsp
        jmp     resume_kernel_context

/*
 * The notification fast path, for signal and wait; the same rules as the
 * IPC one above (checks first, each naming the C in
 * kernel/object/notification.c, kernel/core/sched.c or kernel/object/cap.c
 * it stands for; anything else falls back to the C handlers with a normal
 * frame; exit_work is empty at entry, and nothing here adds to it).
 *
 *   signal: no waiter: the bits are ORed in (a bound thread blocked in recv
 *           takes the C path); a waiter that does not outrank the signaller
 *           gets the bits in its frame and goes to the tail of its ready
 *           queue (thread_wake, thread_make_ready), and the signaller goes
 *           on. A waiter with a timeout armed, or of higher priority (a
 *           reschedule), takes the C path.
 *   wait:   bits pending: taken and returned. None: the thread blocks
 *           (no deadline; nobody else waits) and the scheduler's choice runs,
 *           exactly as schedule() picks it: the head of the highest non-empty
 *           ready queue (at most priority 63 here), with a fresh slice if its
 *           own is over, provided the hardware timer is already armed no
 *           later than that slice's end (ktimer_reprogram_for would keep it).
 *           The blocked thread's frame is made whole (callee-saved and
 *           argument registers), so whoever wakes it (this path or C) writes
 *           rax and rdi there, and it resumes at fast_resume.
 * Entered with rsp = frame + F_RAX, rdi = slot, rsi = bits / deadline.
 */

/* cap_lookup(proc, \slot, CAP_NOTIFICATION, \right): \out = the
 * capability; rbx = current. Uses rax. */
.macro NTFN_CAP right, fail, slot=%rdi, out=%r12
        leaq    -1(\slot), %rax
        cmpq    $(SYS_CAP_SLOTS - 2), %rax      /* cap_lookup: 1 <= slot < SYS_CAP_SLOTS */
        ja      \fail
        movq    T_PROC(%rbx), %rax
        movq    P_CAPS(%rax), \out
        movq    \slot, %rax
        shlq    $CAP_SIZE_SHIFT, %rax
        addq    %rax, \out
        cmpb    $CAP_NOTIFICATION, C_TYPE(\out) /* cap_lookup: type */
        jne     \fail
        testb   $\right, C_RIGHTS(\out)        /* cap_lookup: rights */
        jz      \fail
.endm

/* schedule()'s slice for \next, which is to run now: rcx = its slice end
 * (a fresh slice if its own is over or was taken away), rax = now; and
 * ktimer_reprogram_for(next) must keep the hardware timer: armed for later
 * than now and no later than that slice end (nor than the first timer,
 * which ktimer_check makes sure of); otherwise \fail. Uses rdx. */
.macro NEXT_SLICE next, fail
        rdtsc                                   /* time_since_boot_ns */
        shlq    $32, %rdx
        orq     %rdx, %rax
        subq    entry_tsc(%rip), %rax
        mulq    ns_per_cycle_q32(%rip)
        shrdq   $32, %rdx, %rax                 /* rax = now */
        movq    T_SLICE_END(\next), %rcx       /* schedule: a fresh slice if its own is */
        cmpq    %rcx, %rax                      /*   over or was taken away (0: now >= 0) */
        jb      3f
        leaq    SLICE_NS_ASM(%rax), %rcx
3:      movq    ktimer_hw_deadline(%rip), %rdx  /* ktimer_reprogram_for(next) keeps the timer: */
        cmpq    %rax, %rdx                      /*   armed, for later than now */
        jbe     \fail
        cmpq    %rcx, %rdx                      /*   and no later than next's slice end */
        ja      \fail                           /*   (nor the first timer: ktimer_check) */
.endm

fast_signal:
        subq    $F_RAX, %rsp                    /* rsp = frame */
        movq    %rbx, F_RBX(%rsp)
        movq    %r12, F_R12(%rsp)
        movq    %gs:CPU_CURRENT, %rbx
        NTFN_CAP CAP_R_WRITE, fast_signal_fallback
        movq    C_BADGE(%r12), %r11             /* sys_signal: the badge, or the bits given */
        testq   %r11, %r11
        cmovzq  %rsi, %r11
        movq    C_OBJ(%r12), %r12               /* n */
        orq     N_BITS(%r12), %r11              /* ntfn_signal: n->bits |= bits; */
        jz      fast_ntfn_out                   /*   none: nothing more */
        movq    N_WAITER(%r12), %rcx
        testq   %rcx, %rcx
        jnz     1f
        movq    N_BOUND(%r12), %rax             /* no waiter: a bound thread blocked in */
        testq   %rax, %rax                      /*   recv gets them (C) */
        jz      2f
        cmpb    $TS_RECV, T_STATE(%rax)
        je      fast_signal_fallback
2:      movq    %r11, N_BITS(%r12)
        jmp     fast_ntfn_out
1:      cmpb    $0, T_TIMEOUT_ARMED(%rcx)       /* thread_wake: ktimer_cancel(&t->timeout) */
        jne     fast_signal_fallback
        cmpb    $0, T_RESUME_USER(%rcx)         /* thread_result_frame (a waiter never is) */
        jne     fast_signal_fallback
        cmpb    $0, T_FAULT_PENDING(%rcx)       /* thread_set_result (a waiter never is) */
        jne     fast_signal_fallback
        movzbl  T_PRIO(%rcx), %eax
        cmpb    T_PRIO(%rbx), %al               /* thread_make_ready: it outranks us: a */
        ja      fast_signal_fallback            /*   reschedule (C) */
        /* Point of no return. Wake the waiter with the bits (rdi) and SYS_OK. */
        movq    $0, N_BITS(%r12)
        movq    $0, N_WAITER(%r12)
        movq    $0, T_BLOCKED_ON(%rcx)
        movq    T_FRAME(%rcx), %r12
        movq    %r11, F_RDI(%r12)
        movq    $0, F_RAX(%r12)
        /* thread_make_ready: rq_enqueue(&sched_ready, t, t->priority), no reschedule */
        movb    $TS_READY, T_STATE(%rcx)
        leaq    sched_ready(%rip), %r11
        btsq    %rax, RQ_BITMAP(%r11)           /* bitmap[prio / 64] |= 1 << prio % 64 */
        shlq    $RQ_FIFO_SHIFT, %rax
        leaq    RQ_LEVEL(%r11, %rax), %rax      /* rq_fifo_push(&level[prio], t) */
        movq    RQ_TAIL(%rax), %r11
        movq    $0, T_QNEXT(%rcx)
        movq    %r11, T_QPREV(%rcx)
        testq   %r11, %r11
        jz      3f
        movq    %rcx, T_QNEXT(%r11)
        jmp     4f
3:      movq    %rcx, RQ_HEAD(%rax)
4:      movq    %rcx, RQ_TAIL(%rax)
        incl    sched_ready+RQ_COUNT(%rip)
        incl    sched_nready(%rip)
fast_ntfn_out:                                  /* SYS_OK to the caller; rbx, r12 back */
        movq    F_RBX(%rsp), %rbx
        movq    F_R12(%rsp), %r12
        xorl    %eax, %eax
        movq    F_RIP(%rsp), %rcx
        movq    F_RFLAGS(%rsp), %r11
        swapgs
        movq    F_RSP(%rsp), %rsp
        sysretq

fast_signal_fallback:
        movq    F_RBX(%rsp), %rbx
        movq    F_R12(%rsp), %r12
        SAVE_ARG_REGS %rsp
        movq    F_RAX(%rsp), %rax
        movq    %rsp, %rdi
        jmp     syscall_dispatch

fast_wait:
        subq    $F_RAX, %rsp
        movq    %rbx, F_RBX(%rsp)
        movq    %r12, F_R12(%rsp)
        movq    %gs:CPU_CURRENT, %rbx
        NTFN_CAP CAP_R_READ, fast_signal_fallback
        movq    C_OBJ(%r12), %r12               /* n */
        movq    N_BITS(%r12), %rax              /* ntfn_wait: bits pending: take them */
        testq   %rax, %rax
        jz      1f
        movq    $0, N_BITS(%r12)
        movq    %rax, %rdi
        jmp     fast_ntfn_out
1:      cmpq    $0, N_WAITER(%r12)              /* ntfn_wait: another waiter: SYS_EBUSY */
        jne     fast_signal_fallback
        testq   %rsi, %rsi                      /* ntfn_wait: a deadline (a timer) */
        jnz     fast_signal_fallback
        cmpl    $0, sched_nready(%rip)          /* schedule: nothing ready: the idle thread */
        je      fast_signal_fallback
        leaq    sched_ready(%rip), %rcx
        movq    RQ_BITMAP+8(%rcx), %rax         /* rq_highest: only priorities 0..63 here */
        orq     RQ_BITMAP+16(%rcx), %rax
        orq     RQ_BITMAP+24(%rcx), %rax
        jnz     fast_signal_fallback
        /* The thread will block: its frame gets everything. */
        movq    %rbp, F_RBP(%rsp)
        movq    %r13, F_R13(%rsp)
        movq    %r14, F_R14(%rsp)
        movq    %r15, F_R15(%rsp)
        SAVE_ARG_REGS %rsp
        bsrq    RQ_BITMAP(%rcx), %r15           /* best */
        movq    %r15, %rax
        shlq    $RQ_FIFO_SHIFT, %rax
        leaq    RQ_LEVEL(%rcx, %rax), %r14      /* &level[best] */
        movq    RQ_HEAD(%r14), %r13             /* next = rq_first(&sched_ready, best) */
        NEXT_SLICE %r13, fast_wait_fallback
        /* Point of no return. The thread waits (ntfn_wait), next runs (schedule). */
        movq    %rcx, T_SLICE_END(%r13)
        movb    $TS_NTFN, T_STATE(%rbx)
        movq    %r12, T_BLOCKED_ON(%rbx)
        movq    %rbx, N_WAITER(%r12)
        movq    T_QNEXT(%r13), %rax             /* sched_dequeue(next): rq_remove of the head */
        movq    %rax, RQ_HEAD(%r14)
        testq   %rax, %rax
        jz      4f
        movq    $0, T_QPREV(%rax)
        jmp     5f
4:      movq    $0, RQ_TAIL(%r14)
        btrq    %r15, sched_ready+RQ_BITMAP(%rip)
5:      movq    $0, T_QNEXT(%r13)
        decl    sched_ready+RQ_COUNT(%rip)
        decl    sched_nready(%rip)
        movb    $TS_RUNNING, T_STATE(%r13)
        call    switch_core
        leaq    fast_resume(%rip), %rcx         /* the waiter resumes from its frame */
        movq    %rcx, -8(%rsp)
        leaq    -56(%rsp), %rcx
        movq    %rcx, T_SAVED_SP(%rbx)
        movq    T_SAVED_SP(%r13), %rsp          /* next resumes where it was switched out */
        jmp     resume_kernel_context

/*
 * signal_wait(signal_ntfn, bits, wait_ntfn, deadline): signal then wait,
 * the direct handoff. The case done here: the signal wakes a waiter w that
 * does not outrank the caller (one that does runs before the wait: C), the
 * caller then blocks (no deadline, no bits pending on the other
 * notification, nobody else waiting there) and nothing else is ready, so w
 * is exactly what schedule() picks: w gets the bits
 * and runs at once (on schedule()'s slice, NEXT_SLICE), the caller's frame
 * is made whole as in fast_wait. A w that blocked in a fast path (its
 * kernel context is fast_resume, its frame whole) is resumed straight from
 * its frame; one that blocked in C gets its result in its frame and its
 * kernel context back. Everything else (either capability bad, no waiter,
 * no bits, a waiter of higher priority, another thread ready, a deadline,
 * bits already pending, a busy notification) is sys_signal_wait in C.
 * One notification for both never comes here: its waiter w would make the
 * wait's "another waiter" check fail.
 * Entered with rsp = frame + F_RAX; rdi = signal slot, rsi = bits,
 * rdx = wait slot, r10 = deadline.
 */
fast_signal_wait:
        subq    $F_RAX, %rsp                    /* rsp = frame */
        SAVE_CALLEE_SAVED %rsp
        movq    %gs:CPU_CURRENT, %rbx
        testq   %r10, %r10                      /* ntfn_wait: a deadline (a timer) */
        jnz     fast_fallback
        cmpl    $0, sched_nready(%rip)          /* schedule: w must be the only choice */
        jne     fast_fallback                   /*   (nothing else ready) */
        /* sys_signal_wait: both caps first. cap_lookup twice (as NTFN_CAP):
         * r12 = the signal's capability, r14 = the wait's. */
        movq    T_PROC(%rbx), %rax
        movq    P_CAPS(%rax), %rax
        leaq    -1(%rdi), %rcx
        cmpq    $(SYS_CAP_SLOTS - 2), %rcx      /* cap_lookup: 1 <= slot < SYS_CAP_SLOTS */
        ja      fast_fallback
        movq    %rdi, %r12
        shlq    $CAP_SIZE_SHIFT, %r12
        addq    %rax, %r12
        cmpb    $CAP_NOTIFICATION, C_TYPE(%r12) /* cap_lookup: type */
        jne     fast_fallback
        testb   $CAP_R_WRITE, C_RIGHTS(%r12)    /* cap_lookup: rights */
        jz      fast_fallback
        leaq    -1(%rdx), %rcx
        cmpq    $(SYS_CAP_SLOTS - 2), %rcx
        ja      fast_fallback
        movq    %rdx, %r14
        shlq    $CAP_SIZE_SHIFT, %r14
        addq    %rax, %r14
        cmpb    $CAP_NOTIFICATION, C_TYPE(%r14)
        jne     fast_fallback
        testb   $CAP_R_READ, C_RIGHTS(%r14)
        jz      fast_fallback
        movq    C_BADGE(%r12), %r11             /* sys_signal: the badge, or the bits given */
        testq   %r11, %r11
        cmovzq  %rsi, %r11
        movq    C_OBJ(%r12), %r12               /* the signalled notification */
        movq    C_OBJ(%r14), %r14               /* the one waited on */
        orq     N_BITS(%r12), %r11              /* ntfn_signal: n->bits |= bits; none: C */
        jz      fast_fallback
        movq    N_WAITER(%r12), %r13            /* ntfn_signal: the waiter w (none: C) */
        testq   %r13, %r13
        jz      fast_fallback
        movzbl  T_TIMEOUT_ARMED(%r13), %eax     /* thread_wake: ktimer_cancel(&t->timeout) */
        orb     T_RESUME_USER(%r13), %al        /* thread_result_frame (a waiter never is) */
        orb     T_FAULT_PENDING(%r13), %al      /* thread_set_result (a waiter never is) */
        jnz     fast_fallback
        movb    T_PRIO(%rbx), %al               /* thread_make_ready: it outranks us: it runs */
        cmpb    %al, T_PRIO(%r13)               /*   before the wait (sys_signal_wait, C) */
        ja      fast_fallback
        movq    N_BITS(%r14), %rax              /* ntfn_wait: bits pending: taken at once (C); */
        orq     N_WAITER(%r14), %rax            /*   another waiter: SYS_EBUSY (C), also one */
        jnz     fast_fallback                   /*   notification for both (w waits there) */
        SAVE_ARG_REGS %rsp                      /* the caller will block: its frame is whole */
        NEXT_SLICE %r13, fast_wait_fallback
        /* Point of no return. ntfn_signal: w takes the bits; ntfn_wait: the
         * caller waits; schedule: w runs. */
        movq    %rcx, T_SLICE_END(%r13)
        movq    $0, N_BITS(%r12)
        movq    $0, N_WAITER(%r12)
        movq    $0, T_BLOCKED_ON(%r13)
        movb    $TS_NTFN, T_STATE(%rbx)
        movq    %r14, T_BLOCKED_ON(%rbx)
        movq    %rbx, N_WAITER(%r14)
        movb    $TS_RUNNING, T_STATE(%r13)
        movq    %r11, %rdi                      /* w's bits (switch_core keeps rdi) */
        call    switch_core
        leaq    -FRAME_SIZE(%rax), %r12         /* w's frame */
        leaq    -56(%rsp), %rax                 /* the caller resumes from its frame */
        movq    %rax, T_SAVED_SP(%rbx)
        movq    $fast_resume, -8(%rsp)          /* (-mcmodel=kernel: a 32-bit immediate) */
        movq    T_SAVED_SP(%r13), %rsp          /* w's kernel context */
        cmpq    $fast_resume, 48(%rsp)          /* blocked in a fast path: its frame is whole */
        jne     6f
        movq    F_RIP(%r12), %rcx
        movq    F_RFLAGS(%r12), %r11
        movq    F_RBX(%r12), %rbx
        movq    F_RBP(%r12), %rbp
        movq    F_R13(%r12), %r13
        movq    F_R14(%r12), %r14
        movq    F_R15(%r12), %r15
        movq    F_RSI(%r12), %rsi
        movq    F_RDX(%r12), %rdx
        movq    F_R10(%r12), %r10
        movq    F_R8(%r12), %r8
        movq    F_R9(%r12), %r9
        xorl    %eax, %eax                      /* SYS_OK, rdi = the bits */
        swapgs
        movq    F_RSP(%r12), %rsp
        movq    F_R12(%r12), %r12
        sysretq
        /* w blocked in C (ntfn_wait): its result goes in its frame. */
6:      movq    %rdi, F_RDI(%r12)
        movq    $0, F_RAX(%r12)
        jmp     resume_kernel_context

/* After the argument registers went into the frame (and rdx was used). */
fast_wait_fallback:
        movq    F_RDX(%rsp), %rdx
        jmp     fast_fallback

        .section .rodata
        .balign 8
/* syscall_entry's dispatch: the fast path of a system call, or the slow
 * entry (numbers from uapi/syscalls.def, in this order). */
syscall_fast_table:
        .rept   SYS_CALL_NR
        .quad   syscall_slow
        .endr
        .quad   fast_call
        .rept   SYS_REPLY_RECV_NR - SYS_CALL_NR - 1
        .quad   syscall_slow
        .endr
        .quad   fast_reply_recv
        .rept   SYS_SIGNAL_NR - SYS_REPLY_RECV_NR - 1
        .quad   syscall_slow
        .endr
        .quad   fast_signal
        .rept   SYS_WAIT_NR - SYS_SIGNAL_NR - 1
        .quad   syscall_slow
        .endr
        .quad   fast_wait
        .rept   SYS_SIGNAL_WAIT_NR - SYS_WAIT_NR - 1
        .quad   syscall_slow
        .endr
        .quad   fast_signal_wait
        .rept   SYS_COUNT_ASM - SYS_SIGNAL_WAIT_NR - 1
        .quad   syscall_slow
        .endr
        .text

/* Something did not fit the fast path: finish a normal frame (restoring
 * the callee-saved registers the checks used) and take the C path. */
fast_fallback:
        RESTORE_CALLEE_SAVED %rsp
        SAVE_ARG_REGS %rsp
        movq    F_RAX(%rsp), %rax
        movq    %rsp, %rdi
        jmp     syscall_dispatch
#endif

/* A thread blocked by the fast path, switched to by arch_switch: rsp is
 * its frame (complete: callee-saved registers saved at block time, the
 * rest written by whoever woke it, or cleared). */
fast_resume:
        movq    %gs:CPU_CURRENT, %rax
        movb    $0, T_RESUME_USER(%rax)
        jmp     return_to_user

/* switch_core: makes r13 (next) the current thread: per-CPU current, its
 * kernel stack top (also TSS.rsp0) and address space (the idle thread has
 * neither), and the FPU registers (fpu.c: saved and scrubbed if prev used
 * them since it was switched in; nothing otherwise). rbx = prev. Returns rax = next's kernel stack top.
 * Clobbers rcx and r11; keeps every other register, the message in rdi rsi rdx
 * r10 r8 r9 included. The one thread switch: arch_switch (from C) and the
 * fast path both call it. */
switch_core:
        movq    %r13, %gs:CPU_CURRENT
        movq    T_KSTACK(%r13), %rax
        addq    $KERNEL_STACK_SIZE, %rax
        movq    T_PROC(%r13), %r11
        testq   %r11, %r11
        jz      2f
        movq    %rax, %gs:CPU_OFF_KERNEL_RSP
        movq    %gs:CPU_TSS_RSP0, %rcx
        movq    %rax, (%rcx)
        movq    P_SPACE(%r11), %rcx
        cmpq    %gs:CPU_CR3, %rcx
        je      2f
        movq    %rcx, %cr3
        movq    %rcx, %gs:CPU_CR3
2:      cmpb    $0, %gs:CPU_FPU_LIVE
        jne     3f
        ret
3:      pushq   %rax
        pushq   %rdi
        pushq   %rsi
        pushq   %rdx
        pushq   %r8
        pushq   %r9
        pushq   %r10
        movq    %rbx, %rdi
        call    fpu_switch_out
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rdx
        popq    %rsi
        popq    %rdi
        popq    %rax
        ret

/* void arch_switch(struct thread *prev, struct thread *next): saves the
 * callee-saved registers on prev's stack, switches (switch_core), and
 * resumes next on its stack: where it called arch_switch, at fast_resume
 * (blocked in the fast path) or at thread_trampoline (never ran). A dead
 * prev's memory is freed once off its stack. */
        .globl arch_switch
arch_switch:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, T_SAVED_SP(%rdi)
        movq    %rdi, %rbx
        movq    %rsi, %r13
        call    switch_core
        movq    T_SAVED_SP(%r13), %rsp
        call    thread_free_deferred
/* Resumes the kernel context saved at rsp (six callee-saved registers and
 * a return address), as arch_switch saved it. */
resume_kernel_context:
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret

/* A new user thread's first switch returns here, with rsp at its trap
 * frame (set up by arch_thread_init). */
        .globl thread_trampoline
thread_trampoline:
        jmp     return_to_user
