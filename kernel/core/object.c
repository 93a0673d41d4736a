/* Object reference counting, quotas, and the simple objects (endpoints,
 * notifications, frames). Processes and threads live in process.c and
 * thread.c. */
#include "kernel.h"
#include "kmem.h"
#include "memory.h"
#include "object.h"
#include "platform.h"

void obj_get(struct kobj *o)
{
    o->refs++;
}

bool quota_charge(struct quota *q, uint64_t bytes)
{
    if (!q)
        return true;
    if (bytes > q->limit - q->used)
        return false;
    q->used += bytes;
    return true;
}

void quota_release(struct quota *q, uint64_t bytes)
{
    if (!q)
        return;
    BUG_ON(bytes > q->used, "quota released more than charged");
    q->used -= bytes;
}

void quota_get(struct quota *q)
{
    if (q)
        q->refs++;
}

/* The last reference gives the limit back to the parent quota. */
void quota_put(struct quota *q)
{
    if (!q)
        return;
    BUG_ON(q->refs == 0, "quota reference underflow");
    if (--q->refs)
        return;
    BUG_ON(q->used != 0, "a quota outlived by what it paid for");
    struct quota *parent = q->parent;
    quota_release(parent, q->limit + kmem_charge_size(sizeof *q));
    kmem_free(q, sizeof *q);
    quota_put(parent);
}

/* Allocates a kernel object of size bytes, paid for by q. */
static void *obj_alloc(struct quota *q, size_t size, unsigned type)
{
    if (!quota_charge(q, kmem_charge_size(size)))
        return NULL;
    struct kobj *o = kmem_alloc(size);
    if (!o) {
        quota_release(q, kmem_charge_size(size));
        return NULL;
    }
    o->type = type;
    o->refs = 0;
    quota_get(q);
    return o;
}

static void obj_free(struct quota *q, void *o, size_t size)
{
    kmem_free(o, size);
    quota_release(q, kmem_charge_size(size));
    quota_put(q);
}

struct endpoint *endpoint_create(struct process *owner)
{
    struct endpoint *ep = obj_alloc(owner->quota, sizeof *ep, CAP_ENDPOINT);
    if (!ep)
        return NULL;
    ep->charged = owner->quota;
    ep->owner = owner;
    ep->next_owned = owner->owned_endpoints;
    owner->owned_endpoints = ep;
    return ep;
}

struct notification *notification_create(struct process *owner)
{
    struct notification *n = obj_alloc(owner->quota, sizeof *n, CAP_NOTIFICATION);
    if (n)
        n->charged = owner->quota;
    return n;
}

struct frame_obj *frame_create(struct quota *charged, uint64_t npages)
{
    if (npages == 0 || npages > 512)
        return NULL;
    if (!quota_charge(charged, npages * PAGE_SIZE))
        return NULL;
    struct frame_obj *f = obj_alloc(charged, sizeof *f, CAP_FRAME);
    uint64_t pa = f ? frame_alloc_contig(&frame_allocator, npages, 0, 0) : FRAME_NONE;
    if (pa == FRAME_NONE) {
        if (f)
            obj_free(charged, f, sizeof *f);
        quota_release(charged, npages * PAGE_SIZE);
        return NULL;
    }
    memset(phys_to_virt(pa), 0, npages * PAGE_SIZE);
    f->paddr = pa;
    f->npages = npages;
    f->charged = charged;
    return f;
}

struct frame_obj *frame_borrow(uint64_t paddr, uint64_t npages)
{
    struct frame_obj *f = obj_alloc(NULL, sizeof *f, CAP_FRAME);
    if (!f)
        return NULL;
    f->paddr = paddr;
    f->npages = npages;
    f->borrowed = true;
    return f;
}


static void endpoint_destroy(struct endpoint *ep)
{
    endpoint_kill(ep);
    if (ep->owner) {
        struct endpoint **pp = &ep->owner->owned_endpoints;
        while (*pp && *pp != ep)
            pp = &(*pp)->next_owned;
        if (*pp)
            *pp = ep->next_owned;
    }
    obj_free(ep->charged, ep, sizeof *ep);
}

static void frame_destroy(struct frame_obj *f)
{
    BUG_ON(f->mappings != NULL, "mappings hold a reference on their frame");
    if (!f->borrowed) {
        int rc = frame_free(&frame_allocator, f->paddr, f->npages);
        BUG_ON(rc != 0, "frame object frees its own frames");
        quota_release(f->charged, f->npages * PAGE_SIZE);
    }
    obj_free(f->charged, f, sizeof *f);
}

/* Drops a reference; the last one destroys the object. */
void obj_put(struct kobj *o)
{
    BUG_ON(o->refs == 0, "reference count underflow");
    if (--o->refs)
        return;
    switch (o->type) {
    case CAP_ENDPOINT: endpoint_destroy((struct endpoint *)o); break;
    case CAP_NOTIFICATION: {
        struct notification *n = (struct notification *)o;
        ntfn_destroy(n);
        obj_free(n->charged, n, sizeof *n);
        break;
    }
    case CAP_FRAME: frame_destroy((struct frame_obj *)o); break;
    case CAP_PROCESS: process_destroy((struct process *)o); break;
    case CAP_THREAD: thread_destroy((struct thread *)o); break;
    case CAP_IRQ: irq_destroy((struct irq_obj *)o); break;
    case CAP_IOPORT: kmem_free(o, sizeof(struct ioport_obj)); break;
    case CAP_PLATFORM: kmem_free(o, sizeof(struct platform_obj)); break;
    default: panic("obj_put: object of unknown type %u", o->type);
    }
}
