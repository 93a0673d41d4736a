/* System-call dispatch: the table is generated from uapi/syscalls.def, the
 * same list the user runtime's stubs come from. Every handler checks its
 * arguments (slots, rights, addresses, sizes) and answers a bad one with
 * an error code; nothing a process passes can stop the kernel.
 *
 * Arguments: rdi, rsi, rdx, r10, r8, r9 of the trap frame. Result: rax,
 * extra results in rdi, rsi, ... A handler that blocked has its results
 * written by whoever woke it, and must not touch the frame afterwards. */
#include "kernel.h"
#include "fmt.h"
#include "kmem.h"
#include "memory.h"
#include "object.h"
#include "percpu.h"
#include "platform.h"
#include "time.h"
#include "cpu.h"
#include "uapi/syscall_count.h"

#define A0(f) ((f)->rdi)
#define A1(f) ((f)->rsi)
#define A2(f) ((f)->rdx)
#define A3(f) ((f)->r10)
#define A4(f) ((f)->r8)
#define A5(f) ((f)->r9)



static inline struct process *cur_proc(void)
{
    return current_thread()->proc;
}

/* Looks up a capability of the current process; on failure stores the
 * error in rax and returns NULL. */
static inline struct cap *arg_cap(struct trap_frame *f, uint64_t slot, unsigned type, unsigned rights)
{
    struct cap *c;
    int rc = cap_lookup(cur_proc(), slot, type, rights, &c);
    if (unlikely(rc != SYS_OK)) {
        f->rax = (uint64_t)(long)rc;
        return NULL;
    }
    return c;
}

#define RET(f, v) ((f)->rax = (uint64_t)(long)(v))

static void sys_null(struct trap_frame *f)
{
    RET(f, SYS_OK);
}

/* Writes user text to the boot log, one line per call, "pN: text". */
static void sys_debug_write(struct trap_frame *f)
{
    uint64_t len = A1(f);
    char buf[256];
    if (len > sizeof buf - 1)
        len = sizeof buf - 1;
    if (user_copy_in(buf, A0(f), len) != SYS_OK) {
        RET(f, SYS_EFAULT);
        return;
    }
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
        len--;
    for (uint64_t i = 0; i < len; i++)
        if ((buf[i] < 0x20 && buf[i] != '\t') || buf[i] == 0x7f)
            buf[i] = '?';   /* no terminal control from user space */
    buf[len] = '\0';
    pr_info("p%u: %s", cur_proc()->pid, buf);
    RET(f, len);
}

static void send_common(struct trap_frame *f, bool call, bool block)
{
    struct cap *c = arg_cap(f, A0(f), CAP_ENDPOINT, CAP_R_WRITE);
    if (!c)
        return;
    int rc = ipc_send((struct endpoint *)c->obj, c->badge, c->rights & CAP_R_GRANT, call, block);
    if (rc != SYS_OK)
        RET(f, rc);
}

static void sys_send(struct trap_frame *f) { send_common(f, false, true); }
static void sys_nbsend(struct trap_frame *f) { send_common(f, false, false); }
static void sys_call(struct trap_frame *f)
{
    if (!fastpath_call(f))
        send_common(f, true, true);
}

static void sys_recv(struct trap_frame *f)
{
    struct cap *c = arg_cap(f, A0(f), CAP_ENDPOINT, CAP_R_READ);
    if (!c)
        return;
    int rc = ipc_recv((struct endpoint *)c->obj, A1(f));
    if (rc != SYS_OK)
        RET(f, rc);
}

static void sys_reply(struct trap_frame *f)
{
    RET(f, ipc_reply());
}

static void sys_reply_recv(struct trap_frame *f)
{
    if (fastpath_reply_recv(f))
        return;
    struct cap *c = arg_cap(f, A0(f), CAP_ENDPOINT, CAP_R_READ);
    if (!c)
        return;
    int rc = ipc_reply_recv((struct endpoint *)c->obj);
    if (rc != SYS_OK)
        RET(f, rc);
}

