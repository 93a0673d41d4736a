/* Exceptions in user mode become fault messages to the thread's fault
 * handler (its supervisor): MR0 vector, MR1 error code, MR2 address, MR3
 * instruction pointer, sent as a call. A reply with label 0 resumes the
 * thread (the handler fixed the cause); any other label kills it. Without a
 * handler, or if the handler goes away, the thread is killed and the kernel
 * says why in the log. A fault IPC interrupted by suspension is abandoned:
 * when the thread is started again, the instruction runs again. The kernel
 * itself never stops for what a process does. */
#include "kernel.h"
#include "fault.h"
#include "fmt.h"
#include "object.h"
#include "percpu.h"
#include "obj/endpoint.h"
#include "obj/thread.h"

void user_fault(const struct fault_info *fi)
{
    struct thread *t = current_thread();
    struct endpoint *ep = t->fault_ep;
    if (ep && !ep->dead) {
        t->fault_info[FAULT_MR_VECTOR] = fi->vector;
        t->fault_info[FAULT_MR_ERROR] = fi->error;
        t->fault_info[FAULT_MR_ADDR] = fi->address;
        t->fault_info[FAULT_MR_IP] = fi->ip;
        t->fault_pending = true;
        t->fault_result = SYS_EDEAD;
        ipc_send(ep, t->fault_badge, 0, true, true);
        t->fault_pending = false;
        if (t->fault_result == SYS_OK || t->fault_result == SYS_EBUSY)
            return;     /* resumed by the handler, or suspended: run the instruction again */
        if (t->state == T_DEAD)
            return;     /* killed meanwhile (by the handler's reply, or otherwise) */
    }
    char why[160];
    fmt_snprintf(why, sizeof why, "%s (error %#llx, address %#llx) at ip %#llx: %s; killed", fi->name,
                 (unsigned long long)fi->error, (unsigned long long)fi->address,
                 (unsigned long long)fi->ip, ep ? "fault handler gone" : "no fault handler");
    thread_kill(t, why);
}
