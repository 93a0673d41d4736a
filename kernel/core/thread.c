/* Threads: a kernel stack whose top holds the user registers (struct
 * trap_frame), scheduling state, and IPC state. A thread holds a
 * reference on its process while it is alive. */
#include "kernel.h"
#include "cpu.h"
#include "kmem.h"
#include "memory.h"
#include "object.h"
#include "percpu.h"
#include "platform.h"

#define USER_CS 0x2b
#define USER_SS 0x23
#define FRAME_SYSCALL 0x100
#define KSTACK_PAGES (KERNEL_STACK_SIZE / PAGE_SIZE)
#define THREAD_COST (kmem_charge_size(sizeof(struct thread)) + KERNEL_STACK_SIZE)

extern char thread_trampoline[];
static uint32_t next_tid = 1;

static bool user_address(uint64_t va)
{
    return va >= USER_BASE && va < USER_TOP;
}

/* Creates a suspended thread in p that will start at entry with rsp = stack
 * and rdi = arg. Returns NULL if p's quota cannot pay or p is dead. */
struct thread *thread_create(struct process *p, uint64_t entry, uint64_t stack, uint64_t arg,
                             unsigned priority)
{
    if (p->dead || !user_address(entry) || !user_address(stack - 1) || priority > SYS_PRIO_MAX)
        return NULL;
    if (!quota_charge(p->quota, THREAD_COST))
        return NULL;
    _Static_assert(sizeof(struct thread) <= PAGE_SIZE, "a thread fits a kmem class");
    struct thread *t = kmem_alloc(sizeof *t);
    uint8_t *kstack = kpages_alloc(KSTACK_PAGES);
    if (!t || !kstack) {
        kmem_free(t, sizeof *t);
        kpages_free(kstack, KSTACK_PAGES);
        quota_release(p->quota, THREAD_COST);
        return NULL;
    }
    t->obj.type = CAP_THREAD;
    t->tid = next_tid++;
    t->state = T_INACTIVE;
    t->priority = (uint8_t)priority;
    t->proc = p;
    t->quota = p->quota;
    t->kstack = kstack;
    struct trap_frame *f = (struct trap_frame *)(kstack + KERNEL_STACK_SIZE) - 1;
    *f = (struct trap_frame){ .rip = entry, .cs = USER_CS, .rflags = 0x202, .rsp = stack,
                              .ss = USER_SS, .rdi = arg, .vector = FRAME_SYSCALL };
    t->frame = f;
    /* switch_context pops six callee-saved registers, then returns to the trampoline. */
    uint64_t *sp = (uint64_t *)f;
    *--sp = (uint64_t)thread_trampoline;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    t->saved_rsp = (uint64_t)sp;
    quota_get(p->quota);
    p->live_threads++;
    t->next_in_proc = p->threads;
    p->threads = t;
    return t;
}

/* A started thread keeps its process alive; one never started does not, so a process that holds the only capability to its
 * own idle thread is not kept alive by it. */
void thread_start(struct thread *t)
{
    if (t->state != T_INACTIVE)
        return;
    if (!t->holds_process_ref) {
        obj_get(&t->proc->obj);
        t->holds_process_ref = true;
    }
    t->state = T_READY;
    sched_enqueue(t);
}

/* Stops t wherever it is; a blocked IPC is abandoned (SYS_EDEAD to a
 * partner that waits for it). */
void thread_suspend(struct thread *t)
{
    if (t->state == T_DEAD || t->state == T_INACTIVE)
        return;
    bool blocked = t->state >= T_SEND && t->state <= T_SLEEP;
    ipc_cancel(t);
    if (t->state == T_READY)
        sched_dequeue(t);
    if (blocked)
        t->frame->rax = (uint64_t)(long)SYS_EBUSY;     /* the blocking call was interrupted */
    bool self = t == current_thread();
    t->state = T_INACTIVE;
    if (self)
        schedule();
}

void thread_wake(struct thread *t, long result)
{
    t->frame->rax = (uint64_t)result;
    ktimer_cancel(&t->timeout);
    t->state = T_READY;
    sched_enqueue(t);
}

static void unlink_from_process(struct thread *t)
{
    struct thread **pp = &t->proc->threads;
    while (*pp && *pp != t)
        pp = &(*pp)->next_in_proc;
    if (*pp)
        *pp = t->next_in_proc;
}

/* Ends t for good. Its partners are released: a caller waiting for its
 * reply gets SYS_EDEAD. If t is the current thread this does not return. */
void thread_kill(struct thread *t, const char *why)
{
    if (t->state == T_DEAD)
        return;
    if (why)
        pr_info("thread %u of process %u: %s", t->tid, t->proc->pid, why);
    ipc_cancel(t);
    if (t->state == T_READY)
        sched_dequeue(t);
    if (t->caller) {
        struct thread *c = t->caller;
        t->caller = NULL;
        c->callee = NULL;
        c->fault_pending = false;
        thread_wake(c, SYS_EDEAD);
    }
    if (t->bound_ntfn) {
        t->bound_ntfn->bound = NULL;
        obj_put(&t->bound_ntfn->obj);
        t->bound_ntfn = NULL;
    }
    if (t->fault_ep) {
        obj_put(&t->fault_ep->obj);
        t->fault_ep = NULL;
    }
    if (this_cpu()->fpu_owner == t)
        this_cpu()->fpu_owner = NULL;
    t->ipcbuf = NULL;
    t->state = T_DEAD;
    bool self = t == current_thread();
    struct process *p = t->proc;
    unlink_from_process(t);
    obj_get(&t->obj);           /* the process teardown may delete the last cap to t */
    process_thread_died(p);
    t->proc = NULL;
    if (t->holds_process_ref) {
        t->holds_process_ref = false;
        obj_put(&p->obj);
    }
    bool destroying = t->destroying;
    obj_put(&t->obj);
    if (destroying)
        thread_free(t);
    if (self)
        schedule();             /* never comes back: t is dead */
}

struct thread *thread_stack_to_free;    /* a dead thread's stack still in use */

/* Frees a dead thread. The current thread's stack is still in use: it is
 * freed after the next switch (or by the next thread_free). */
void thread_free(struct thread *t)
{
    struct quota *q = t->quota;
    quota_release(q, THREAD_COST);
    if (t == current_thread()) {
        thread_reap();      /* an earlier deferred stack we have left since */
        BUG_ON(thread_stack_to_free != NULL, "one deferred stack: only the current thread's");
        thread_stack_to_free = t;
    } else {
        kpages_free(t->kstack, KSTACK_PAGES);
        kmem_free(t, sizeof *t);
    }
    quota_put(q);
}

/* The last reference is gone. A live thread is killed first (and freed at
 * the end of the kill: it may be the current thread, which does not come
 * back from its own death). */
void thread_destroy(struct thread *t)
{
    if (t->state != T_DEAD) {
        t->destroying = true;
        t->obj.refs = 1;    /* balances thread_kill's own get/put */
        thread_kill(t, NULL);
        return;
    }
    thread_free(t);
}

/* Called after every switch: frees a dead thread's stack we just left. */
void thread_reap(void)
{
    struct thread *t = thread_stack_to_free;
    if (t && t != current_thread()) {
        thread_stack_to_free = NULL;
        kpages_free(t->kstack, KSTACK_PAGES);
        kmem_free(t, sizeof *t);
    }
}
