/* Reference counting, quotas, the reaper, and the two places that switch
 * on object type (the reap step and the last capability's hook). Each
 * type's creation, operations and destruction are in its own file. */
#include "kernel.h"
#include "kmem.h"
#include "memory.h"
#include "object.h"
#include "percpu.h"
#include "sched.h"
#include "arch/cpu.h"
#include "obj/cap.h"
#include "obj/endpoint.h"
#include "obj/dmapool.h"
#include "obj/frame.h"
#include "obj/ioport.h"
#include "obj/irq.h"
#include "obj/notification.h"
#include "obj/platform.h"
#include "obj/process.h"
#include "obj/thread.h"

struct dlist all_quotas = { &all_quotas, &all_quotas };
struct dlist all_objects = { &all_objects, &all_objects };
uint64_t kernel_charged_bytes;

/* --- quotas ---------------------------------------------------------------- */

bool quota_charge(struct quota *q, uint64_t bytes)
{
    if (!q) {
        kernel_charged_bytes += bytes;
        return true;
    }
    if (bytes > q->limit - q->used)
        return false;
    q->used += bytes;
    q->page_bytes += bytes;
    return true;
}

void quota_release(struct quota *q, uint64_t bytes)
{
    if (!q) {
        BUG_ON(bytes > kernel_charged_bytes, "kernel memory released more than charged");
        kernel_charged_bytes -= bytes;
        return;
    }
    BUG_ON(bytes > q->page_bytes, "quota released more than charged");
    q->used -= bytes;
    q->page_bytes -= bytes;
}

void quota_get(struct quota *q)
{
    if (q)
        q->refs++;
}

struct quota *quota_create(struct quota *parent, uint64_t limit)
{
    if (parent && limit > parent->limit - parent->used)
        return NULL;
    struct quota *q = kmem_alloc(parent, sizeof *q);
    if (!q)
        return NULL;
    if (parent && limit > parent->limit - parent->used) {   /* the structure took the room */
        kmem_free(parent, q, sizeof *q);
        return NULL;
    }
    if (parent) {
        parent->used += limit;
        parent->child_limits += limit;
    }
    *q = (struct quota){ .refs = 1, .limit = limit, .parent = parent };
    kmem_cache_init(&q->cache);
    dlist_insert_before(&all_quotas, &q->all);
    quota_get(parent);
    return q;
}

/* Quotas whose parent's reference is still to be dropped (see quota_put). */
static struct quota *put_pending;

/* The last reference gives the limit back to the parent quota. The
 * parent's reference is dropped by the reaper, one quota per step: a chain
 * of thousands of nested quotas whose last references go together is
 * walked with interrupt windows, not in one go. */
void quota_put(struct quota *q)
{
    if (!q)
        return;
    BUG_ON(q->refs == 0, "quota reference underflow");
    if (--q->refs)
        return;
    BUG_ON(q->used != 0 || q->cache.pages != 0, "a quota outlived by what it paid for");
    struct quota *parent = q->parent;
    if (parent) {
        parent->used -= q->limit;
        parent->child_limits -= q->limit;
    }
    dlist_remove(&q->all);
    kmem_free(parent, q, sizeof *q);
    if (parent && parent->puts_pending++ == 0) {
        parent->put_next = put_pending;     /* on the list once, however many puts wait */
        put_pending = parent;
        this_cpu()->exit_work |= EXIT_REAP;
    }
}

/* --- objects ----------------------------------------------------------------- */

void *obj_alloc(struct quota *q, size_t size, unsigned type)
{
    struct kobj *o = kmem_alloc(q, size);
    if (!o)
        return NULL;
    o->type = (uint8_t)type;
    o->refs = 1;
    o->quota = q;
    quota_get(q);
    dlist_insert_before(&all_objects, &o->all);
    return o;
}

static size_t obj_size(unsigned type)
{
    switch (type) {
    case CAP_ENDPOINT: return sizeof(struct endpoint);
    case CAP_NOTIFICATION: return sizeof(struct notification);
    case CAP_PROCESS: return sizeof(struct process);
    case CAP_THREAD: return sizeof(struct thread);
    case CAP_FRAME: return sizeof(struct frame_obj);
    case CAP_DEVMEM: return sizeof(struct frame_obj);
    case CAP_DMAPOOL: return sizeof(struct dmapool);
    case CAP_IRQ: return sizeof(struct irq_obj);
    case CAP_IOPORT: return sizeof(struct ioport_obj);
    case CAP_PLATFORM: return sizeof(struct platform_obj);
    default: panic("object of unknown type %u", type);
    }
}

void obj_free(struct kobj *o)
{
    BUG_ON(o->refs != 0 || o->ncaps != 0, "free an object nothing refers to");
    struct quota *q = o->quota;
    dlist_remove(&o->all);
    kmem_free(q, o, obj_size(o->type));
    quota_put(q);
}