static void sys_signal(struct trap_frame *f)
{
    struct cap *c = arg_cap(f, A0(f), CAP_NOTIFICATION, CAP_R_WRITE);
    if (!c)
        return;
    /* A badged capability signals its badge; an unbadged one the bits given. */
    ntfn_signal((struct notification *)c->obj, c->badge ? c->badge : A1(f));
    RET(f, SYS_OK);
}

static void sys_wait(struct trap_frame *f)
{
    struct cap *c = arg_cap(f, A0(f), CAP_NOTIFICATION, CAP_R_READ);
    if (!c)
        return;
    int rc = ntfn_wait((struct notification *)c->obj, A1(f));
    if (rc != SYS_OK)
        RET(f, rc);
}

static void sys_poll(struct trap_frame *f)
{
    struct cap *c = arg_cap(f, A0(f), CAP_NOTIFICATION, CAP_R_READ);
    if (!c)
        return;
    A0(f) = ntfn_poll((struct notification *)c->obj);
    RET(f, SYS_OK);
}

static void sys_ntfn_bind(struct trap_frame *f)
{
    struct notification *n = NULL;
    if (A0(f)) {
        struct cap *c = arg_cap(f, A0(f), CAP_NOTIFICATION, CAP_R_READ);
        if (!c)
            return;
        n = (struct notification *)c->obj;
    }
    RET(f, ntfn_bind(n));
}

static void sys_cap_copy(struct trap_frame *f)
{
    struct cap *src = arg_cap(f, A0(f), CAP_NULL, 0), *dst;
    if (!src)
        return;
    int rc = cap_empty_slot(cur_proc(), A1(f), &dst);
    if (rc == SYS_OK && (A2(f) & ~(uint64_t)CAP_R_ALL))
        rc = SYS_EINVAL;
    if (rc == SYS_OK && A3(f) && src->type != CAP_ENDPOINT && src->type != CAP_NOTIFICATION)
        rc = SYS_EINVAL;    /* only endpoints and notifications carry badges */
    if (rc == SYS_OK && A3(f) && src->badge)
        rc = SYS_ERIGHTS;   /* a badge cannot be changed once set */
    if (rc == SYS_OK)
        cap_derive(dst, src, (unsigned)A2(f), A3(f));
    RET(f, rc);
}

static void sys_cap_move(struct trap_frame *f)
{
    struct cap *src = arg_cap(f, A0(f), CAP_NULL, 0), *dst;
    if (!src)
        return;
    int rc = cap_empty_slot(cur_proc(), A1(f), &dst);
    if (rc == SYS_OK)
        cap_move(dst, src);
    RET(f, rc);
}

static void sys_cap_delete(struct trap_frame *f)
{
    struct cap *c = arg_cap(f, A0(f), CAP_NULL, 0);
    if (!c)
        return;
    cap_delete(c);
    RET(f, SYS_OK);
}

static void sys_cap_revoke(struct trap_frame *f)
{
    struct cap *c = arg_cap(f, A0(f), CAP_NULL, 0);
    if (!c)
        return;
    RET(f, cap_revoke(c));
}

static void sys_cap_info(struct trap_frame *f)
{
    struct cap *c = arg_cap(f, A0(f), CAP_NULL, 0);
    if (!c)
        return;
    A0(f) = c->rights;
    A1(f) = c->badge;
    RET(f, c->type);
}

static void sys_create(struct trap_frame *f)
{
    struct process *p = cur_proc();
    struct cap *dst;
    int rc = cap_empty_slot(p, A1(f), &dst);
    if (rc != SYS_OK) {
        RET(f, rc);
        return;
    }
    struct kobj *obj = NULL;
    switch (A0(f)) {
    case CAP_ENDPOINT: obj = (struct kobj *)endpoint_create(p); break;
    case CAP_NOTIFICATION: obj = (struct kobj *)notification_create(p); break;
    case CAP_FRAME:
        if (A2(f) == 0 || A2(f) > 512) {
            RET(f, SYS_EINVAL);
            return;
        }
        obj = (struct kobj *)frame_create(p->quota, A2(f));
        break;
    case CAP_PROCESS: obj = (struct kobj *)process_create(p->quota, A2(f)); break;
    default:
        RET(f, SYS_EINVAL);
        return;
    }
    if (!obj) {
        RET(f, SYS_ENOMEM);
        return;
    }
    cap_install(dst, obj, CAP_R_ALL, 0);
    RET(f, SYS_OK);
}

