/* Structure offsets and constants for assembly (syscall.S). Compiled to
 * assembly only; the Makefile turns each "->NAME value" marker into a
 * #define in build/include/generated/asm-offsets.h, rebuilt whenever a
 * header this file includes changes. */
#include <stddef.h>
#include "object.h"
#include "percpu.h"
#include "runqueue.h"
#include "sched.h"
#include "obj/cap.h"
#include "obj/endpoint.h"
#include "obj/notification.h"
#include "obj/process.h"
#include "obj/thread.h"

#define DEFINE(name, value) __asm__ volatile("\n.ascii \"->" #name " %c0\"" ::"i"(value))
#define OFFSET(name, type, member) DEFINE(name, __builtin_offsetof(type, member))

void asm_offsets(void);
void asm_offsets(void)
{
    OFFSET(T_STATE, struct thread, state);
    OFFSET(T_PROC, struct thread, proc);
    OFFSET(T_KSTACK, struct thread, kstack);
    OFFSET(T_SAVED_SP, struct thread, arch.saved_sp);
    OFFSET(T_RESUME_USER, struct thread, arch.resume_user);
    OFFSET(T_QNEXT, struct thread, qnext);
    OFFSET(T_QPREV, struct thread, qprev);
    OFFSET(T_BLOCKED_ON, struct thread, blocked_on);
    OFFSET(T_CALLER, struct thread, caller);
    OFFSET(T_CALLEE, struct thread, callee);
    OFFSET(T_TIMEOUT_ARMED, struct thread, timeout.armed);
    OFFSET(T_FAULT_PENDING, struct thread, fault_pending);
    OFFSET(T_BOUND_NTFN, struct thread, bound_ntfn);
    OFFSET(T_CALL_RIGHTS, struct thread, call_rights);
    OFFSET(T_PRIO, struct thread, priority);
    OFFSET(T_FRAME, struct thread, frame);
    OFFSET(T_SLICE_END, struct thread, slice_end);
    OFFSET(N_BITS, struct notification, bits);
    OFFSET(N_WAITER, struct notification, waiter);
    OFFSET(N_BOUND, struct notification, bound);
    OFFSET(RQ_COUNT, struct rq_set, count);
    OFFSET(RQ_BITMAP, struct rq_set, bitmap);
    OFFSET(RQ_LEVEL, struct rq_set, level);
    OFFSET(RQ_HEAD, struct rq_fifo, head);
    OFFSET(RQ_TAIL, struct rq_fifo, tail);
    DEFINE(RQ_FIFO_SHIFT, __builtin_ctz(sizeof(struct rq_fifo)));
    DEFINE(SLICE_NS_ASM, SLICE_NS);
    OFFSET(P_CAPS, struct process, caps);
    OFFSET(P_SPACE, struct process, space);
    OFFSET(C_TYPE, struct cap, type);
    OFFSET(C_RIGHTS, struct cap, rights);
    OFFSET(C_BADGE, struct cap, badge);
    OFFSET(C_OBJ, struct cap, obj);
    DEFINE(CAP_SIZE_SHIFT, __builtin_ctz(sizeof(struct cap)));
    OFFSET(EP_SEND_HEAD, struct endpoint, senders.head);
    OFFSET(EP_RECV_HEAD, struct endpoint, receivers.head);
    OFFSET(EP_RECV_TAIL, struct endpoint, receivers.tail);
    OFFSET(EP_DEAD, struct endpoint, dead);
    OFFSET(CPU_CURRENT, struct cpu, current);
    OFFSET(CPU_EXIT_WORK, struct cpu, exit_work);
    OFFSET(CPU_CR3, struct cpu, arch.cr3);
    OFFSET(CPU_TSS_RSP0, struct cpu, arch.tss_rsp0);
    OFFSET(CPU_FPU_LIVE, struct cpu, arch.fpu_live);
    OFFSET(F_RBX, struct trap_frame, rbx);
    OFFSET(F_RBP, struct trap_frame, rbp);
    OFFSET(F_R12, struct trap_frame, r12);
    OFFSET(F_R13, struct trap_frame, r13);
    OFFSET(F_R14, struct trap_frame, r14);
    OFFSET(F_R15, struct trap_frame, r15);
    OFFSET(F_RIP, struct trap_frame, rip);
    OFFSET(F_RFLAGS, struct trap_frame, rflags);
    OFFSET(F_RSP, struct trap_frame, rsp);
    OFFSET(F_RAX, struct trap_frame, rax);
    OFFSET(F_RDI, struct trap_frame, rdi);
    OFFSET(F_RSI, struct trap_frame, rsi);
    OFFSET(F_RDX, struct trap_frame, rdx);
    OFFSET(F_R8, struct trap_frame, r8);
    OFFSET(F_R9, struct trap_frame, r9);
    OFFSET(F_R10, struct trap_frame, r10);
    DEFINE(FRAME_SIZE, sizeof(struct trap_frame));
    DEFINE(SYS_CALL_NR, SYS_call);
    DEFINE(SYS_REPLY_RECV_NR, SYS_reply_recv);
    DEFINE(SYS_SIGNAL_NR, SYS_signal);
    DEFINE(SYS_WAIT_NR, SYS_wait);
    DEFINE(SYS_SIGNAL_WAIT_NR, SYS_signal_wait);
    DEFINE(SYS_CAP_SLOTS, SYS_CAP_SLOTS);
    DEFINE(SYS_MSG_REGS, SYS_MSG_REGS);
    DEFINE(CAP_ENDPOINT, CAP_ENDPOINT);
    DEFINE(CAP_NOTIFICATION, CAP_NOTIFICATION);
    DEFINE(CAP_R_READ, CAP_R_READ);
    DEFINE(CAP_R_WRITE, CAP_R_WRITE);
    DEFINE(TS_RECV, T_RECV);
    DEFINE(TS_REPLY, T_REPLY);
    DEFINE(TS_RUNNING, T_RUNNING);
    DEFINE(TS_READY, T_READY);
    DEFINE(TS_NTFN, T_NTFN);
}
