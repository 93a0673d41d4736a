/* System-call decoding. The table is generated from uapi/syscalls.def, the
 * same list the user runtime's stubs come from.
 *
 * Every handler first decodes and checks its arguments (slots, types,
 * rights, addresses, sizes, operation codes), then calls one operation in
 * the object's file, which cannot fail for a reason decoding should have
 * caught. One error convention: a handler returns its result, >= 0 or a
 * negative SYS_E* code, and syscall.S puts it in the result register.
 * Extra results go back in argument registers (regs_set_arg). A handler
 * whose operation blocked returns what the thread that woke it wrote.
 *
 * The common cases of call, reply_recv, signal, wait and signal_wait never
 * come here: syscall.S's fast paths do them, and fall back to these
 * handlers otherwise. */
#include "kernel.h"
#include "fmt.h"
#include "kdebug.h"
#include "memory.h"
#include "object.h"
#include "percpu.h"
#include "sched.h"
#include "time.h"
#include "uaccess.h"
#include "arch/io.h"
#include "arch/irq.h"
#include "arch/regs.h"
#include "obj/cap.h"
#include "obj/dmapool.h"
#include "obj/endpoint.h"
#include "obj/frame.h"
#include "obj/ioport.h"
#include "obj/irq.h"
#include "obj/notification.h"
#include "obj/process.h"
#include "obj/thread.h"
#include "uapi/syscall_count.h"

#define MAP_RIGHTS (CAP_R_READ | CAP_R_WRITE | CAP_R_EXEC)

static inline uint64_t arg(const struct trap_frame *f, unsigned i)
{
    return regs_arg(f, i);
}

static inline struct thread *self(void)
{
    return current_thread();
}

static inline struct process *self_proc(void)
{
    return current_thread()->proc;
}

/* The capability in argument i: of the type (CAP_NULL: any) with all the
 * rights, or the lookup's error. */
static inline long cap_arg(const struct trap_frame *f, unsigned i, unsigned type, unsigned rights,
                           struct cap **out)
{
    return cap_lookup(self_proc(), arg(f, i), type, rights, out);
}

static long sys_null(struct trap_frame *f)
{
    (void)f;
    return SYS_OK;
}

/* Writes one line of user text to the boot log, "pN: text": the text up
 * to the first newline (which ends the line and is consumed), at most 255
 * bytes. Returns the bytes consumed, so a caller writing "a\nb\n" in a
 * loop gives two lines and "a\n" exactly one. */
static long sys_debug_write(struct trap_frame *f)
{
    char buf[256];
    uint64_t len = arg(f, 1);
    if (len > sizeof buf - 1)
        len = sizeof buf - 1;
    if (user_copy_in(buf, arg(f, 0), len) != SYS_OK)
        return SYS_EFAULT;
    if (len == 0)
        return 0;       /* nothing to write: no empty line */
    uint64_t consumed = len;
    for (uint64_t i = 0; i < len; i++) {
        if (buf[i] == '\n') {
            len = i;
            consumed = i + 1;
            break;
        }
    }
    while (len && buf[len - 1] == '\0')
        len--;
    for (uint64_t i = 0; i < len; i++)
        if ((buf[i] < 0x20 && buf[i] != '\t') || buf[i] == 0x7f)
            buf[i] = '?';   /* no terminal control from user space */
    buf[len] = '\0';
    pr_info("p%u: %s", self_proc()->pid, buf);
    return (long)consumed;
}

static long send_common(struct trap_frame *f, bool call, bool block)
{
    struct cap *c;
    long rc = cap_arg(f, 0, CAP_ENDPOINT, CAP_R_WRITE, &c);
    if (rc)
        return rc;
    return ipc_send((struct endpoint *)c->obj, c->badge, c->rights, call, block);
}

static long sys_send(struct trap_frame *f) { return send_common(f, false, true); }
static long sys_nbsend(struct trap_frame *f) { return send_common(f, false, false); }
static long sys_call(struct trap_frame *f) { return send_common(f, true, true); }

static long sys_recv(struct trap_frame *f)
{
    struct cap *c;
    long rc = cap_arg(f, 0, CAP_ENDPOINT, CAP_R_READ, &c);
    if (rc)
        return rc;
    return ipc_recv((struct endpoint *)c->obj, arg(f, 1));
}

