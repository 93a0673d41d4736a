/* Exceptions in user mode become fault messages to the thread's fault
 * handler (its supervisor): MR0 vector, MR1 error code, MR2 address, MR3
 * rip, sent as a call. A reply with label 0 resumes the thread (the
 * handler fixed the cause); any other label kills it. Without a handler,
 * or if the handler goes away, the thread is killed and the kernel says
 * why in the log. The kernel itself never stops for what a process does. */
#include "kernel.h"
#include "cpu.h"
#include "fmt.h"
#include "object.h"
#include "percpu.h"
#include "platform.h"

static const char *const fault_names[32] = {
    [0] = "divide error", [1] = "debug trap", [3] = "breakpoint", [4] = "overflow",
    [5] = "bound range", [6] = "invalid opcode", [7] = "FPU not available",
    [10] = "invalid TSS", [11] = "segment not present", [12] = "stack fault",
    [13] = "general protection fault", [14] = "page fault", [16] = "x87 FP error",
    [17] = "alignment check", [19] = "SIMD FP error", [21] = "control protection",
};

static const char *fault_name(uint64_t vector)
{
    return vector < 32 && fault_names[vector] ? fault_names[vector] : "exception";
}

void user_fault(struct trap_frame *f)
{
    struct thread *t = current_thread();
    if (f->vector == 7) {
        fpu_handle_nm();
        return;
    }
    uint64_t addr = f->vector == 14 ? read_cr2() : 0;
    struct endpoint *ep = t->fault_ep;
    if (ep && !ep->dead) {
        t->fault_info[FAULT_MR_VECTOR] = f->vector;
        t->fault_info[FAULT_MR_ERROR] = f->error_code;
        t->fault_info[FAULT_MR_ADDR] = addr;
        t->fault_info[FAULT_MR_IP] = f->rip;
        t->fault_pending = true;
        t->fault_resumed = false;
        uint64_t saved_rax = f->rax;
        ipc_send(ep, t->fault_badge, false, true, true);
        if (t->fault_resumed) {
            t->fault_resumed = false;
            return;     /* the handler fixed the cause: run the instruction again */
        }
        /* Woken without an answer (the handler died, the endpoint went
         * away): the thread cannot go on; its registers are left as they were. */
        t->fault_pending = false;
        f->rax = saved_rax;
    }
    char why[160];
    fmt_snprintf(why, sizeof why, "%s (error %#llx, address %#llx) at rip %#llx: %s; killed",
                 fault_name(f->vector), (unsigned long long)f->error_code, (unsigned long long)addr,
                 (unsigned long long)f->rip, ep ? "fault handler gone" : "no fault handler");
    thread_kill(t, why);
}
