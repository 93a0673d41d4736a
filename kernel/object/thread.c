/* Threads: creation, start, suspension, waking, death and destruction (see
 * obj/thread.h). */
#include "kernel.h"
#include "kstack.h"
#include "arch/layout.h"
#include "object.h"
#include "percpu.h"
#include "sched.h"
#include "time.h"
#include "obj/endpoint.h"
#include "obj/notification.h"
#include "obj/process.h"
#include "obj/thread.h"

struct dlist all_threads = { &all_threads, &all_threads };
uint64_t live_threads;
static uint32_t next_tid = 1;

struct thread *thread_create(struct process *p, uint64_t entry, uint64_t stack, uint64_t arg,
                             unsigned priority)
{
    struct thread *t = obj_alloc(p->quota, sizeof *t, CAP_THREAD);
    if (!t)
        return NULL;
    void *fpu = kmem_alloc(p->quota, arch_fpu_area_size());
    if (!fpu || !kstack_alloc(p->quota, &t->kstack)) {
        kmem_free(p->quota, fpu, arch_fpu_area_size());
        t->obj.refs = 0;
        obj_free(&t->obj);
        return NULL;
    }
    t->arch.fpu_area = fpu;
    t->tid = next_tid++;
    t->state = T_INACTIVE;
    t->priority = (uint8_t)priority;
    t->proc = p;
    t->frame = arch_thread_init(t, (uint64_t)t->kstack + KERNEL_STACK_SIZE, entry, stack, arg);
    dlist_insert_before(&p->threads, &t->in_proc);
    dlist_insert_before(&all_threads, &t->all);
    live_threads++;
    return t;
}

/* A running (started and not suspended) thread keeps its process alive;
 * one never started or suspended does not, so a process holding the only
 * capabilities to its own threads, none of them running, is not kept alive
 * by them: nothing could ever start them again. */
void thread_start(struct thread *t)
{
    if (t->state != T_INACTIVE)
        return;
    if (!t->running) {
        obj_get(&t->proc->obj);
        t->running = true;
    }
    thread_make_ready(t);
}

struct trap_frame *thread_result_frame(struct thread *t)
{
    if (t->arch.resume_user) {
        regs_clear_args(t->frame);
        t->arch.resume_user = false;    /* its frame is now whole; fast_resume pops it all */
    }
    return t->frame;
}

/* Where a woken thread's result goes: a thread blocked sending a fault
 * message keeps its user result register (it made no system call). */
void thread_set_result(struct thread *t, long result)
{
    if (t->fault_pending) {
        t->fault_pending = false;
        t->fault_result = result;
    } else {
        regs_set_result(thread_result_frame(t), result);
    }
}

void thread_wake(struct thread *t, long result)
{
    thread_set_result(t, result);
    ktimer_cancel(&t->timeout);
    thread_make_ready(t);
}

void thread_timeout(struct ktimer *kt)
{
    struct thread *t = container_of(kt, struct thread, timeout);
    long result = t->state == T_SLEEP ? SYS_OK : SYS_ETIMEOUT;
    ipc_cancel(t);
    thread_wake(t, result);
}

void thread_set_fault_ep(struct thread *t, struct endpoint *ep, uint64_t badge)
{
    if (ep)
        obj_get(&ep->obj);
    if (t->fault_ep)
        obj_put(&t->fault_ep->obj);
    t->fault_ep = ep;
    t->fault_badge = badge;
}

void thread_set_death_ntfn(struct thread *t, struct notification *n, uint64_t bits)
{
    if (n)
        obj_get(&n->obj);
    if (t->death_ntfn)
        obj_put(&t->death_ntfn->obj);
    t->death_ntfn = n;
    t->death_bits = bits;
}

long thread_sleep(uint64_t deadline)
{
    struct thread *t = current_thread();
    if (deadline <= time_since_boot_ns())
        return SYS_OK;
    t->state = T_SLEEP;
    ktimer_arm(&t->timeout, deadline, thread_timeout);
    sched_block();
    return regs_result(t->frame);
}

void thread_suspend(struct thread *t)
{
    if (t->state == T_DEAD || t->state == T_INACTIVE)
        return;
    bool blocked = t->state >= T_SEND && t->state <= T_SLEEP;
    ipc_cancel(t);
    if (t->state == T_READY)
        sched_dequeue(t);
    if (blocked)
        thread_set_result(t, SYS_EBUSY);  /* the blocking call was interrupted */
    t->state = T_INACTIVE;
    if (t == current_thread())
        this_cpu()->exit_work |= EXIT_RESCHED;
    if (t->running) {
        t->running = false;
        obj_put(&t->proc->obj);     /* checks whether the process is still reachable */
    }
}

void thread_kill(struct thread *t, const char *why)
{
    if (t->state == T_DEAD)
        return;
    struct process *p = t->proc;
    if (why)
        pr_info("thread %u of process %u: %s", t->tid, p->pid, why);
    ipc_cancel(t);
    if (t->state == T_READY)
        sched_dequeue(t);
    ipc_release_caller(t);
    ntfn_unbind_thread(t);
    if (t->fault_ep) {
        obj_put(&t->fault_ep->obj);
        t->fault_ep = NULL;
    }
    if (t->death_ntfn) {
        ntfn_signal(t->death_ntfn, t->death_bits);
        obj_put(&t->death_ntfn->obj);
        t->death_ntfn = NULL;
    }
    t->ipcbuf_vaddr = 0;
    if (!t->end_how)
        t->end_how = SYS_THREAD_ENDED_KILLED;
    t->state = T_DEAD;
    t->proc = NULL;
    p->ext_thread_caps -= t->ext_caps;      /* a dead thread can no longer be started */
    t->ext_caps = 0;
    dlist_remove(&t->in_proc);
    live_threads--;
    if (dlist_empty(&p->threads))
        process_thread_died(p);
    if (t->running) {
        t->running = false;
        obj_put(&p->obj);       /* checks whether p is still reachable */
    } else if (p->ext_thread_caps == 0) {
        process_check_reachable(p);
    }
    if (t == current_thread())
        this_cpu()->exit_work |= EXIT_RESCHED;     /* it leaves on its way out */
}

/* A dead thread's memory; the running thread's only after the switch away
 * from it (its stack is in use until then). */
static struct thread *deferred;

static void thread_free(struct thread *t)
{
    struct quota *q = t->obj.quota;
    dlist_remove(&t->all);
    kstack_free(q, t->kstack);
    kmem_free(q, t->arch.fpu_area, arch_fpu_area_size());
    obj_free(&t->obj);
}

void thread_free_deferred(void)
{
    struct thread *t = deferred;
    if (t && t != current_thread()) {
        deferred = NULL;
        thread_free(t);
    }
}

int thread_reap(struct thread *t)
{
    thread_kill(t, NULL);
    if (t == current_thread()) {
        BUG_ON(deferred != NULL, "one deferred thread: the running one");
        deferred = t;
    } else {
        thread_free(t);
    }
    return REAP_FREED;
}