static long sys_reply(struct trap_frame *f)
{
    (void)f;
    return ipc_reply();
}

static long sys_reply_recv(struct trap_frame *f)
{
    struct cap *c;
    long rc = cap_arg(f, 0, CAP_ENDPOINT, CAP_R_READ, &c);
    if (rc)
        return rc;
    return ipc_reply_recv((struct endpoint *)c->obj);
}

static long sys_signal(struct trap_frame *f)
{
    struct cap *c;
    long rc = cap_arg(f, 0, CAP_NOTIFICATION, CAP_R_WRITE, &c);
    if (rc)
        return rc;
    /* A badged capability signals its badge; an unbadged one the bits given. */
    ntfn_signal((struct notification *)c->obj, c->badge ? c->badge : arg(f, 1));
    return SYS_OK;
}

static long sys_wait(struct trap_frame *f)
{
    struct cap *c;
    long rc = cap_arg(f, 0, CAP_NOTIFICATION, CAP_R_READ, &c);
    if (rc)
        return rc;
    return ntfn_wait((struct notification *)c->obj, arg(f, 1));
}

/* signal(arg 0, bits) then wait(arg 2, deadline) in one entry, with
 * exactly their effects and wait's result. Both capabilities are checked
 * first: if either is bad, its error is returned and nothing is done (the
 * signal's error if both are). What the wait can still answer (SYS_EBUSY,
 * SYS_ETIMEOUT for a deadline already passed) comes after the signal, as it
 * would after a separate signal call. A woken waiter that outranks the
 * caller runs between the two, as it would between two calls; the wait's
 * capability is looked up again after that (it may be gone by then). The
 * common case (the signal wakes a waiter that does not outrank the caller,
 * the caller blocks, the waiter runs) is syscall.S's fast path. */
static long sys_signal_wait(struct trap_frame *f)
{
    struct cap *sc, *wc;
    long rc = cap_arg(f, 0, CAP_NOTIFICATION, CAP_R_WRITE, &sc);
    if (!rc)
        rc = cap_arg(f, 2, CAP_NOTIFICATION, CAP_R_READ, &wc);
    if (rc)
        return rc;
    ntfn_signal((struct notification *)sc->obj, sc->badge ? sc->badge : arg(f, 1));
    if (this_cpu()->exit_work) {            /* empty at entry: the signal asked for a switch */
        kernel_exit_work();
        rc = cap_arg(f, 2, CAP_NOTIFICATION, CAP_R_READ, &wc);
        if (rc)
            return rc;
    }
    return ntfn_wait((struct notification *)wc->obj, arg(f, 3));
}

static long sys_poll(struct trap_frame *f)
{
    struct cap *c;
    long rc = cap_arg(f, 0, CAP_NOTIFICATION, CAP_R_READ, &c);
    if (rc)
        return rc;
    regs_set_arg(f, 0, ntfn_poll((struct notification *)c->obj));
    return SYS_OK;
}

static long sys_ntfn_bind(struct trap_frame *f)
{
    struct cap *c = NULL;
    if (arg(f, 0)) {
        long rc = cap_arg(f, 0, CAP_NOTIFICATION, CAP_R_READ, &c);
        if (rc)
            return rc;
    }
    return ntfn_bind(c ? (struct notification *)c->obj : NULL);
}

static long sys_cap_copy(struct trap_frame *f)
{
    struct cap *src, *dst;
    uint64_t rights = arg(f, 2), badge = arg(f, 3);
    long rc = cap_arg(f, 0, CAP_NULL, 0, &src);
    if (!rc)
        rc = cap_empty_slot(self_proc(), arg(f, 1), &dst);
    if (!rc && (rights & ~(uint64_t)CAP_R_MASK))
        rc = SYS_EINVAL;
    if (!rc && badge && src->type != CAP_ENDPOINT && src->type != CAP_NOTIFICATION)
        rc = SYS_EINVAL;    /* only endpoints and notifications carry badges */
    if (!rc && badge && src->badge)
        rc = SYS_ERIGHTS;   /* a badge cannot be changed once set */
    if (rc)
        return rc;
    cap_derive(dst, src, (unsigned)rights, badge);
    return SYS_OK;
}