static void sys_map(struct trap_frame *f)
{
    struct cap *fc = arg_cap(f, A0(f), CAP_FRAME, CAP_R_READ);
    struct cap *pc = fc ? arg_cap(f, A1(f), CAP_PROCESS, CAP_R_WRITE) : NULL;
    if (!pc)
        return;
    unsigned rights = (unsigned)A3(f);
    if (rights & ~(unsigned)(CAP_R_READ | CAP_R_WRITE | CAP_R_EXEC)) {
        RET(f, SYS_EINVAL);
        return;
    }
    if ((rights & fc->rights) != rights) {
        RET(f, SYS_ERIGHTS);
        return;
    }
    RET(f, vm_map((struct process *)pc->obj, (struct frame_obj *)fc->obj, A2(f), rights));
}

static void sys_unmap(struct trap_frame *f)
{
    struct cap *pc = arg_cap(f, A0(f), CAP_PROCESS, CAP_R_WRITE);
    if (pc)
        RET(f, vm_unmap((struct process *)pc->obj, A1(f)));
}

static void sys_protect(struct trap_frame *f)
{
    struct cap *pc = arg_cap(f, A0(f), CAP_PROCESS, CAP_R_WRITE);
    if (!pc)
        return;
    if (A2(f) & ~(uint64_t)(CAP_R_READ | CAP_R_WRITE | CAP_R_EXEC)) {
        RET(f, SYS_EINVAL);
        return;
    }
    RET(f, vm_protect((struct process *)pc->obj, A1(f), (unsigned)A2(f)));
}

static void sys_thread_create(struct trap_frame *f)
{
    struct cap *pc = arg_cap(f, A0(f), CAP_PROCESS, CAP_R_WRITE), *dst;
    if (!pc)
        return;
    int rc = cap_empty_slot(cur_proc(), A1(f), &dst);
    if (rc == SYS_OK && (A2(f) < USER_BASE || A2(f) >= USER_TOP || A3(f) <= USER_BASE || A3(f) > USER_TOP))
        rc = SYS_ERANGE;
    if (rc == SYS_OK && A5(f) > current_thread()->priority)
        rc = SYS_ERIGHTS;   /* no thread above its creator's priority */
    if (rc != SYS_OK) {
        RET(f, rc);
        return;
    }
    struct process *p = (struct process *)pc->obj;
    struct thread *t = thread_create(p, A2(f), A3(f), A4(f), (unsigned)A5(f));
    if (!t) {
        RET(f, p->dead ? SYS_EDEAD : SYS_ENOMEM);
        return;
    }
    cap_install(dst, &t->obj, CAP_R_ALL, 0);
    RET(f, SYS_OK);
}