void obj_cap_added(struct kobj *o, const struct cap *c)
{
    o->ncaps++;
    if (o->type == CAP_PROCESS || o->type == CAP_THREAD)
        process_count_cap(o, c, +1);
}

void obj_cap_removed(struct kobj *o, const struct cap *c)
{
    BUG_ON(o->ncaps == 0, "capability count underflow");
    o->ncaps--;
    if (o->ncaps == 0 && o->type == CAP_NOTIFICATION)
        ntfn_last_cap_gone((struct notification *)o);
    if (o->type == CAP_PROCESS || o->type == CAP_THREAD)
        process_count_cap(o, c, -1);
}

unsigned binding_remove(struct cap *node)
{
    switch (node->type) {
    case CAP_FRAME:
    case CAP_DEVMEM: {
        struct mapping *m = container_of(node, struct mapping, node);
        unsigned pages = (unsigned)mapping_pages(m);
        mapping_remove(m);
        return pages;
    }
    case CAP_IRQ:
        irq_unbind(container_of(node, struct irq_obj, binding));
        return 1;
    default: panic("binding of unknown type %u", node->type);
    }
}

/* --- the reaper --------------------------------------------------------------- */

/* Objects waiting for a reap step, oldest first. */
static struct kobj *reap_head, *reap_tail;

static void reap_push_back(struct kobj *o)
{
    o->reap_next = NULL;
    if (reap_tail)
        reap_tail->reap_next = o;
    else
        reap_head = o;
    reap_tail = o;
}

static struct kobj *reap_pop(void)
{
    struct kobj *o = reap_head;
    if (o) {
        reap_head = o->reap_next;
        if (!reap_head)
            reap_tail = NULL;
        o->reap_next = NULL;
    }
    return o;
}

static void reap_push_front(struct kobj *o)
{
    o->reap_next = reap_head;
    reap_head = o;
    if (!reap_tail)
        reap_tail = o;
}

void reap_queue(struct kobj *o)
{
    if (o->reaping)
        return;
    o->reaping = true;
    reap_push_back(o);
    this_cpu()->exit_work |= EXIT_REAP;
}

void obj_put(struct kobj *o)
{
    BUG_ON(o->refs == 0, "reference count underflow");
    if (--o->refs == 0)
        reap_queue(o);
    else if (o->type == CAP_PROCESS)
        process_check_reachable((struct process *)o);
}

/* One bounded step for o: REAP_MORE (call again), REAP_DONE (o stays,
 * alive or a zombie named by capabilities) or REAP_FREED (o is gone). */
static int reap_step(struct kobj *o)
{
    if (o->refs && o->type != CAP_PROCESS)
        return REAP_DONE;   /* referred to again (a process decides for itself: process_reap) */
    switch (o->type) {
    case CAP_ENDPOINT: return endpoint_reap((struct endpoint *)o);
    case CAP_NOTIFICATION: return notification_reap((struct notification *)o);
    case CAP_PROCESS: return process_reap((struct process *)o);
    case CAP_THREAD: return thread_reap((struct thread *)o);
    case CAP_FRAME:
    case CAP_DEVMEM: return frame_reap((struct frame_obj *)o);
    case CAP_DMAPOOL: return dmapool_reap((struct dmapool *)o);
    case CAP_IRQ: return irq_reap((struct irq_obj *)o);
    case CAP_IOPORT:
    case CAP_PLATFORM:
        obj_free(o);
        return REAP_FREED;
    default: panic("reap: object of unknown type %u", o->type);
    }
}

/* Every step is bounded (REAP_BUDGET units of work); an interrupt window
 * opens between steps, so the time with interrupts off stays bounded
 * however much there is to destroy. Steps may queue more objects (a dying
 * process's threads and capabilities): they are reaped in turn. An object
 * keeps its reaping mark during its own step, so references it drops on
 * itself (a process's capabilities to itself) do not queue it twice. */
void reap_drain(void)
{
    struct cpu *cpu = this_cpu();
    struct kobj *o;
    while (reap_head || put_pending) {
        if ((o = reap_pop())) {
            int r = reap_step(o);
            if (r == REAP_MORE)
                reap_push_front(o);
            else if (r == REAP_DONE)
                o->reaping = false;
        } else {
            struct quota *q = put_pending;
            put_pending = q->put_next;
            uint32_t n = q->puts_pending;
            q->puts_pending = 0;
            BUG_ON(n == 0 || q->refs < n, "pending quota puts match references");
            q->refs -= n - 1;       /* all but the last cannot be the last reference */
            quota_put(q);
        }
        if (reap_head || put_pending)
            arch_irq_window();
    }
    cpu->exit_work &= ~EXIT_REAP;
}