static long sys_cap_move(struct trap_frame *f)
{
    struct cap *src, *dst;
    long rc = cap_arg(f, 0, CAP_NULL, 0, &src);
    if (!rc)
        rc = cap_empty_slot(self_proc(), arg(f, 1), &dst);
    if (rc)
        return rc;
    cap_move(dst, src);
    return SYS_OK;
}

static long sys_cap_delete(struct trap_frame *f)
{
    struct cap *c;
    long rc = cap_arg(f, 0, CAP_NULL, 0, &c);
    if (rc)
        return rc;
    cap_delete(c);
    return SYS_OK;
}

static long sys_cap_revoke(struct trap_frame *f)
{
    struct cap *c;
    long rc = cap_arg(f, 0, CAP_NULL, 0, &c);
    if (rc)
        return rc;
    return cap_revoke(c);
}

static long sys_cap_info(struct trap_frame *f)
{
    struct cap *c;
    long rc = cap_arg(f, 0, CAP_NULL, 0, &c);
    if (rc)
        return rc;
    regs_set_arg(f, 0, c->rights);
    regs_set_arg(f, 1, c->badge);
    return c->type;
}

/* Creates an object of type (arg: its size, see abi.h) paid for by q, in
 * the caller's empty slot dst_arg. */
static long create_common(struct trap_frame *f, struct quota *q, uint64_t type, unsigned dst_arg,
                          uint64_t size)
{
    struct process *p = self_proc();
    struct cap *dst;
    long rc = cap_empty_slot(p, arg(f, dst_arg), &dst);
    if (rc)
        return rc;
    if (type == CAP_FRAME && (size == 0 || size > SYS_FRAME_MAX_PAGES))
        return SYS_EINVAL;
    struct kobj *obj;
    switch (type) {
    case CAP_ENDPOINT: obj = (struct kobj *)endpoint_create(p); break;
    case CAP_NOTIFICATION: obj = (struct kobj *)notification_create(q); break;
    case CAP_FRAME: obj = (struct kobj *)frame_create(q, size, 0); break;
    case CAP_PROCESS: obj = (struct kobj *)process_create(q, size); break;
    default: return SYS_EINVAL;
    }
    if (!obj)
        return SYS_ENOMEM;
    cap_install(dst, obj, CAP_R_ALL, 0);
    return SYS_OK;
}

static long sys_create(struct trap_frame *f)
{
    return create_common(f, self_proc()->quota, arg(f, 0), 1, arg(f, 2));
}

/* Like create, paid for by another process (a loader building a child pays
 * with the child's quota). Endpoints belong to their creator, so they are
 * not made this way. */
static long sys_create_for(struct trap_frame *f)
{
    struct cap *pc;
    long rc = cap_arg(f, 0, CAP_PROCESS, CAP_R_WRITE, &pc);
    if (rc)
        return rc;
    struct process *p = (struct process *)pc->obj;
    if (p->state != P_ALIVE)
        return SYS_EDEAD;
    if (arg(f, 1) == CAP_ENDPOINT)
        return SYS_EINVAL;
    return create_common(f, p->quota, arg(f, 1), 2, arg(f, 3));
}

static long sys_map(struct trap_frame *f)
{
    struct cap *fc, *pc;
    uint64_t vaddr = arg(f, 2), rights = arg(f, 3), first, npages;
    long rc = cap_arg(f, 0, CAP_NULL, CAP_R_READ, &fc);
    if (!rc && fc->type != CAP_FRAME && fc->type != CAP_DEVMEM)
        rc = SYS_ENOCAP;
    if (!rc)
        rc = cap_arg(f, 1, CAP_PROCESS, CAP_R_WRITE, &pc);
    if (!rc && (rights & ~(uint64_t)MAP_RIGHTS))
        rc = SYS_EINVAL;
    if (!rc && ((rights & fc->rights) != rights || (fc->type == CAP_DEVMEM && (rights & CAP_R_EXEC))))
        rc = SYS_ERIGHTS;   /* device memory is never executable */
    if (!rc)
        frame_cap_window(fc, &first, &npages);
    if (!rc && ((vaddr & (PAGE_SIZE - 1)) || !user_range_ok(vaddr, npages * PAGE_SIZE)))
        rc = SYS_ERANGE;
    if (!rc && !(rights & CAP_R_READ))
        rc = SYS_EINVAL;    /* no write- or execute-only mappings */
    if (rc)
        return rc;
    return vm_map((struct process *)pc->obj, fc, vaddr, (unsigned)rights);
}