static void sys_thread_ctl(struct trap_frame *f)
{
    struct cap *tc = arg_cap(f, A0(f), CAP_THREAD, CAP_R_WRITE);
    if (!tc)
        return;
    struct thread *t = (struct thread *)tc->obj;
    struct thread *self = current_thread();
    if (t->state == T_DEAD) {
        RET(f, SYS_EDEAD);
        return;
    }
    switch (A1(f)) {
    case SYS_THREAD_START:
        thread_start(t);
        RET(f, SYS_OK);
        if (t->priority > self->priority)
            schedule();
        return;
    case SYS_THREAD_SUSPEND:
        RET(f, SYS_OK);
        thread_suspend(t);
        return;
    case SYS_THREAD_PRIORITY:
        if (A2(f) > self->priority) {
            RET(f, SYS_ERIGHTS);
            return;
        }
        if (t->state == T_READY) {
            sched_dequeue(t);
            t->priority = (uint8_t)A2(f);
            sched_enqueue(t);
        } else {
            t->priority = (uint8_t)A2(f);
        }
        RET(f, SYS_OK);
        if (sched_higher_ready(self->priority))
            schedule();
        return;
    case SYS_THREAD_FAULT_EP: {
        struct endpoint *ep = NULL;
        uint64_t badge = 0;
        if (A2(f)) {
            struct cap *ec = arg_cap(f, A2(f), CAP_ENDPOINT, CAP_R_WRITE);
            if (!ec)
                return;
            ep = (struct endpoint *)ec->obj;
            badge = ec->badge;
            obj_get(&ep->obj);
        }
        if (t->fault_ep)
            obj_put(&t->fault_ep->obj);
        t->fault_ep = ep;
        t->fault_badge = badge;
        RET(f, SYS_OK);
        return;
    }
    case SYS_THREAD_KILL:
        RET(f, SYS_OK);
        thread_kill(t, "killed through its thread capability");
        return;
    default:
        RET(f, SYS_EINVAL);
    }
}

static void sys_set_ipc_buffer(struct trap_frame *f)
{
    struct thread *t = current_thread();
    uint64_t va = A0(f);
    if (va == 0) {
        t->ipcbuf = NULL;
        RET(f, SYS_OK);
        return;
    }
    if (va & (PAGE_SIZE - 1)) {
        RET(f, SYS_EINVAL);
        return;
    }
    void *page = vm_user_page(t->proc, va, true);
    if (!page) {
        RET(f, SYS_EFAULT);
        return;
    }
    t->ipcbuf = page;
    t->ipcbuf_vaddr = va;
    RET(f, SYS_OK);
}

static void sys_yield(struct trap_frame *f)
{
    RET(f, SYS_OK);
    struct thread *t = current_thread();
    t->slice_end = 0;   /* slice over: equal priorities go first */
    schedule();
}

static void sys_exit(struct trap_frame *f)
{
    thread_kill(current_thread(), NULL);
    (void)f;
}

static void sys_time(struct trap_frame *f)
{
    RET(f, time_since_boot_ns());
}

static void sys_timer_set(struct trap_frame *f)
{
    struct cap *c = arg_cap(f, A0(f), CAP_NOTIFICATION, CAP_R_WRITE);
    if (c)
        RET(f, ntfn_timer_set((struct notification *)c->obj, A1(f), A2(f)));
}

static void sys_cap_give(struct trap_frame *f)
{
    struct cap *pc = arg_cap(f, A0(f), CAP_PROCESS, CAP_R_WRITE);
    struct cap *src = pc ? arg_cap(f, A1(f), CAP_NULL, 0) : NULL, *dst;
    if (!src)
        return;
    struct process *p = (struct process *)pc->obj;
    if (p->dead) {
        RET(f, SYS_EDEAD);
        return;
    }
    int rc = cap_empty_slot(p, A2(f), &dst);
    if (rc == SYS_OK && (A3(f) & ~(uint64_t)CAP_R_ALL))
        rc = SYS_EINVAL;
    if (rc == SYS_OK)
        cap_derive(dst, src, (unsigned)A3(f), 0);
    RET(f, rc);
}

static void sys_irq_ctl(struct trap_frame *f)
{
    struct cap *c = arg_cap(f, A0(f), CAP_IRQ, CAP_R_WRITE);
    if (!c)
        return;
    struct irq_obj *irq = (struct irq_obj *)c->obj;
    switch (A1(f)) {
    case SYS_IRQ_BIND: {
        struct cap *nc = arg_cap(f, A2(f), CAP_NOTIFICATION, CAP_R_WRITE);
        if (!nc)
            return;
        RET(f, irq_bind(irq, (struct notification *)nc->obj));
        return;
    }
    case SYS_IRQ_ACK:
        RET(f, irq_ack(irq));
        return;
    default:
        RET(f, SYS_EINVAL);
    }
}