static long sys_unmap(struct trap_frame *f)
{
    struct cap *pc;
    long rc = cap_arg(f, 0, CAP_PROCESS, CAP_R_WRITE, &pc);
    if (rc)
        return rc;
    return vm_unmap((struct process *)pc->obj, arg(f, 1));
}

static long sys_protect(struct trap_frame *f)
{
    struct cap *pc;
    uint64_t rights = arg(f, 2);
    long rc = cap_arg(f, 0, CAP_PROCESS, CAP_R_WRITE, &pc);
    if (!rc && (rights & ~(uint64_t)MAP_RIGHTS))
        rc = SYS_EINVAL;
    if (rc)
        return rc;
    return vm_protect((struct process *)pc->obj, arg(f, 1), (unsigned)rights);
}

static long sys_thread_create(struct trap_frame *f)
{
    struct cap *pc, *dst;
    uint64_t entry = arg(f, 2), stack = arg(f, 3), priority = arg(f, 5);
    long rc = cap_arg(f, 0, CAP_PROCESS, CAP_R_WRITE, &pc);
    if (!rc)
        rc = cap_empty_slot(self_proc(), arg(f, 1), &dst);
    if (!rc && (!user_range_ok(entry, 1) || !user_range_ok(stack - 1, 1)))
        rc = SYS_ERANGE;
    if (!rc && priority > self()->priority)
        rc = SYS_ERIGHTS;   /* no thread above its creator's priority */
    if (rc)
        return rc;
    struct process *p = (struct process *)pc->obj;
    if (p->state != P_ALIVE)
        return SYS_EDEAD;
    struct thread *t = thread_create(p, entry, stack, arg(f, 4), (unsigned)priority);
    if (!t)
        return SYS_ENOMEM;
    cap_install(dst, &t->obj, CAP_R_ALL, 0);
    return SYS_OK;
}

static long sys_thread_ctl(struct trap_frame *f)
{
    struct cap *tc;
    uint64_t op = arg(f, 1), value = arg(f, 2);
    long rc = cap_arg(f, 0, CAP_THREAD, CAP_R_WRITE, &tc);
    if (rc)
        return rc;
    struct thread *t = (struct thread *)tc->obj;
    if (op == SYS_THREAD_EXIT_STATUS) {
        if (t->state != T_DEAD)
            return SYS_EBUSY;
        regs_set_arg(f, 0, t->end_how == SYS_THREAD_ENDED_EXIT ? t->exit_code : 0);
        return t->end_how;
    }
    if (t->state == T_DEAD)
        return SYS_EDEAD;
    switch (op) {
    case SYS_THREAD_START:
        thread_start(t);
        return SYS_OK;
    case SYS_THREAD_SUSPEND:
        thread_suspend(t);
        return SYS_OK;
    case SYS_THREAD_PRIORITY:
        if (value > self()->priority)
            return SYS_ERIGHTS;
        sched_set_priority(t, (unsigned)value);
        return SYS_OK;
    case SYS_THREAD_FAULT_EP: {
        struct cap *ec = NULL;
        if (value) {
            rc = cap_arg(f, 2, CAP_ENDPOINT, CAP_R_WRITE, &ec);
            if (rc)
                return rc;
        }
        thread_set_fault_ep(t, ec ? (struct endpoint *)ec->obj : NULL, ec ? ec->badge : 0);
        return SYS_OK;
    }
    case SYS_THREAD_KILL:
        thread_kill(t, "killed through its thread capability");
        return SYS_OK;
    case SYS_THREAD_READ_REGS: {
        if (t == self())
            return SYS_EINVAL;      /* its own registers are being changed by this very call */
        struct sys_thread_regs r;
        regs_export(t->frame, &r);
        return user_copy_out(value, &r, sizeof r) == SYS_OK ? SYS_OK : SYS_EFAULT;
    }
    case SYS_THREAD_DEATH_NTFN: {
        struct cap *nc = NULL;
        if (value) {
            rc = cap_arg(f, 2, CAP_NOTIFICATION, CAP_R_WRITE, &nc);
            if (rc)
                return rc;
        }
        thread_set_death_ntfn(t, nc ? (struct notification *)nc->obj : NULL, nc && nc->badge ? nc->badge : 1);
        return SYS_OK;
    }
    default:
        return SYS_EINVAL;
    }
}

static long sys_set_ipc_buffer(struct trap_frame *f)
{
    struct thread *t = self();
    uint64_t va = arg(f, 0);
    if (va == 0) {
        t->ipcbuf_vaddr = 0;
        return SYS_OK;
    }
    if (va & (PAGE_SIZE - 1))
        return SYS_EINVAL;
    if (!vm_user_page(t->proc, va, true))
        return SYS_EFAULT;
    t->ipcbuf_vaddr = va;
    return SYS_OK;
}

static long sys_yield(struct trap_frame *f)
{
    (void)f;
    self()->slice_end = 0;      /* slice over: equal priorities go first */
    this_cpu()->exit_work |= EXIT_RESCHED;
    return SYS_OK;
}

static long sys_exit(struct trap_frame *f)
{
    self()->exit_code = arg(f, 0);
    self()->end_how = SYS_THREAD_ENDED_EXIT;
    thread_kill(self(), NULL);  /* it leaves on its way out of the kernel */
    return SYS_OK;
}

static long sys_time(struct trap_frame *f)
{
    (void)f;
    return (long)time_since_boot_ns();
}

static long sys_timer_set(struct trap_frame *f)
{
    struct cap *c;
    uint64_t deadline = arg(f, 1), bits = arg(f, 2);
    long rc = cap_arg(f, 0, CAP_NOTIFICATION, CAP_R_WRITE, &c);
    if (!rc && deadline && !bits)
        rc = SYS_EINVAL;
    if (rc)
        return rc;
    ntfn_timer_set((struct notification *)c->obj, deadline, bits);
    return SYS_OK;
}

static long sys_cap_give(struct trap_frame *f)
{
    struct cap *pc, *src, *dst;
    uint64_t rights = arg(f, 3);
    long rc = cap_arg(f, 0, CAP_PROCESS, CAP_R_WRITE, &pc);
    if (!rc)
        rc = cap_arg(f, 1, CAP_NULL, 0, &src);
    if (rc)
        return rc;
    struct process *p = (struct process *)pc->obj;
    if (p->state != P_ALIVE)
        return SYS_EDEAD;
    rc = cap_empty_slot(p, arg(f, 2), &dst);
    if (!rc && (rights & ~(uint64_t)CAP_R_MASK))
        rc = SYS_EINVAL;
    if (rc)
        return rc;
    cap_derive(dst, src, (unsigned)rights, 0);
    return SYS_OK;
}

static long sys_irq_ctl(struct trap_frame *f)
{
    struct cap *ic, *nc, *dst;
    long rc = cap_arg(f, 0, CAP_IRQ, CAP_R_WRITE, &ic);
    if (rc)
        return rc;
    struct irq_obj *irq = (struct irq_obj *)ic->obj;
    switch (arg(f, 1)) {
    case SYS_IRQ_BIND:
        rc = cap_arg(f, 2, CAP_NOTIFICATION, CAP_R_WRITE, &nc);
        if (rc)
            return rc;
        return irq_bind(ic, (struct notification *)nc->obj);
    case SYS_IRQ_ACK:
        return irq_ack(irq);
    case SYS_IRQ_MODE:
        return irq_set_mode(irq, arg(f, 2));
    case SYS_IRQ_MSI_ALLOC: {
        if (irq->kind != SYS_IRQ_KIND_MSI_CONTROL)
            return SYS_EINVAL;
        rc = cap_empty_slot(self_proc(), arg(f, 2), &dst);
        if (rc)
            return rc;
        bool no_vector;
        struct irq_obj *msi = irq_msi_create(self_proc()->quota, &no_vector);
        if (!msi)
            return no_vector ? SYS_EBUSY : SYS_ENOMEM;
        cap_install(dst, &msi->obj, CAP_R_ALL, 0);
        return SYS_OK;
    }
    case SYS_IRQ_MSI_INFO: {
        if (irq->kind != SYS_IRQ_KIND_MSI)
            return SYS_EINVAL;
        uint64_t address;
        uint32_t data;
        arch_msi_message(irq->line, &address, &data);
        regs_set_arg(f, 0, address);
        regs_set_arg(f, 1, data);
        return SYS_OK;
    }
    case SYS_IRQ_INFO:
        regs_set_arg(f, 0, irq->line);
        return irq->kind;
    default:
        return SYS_EINVAL;
    }
}