static void sys_ioport(struct trap_frame *f)
{
    struct cap *c = arg_cap(f, A0(f), CAP_IOPORT, CAP_R_WRITE);
    if (!c)
        return;
    struct ioport_obj *io = (struct ioport_obj *)c->obj;
    uint64_t op = A1(f), port = A2(f), value = A3(f);
    unsigned width = op == SYS_IO_IN1 || op == SYS_IO_OUT1 ? 1 : op == SYS_IO_IN2 || op == SYS_IO_OUT2 ? 2 : 4;
    if (op < SYS_IO_IN1 || op > SYS_IO_OUT4) {
        RET(f, SYS_EINVAL);
        return;
    }
    if (port < io->base || port + width > (uint64_t)io->base + io->count) {
        RET(f, SYS_ERANGE);
        return;
    }
    uint16_t p16 = (uint16_t)port;
    switch (op) {
    case SYS_IO_IN1: RET(f, inb(p16)); break;
    case SYS_IO_IN2: RET(f, inw(p16)); break;
    case SYS_IO_IN4: RET(f, inl(p16)); break;
    case SYS_IO_OUT1: outb(p16, (uint8_t)value); RET(f, SYS_OK); break;
    case SYS_IO_OUT2: outw(p16, (uint16_t)value); RET(f, SYS_OK); break;
    default: outl(p16, (uint32_t)value); RET(f, SYS_OK); break;
    }
}

static void sys_poweroff(struct trap_frame *f)
{
    if (!arg_cap(f, A0(f), CAP_PLATFORM, CAP_R_WRITE))
        return;
    pr_info("poweroff: requested by process %u with status %llu", cur_proc()->pid,
            (unsigned long long)A1(f));
    machine_poweroff(A1(f) == 0 ? POWEROFF_SUCCESS : POWEROFF_FAILURE);
}

static void sys_quota(struct trap_frame *f)
{
    struct cap *pc = arg_cap(f, A0(f), CAP_PROCESS, 0);
    if (!pc)
        return;
    struct quota *q = ((struct process *)pc->obj)->quota;
    A0(f) = q->used;
    A1(f) = q->limit;
    RET(f, SYS_OK);
}

static void sleep_expired(struct ktimer *kt)
{
    struct thread *t = (struct thread *)((char *)kt - __builtin_offsetof(struct thread, timeout));
    thread_wake(t, SYS_OK);
    this_cpu()->need_resched = 1;
}

static void sys_sleep(struct trap_frame *f)
{
    struct thread *t = current_thread();
    RET(f, SYS_OK);
    if (A0(f) <= time_since_boot_ns())
        return;
    t->state = T_SLEEP;
    t->timeout.expire = sleep_expired;
    ktimer_arm(&t->timeout, A0(f));
    sched_block();
}

/* Kernel checks and counters for tests (placeholder until the checks land). */
static void sys_kdebug(struct trap_frame *f)
{
    if (!arg_cap(f, A0(f), CAP_PLATFORM, CAP_R_WRITE))
        return;
    switch (A1(f)) {
    case SYS_KDEBUG_CHECK: RET(f, 0); return;
    case SYS_KDEBUG_STATS:
        A0(f) = 0; A1(f) = 0; A2(f) = frame_allocator.free_frames; A3(f) = 0; A4(f) = 0;
        RET(f, SYS_OK);
        return;
    case SYS_KDEBUG_RESET: RET(f, SYS_OK); return;
    default: RET(f, SYS_EINVAL);
    }
}

typedef void (*syscall_fn)(struct trap_frame *f);

/* Called by syscall.S as syscall_table[rax](frame). */
const syscall_fn syscall_table[SYS_COUNT] = {
#define SYSCALL(nr, name, nargs) [nr] = sys_##name,
#include "uapi/syscalls.def"
#undef SYSCALL
};
_Static_assert(SYS_COUNT == SYS_COUNT_ASM, "uapi/syscall_count.h matches syscalls.def");

/* A number past the table (syscall.S checked it). */
void syscall_unknown(struct trap_frame *f)
{
    RET(f, SYS_ENOSYS);
}