/* The capability c of a device operation must be of type with rights:
 * SYS_ENOCAP or SYS_ERIGHTS, as cap_lookup answers. */
static inline long dev_cap_ok(const struct cap *c, unsigned type, unsigned rights)
{
    if (c->type != type)
        return SYS_ENOCAP;
    return (c->rights & rights) == rights ? SYS_OK : SYS_ERIGHTS;
}

/* Device memory and DMA (SYS_DEV_*, see abi.h). */
static long sys_device(struct trap_frame *f)
{
    struct cap *c, *dst;
    uint64_t op = arg(f, 1), a = arg(f, 2), b = arg(f, 3), cc = arg(f, 4);
    long rc = cap_arg(f, 0, CAP_NULL, 0, &c);
    if (rc)
        return rc;
    struct process *p = self_proc();
    switch (op) {
    case SYS_DEV_DEVMEM_INFO: {
        if ((rc = dev_cap_ok(c, CAP_DEVMEM, 0)))
            return rc;
        uint64_t first, npages;
        frame_cap_window(c, &first, &npages);
        regs_set_arg(f, 0, ((struct frame_obj *)c->obj)->paddr + first * PAGE_SIZE);
        regs_set_arg(f, 1, npages * PAGE_SIZE);
        return SYS_OK;
    }
    case SYS_DEV_DEVMEM_DERIVE: {
        if ((rc = dev_cap_ok(c, CAP_DEVMEM, 0)))
            return rc;
        uint64_t first, npages;
        frame_cap_window(c, &first, &npages);
        if (cc == 0 || b >= npages || cc > npages - b)
            return SYS_ERANGE;
        rc = cap_empty_slot(p, a, &dst);
        if (rc)
            return rc;
        cap_derive_badge(dst, c, c->rights, devmem_badge(first + b, cc));
        return SYS_OK;
    }
    case SYS_DEV_DMA_POOL: {
        if ((rc = dev_cap_ok(c, CAP_DEVMEM, CAP_R_WRITE)))
            return rc;
        if (b == 0 || (b & (PAGE_SIZE - 1)))
            return SYS_EINVAL;
        rc = cap_empty_slot(p, a, &dst);
        if (rc)
            return rc;
        struct dmapool *pool = dmapool_create(p->quota, b);
        if (!pool)
            return SYS_ENOMEM;
        cap_install(dst, &pool->obj, CAP_R_ALL, 0);
        return SYS_OK;
    }
    case SYS_DEV_DMA_ALLOC: {
        if ((rc = dev_cap_ok(c, CAP_DMAPOOL, CAP_R_WRITE)))
            return rc;
        uint64_t npages = b & ~SYS_DMA_BELOW_4G;
        if (npages == 0 || npages > SYS_FRAME_MAX_PAGES)
            return SYS_EINVAL;
        rc = cap_empty_slot(p, a, &dst);
        if (rc)
            return rc;
        struct frame_obj *fr = dmapool_alloc((struct dmapool *)c->obj, npages,
                                             (b & SYS_DMA_BELOW_4G) ? 0x100000000ull : 0);
        if (!fr)
            return SYS_ENOMEM;
        cap_install(dst, &fr->obj, CAP_R_READ | CAP_R_WRITE | CAP_R_PHYS, 0);
        return SYS_OK;
    }
    case SYS_DEV_DMA_RELEASE:
        if ((rc = dev_cap_ok(c, CAP_DMAPOOL, CAP_R_GRANT)))
            return rc;
        return (long)dmapool_release((struct dmapool *)c->obj);
    case SYS_DEV_IOPORT_DERIVE: {
        if ((rc = dev_cap_ok(c, CAP_IOPORT, 0)))
            return rc;
        uint32_t base, count;
        ioport_cap_range((struct ioport_obj *)c->obj, c->badge, &base, &count);
        if (cc == 0 || b < base || b - base >= count || cc > count - (b - base))
            return SYS_ERANGE;
        rc = cap_empty_slot(p, a, &dst);
        if (rc)
            return rc;
        cap_derive_badge(dst, c, c->rights, IOPORT_PART | (b << 32) | cc);
        return SYS_OK;
    }
    case SYS_DEV_DMA_PADDR:
        if ((rc = dev_cap_ok(c, CAP_FRAME, CAP_R_PHYS)))
            return rc;
        return (long)((struct frame_obj *)c->obj)->paddr;
    default:
        return SYS_EINVAL;
    }
}

static long sys_ioport(struct trap_frame *f)
{
    struct cap *c;
    uint64_t op = arg(f, 1), port = arg(f, 2);
    long rc = cap_arg(f, 0, CAP_IOPORT, CAP_R_WRITE, &c);
    if (rc)
        return rc;
    if (op < SYS_IO_IN1 || op > SYS_IO_OUT4)
        return SYS_EINVAL;
    unsigned width = (op == SYS_IO_IN1 || op == SYS_IO_OUT1) ? 1 : (op == SYS_IO_IN2 || op == SYS_IO_OUT2) ? 2 : 4;
    struct ioport_obj *io = (struct ioport_obj *)c->obj;
    uint32_t base, count;
    ioport_cap_range(io, c->badge, &base, &count);
    if (!ioport_covers(base, count, port, width))
        return SYS_ERANGE;
    return ioport_access(io, (unsigned)op, (uint16_t)port, (uint32_t)arg(f, 3));
}

static long sys_poweroff(struct trap_frame *f)
{
    struct cap *c;
    long rc = cap_arg(f, 0, CAP_PLATFORM, CAP_R_WRITE, &c);
    if (rc)
        return rc;
    pr_info("poweroff: requested by process %u with status %llu", self_proc()->pid,
            (unsigned long long)arg(f, 1));
    machine_poweroff(arg(f, 1) == 0 ? POWEROFF_SUCCESS : POWEROFF_FAILURE);
}

static long sys_quota(struct trap_frame *f)
{
    struct cap *pc;
    long rc = cap_arg(f, 0, CAP_PROCESS, 0, &pc);
    if (rc)
        return rc;
    struct quota *q = ((struct process *)pc->obj)->quota;
    regs_set_arg(f, 0, q->used);
    regs_set_arg(f, 1, q->limit);
    return SYS_OK;
}

static long sys_sleep(struct trap_frame *f)
{
    return thread_sleep(arg(f, 0));
}

static long sys_kdebug(struct trap_frame *f)
{
    struct cap *c;
    uint64_t op = arg(f, 1);
    long rc = cap_arg(f, 0, CAP_PLATFORM, CAP_R_WRITE, &c);
    if (rc)
        return rc;
    switch (op) {
    case SYS_KDEBUG_CHECK:
        return kdebug_check();
    case SYS_KDEBUG_STATS: {
        struct kdebug_stats st;
        kdebug_stats(&st);
        regs_set_arg(f, 0, st.kstack_deepest);
        regs_set_arg(f, 1, st.irqoff_longest);
        regs_set_arg(f, 2, st.free_frames);
        regs_set_arg(f, 3, st.live_threads);
        regs_set_arg(f, 4, st.live_objects);
        return SYS_OK;
    }
    case SYS_KDEBUG_LAST_IRQ:
        regs_set_arg(f, 0, arch_last_irq.tsc);
        regs_set_arg(f, 1, arch_last_irq.vector);
        return SYS_OK;
    case SYS_KDEBUG_RESET:
        kdebug_reset();
        return SYS_OK;
    default:
        return SYS_EINVAL;
    }
}

typedef long (*syscall_fn)(struct trap_frame *f);

/* Called by syscall.S as syscall_table[number](frame); the return value
 * goes to the result register. */
const syscall_fn syscall_table[SYS_COUNT] = {
#define SYSCALL(nr, name, nargs) [nr] = sys_##name,
#include "uapi/syscalls.def"
#undef SYSCALL
};
_Static_assert(SYS_COUNT == SYS_COUNT_ASM, "uapi/syscall_count.h matches syscalls.def");

/* A number past the table (syscall.S checked it). */
long syscall_unknown(struct trap_frame *f);
long syscall_unknown(struct trap_frame *f)
{
    (void)f;
    return SYS_ENOSYS;
}
