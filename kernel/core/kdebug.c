/* The kernel's invariant checks and counters (see kdebug.h). The checks
 * walk every quota, object, thread, capability table and mapping tree, so
 * they run in O(everything) with interrupts off: for tests only, through
 * the platform capability.
 *
 * Conservation: every page charged to a quota is accounted for by what is
 * live (its slab pages, kernel stacks, frames, capability tables, address
 * space roots and page tables), and every frame the allocator has handed
 * out since user space started is charged to some quota or to the kernel. */
#include "kernel.h"
#include "irqoff.h"
#include "kdebug.h"
#include "kmem.h"
#include "kstack.h"
#include "ktimer.h"
#include "memory.h"
#include "object.h"
#include "percpu.h"
#include "sched.h"
#include "obj/cap.h"
#include "obj/frame.h"
#include "obj/notification.h"
#include "obj/process.h"
#include "obj/thread.h"

#define CAP_TABLE_BYTES ((uint64_t)ALIGN_UP(SYS_CAP_SLOTS * sizeof(struct cap), PAGE_SIZE))
#define WALK_LIMIT 100000000ull     /* a ring longer than this is a broken ring */

static long violations;
static uint64_t baseline_used_frames;

#define VIOLATION(...)                                                          \
    do {                                                                        \
        violations++;                                                           \
        pr_err("kcheck: " __VA_ARGS__);                                         \
    } while (0)

void kdebug_set_baseline(void)
{
    baseline_used_frames = frame_allocator.total_frames - frame_allocator.free_frames -
                           kernel_charged_bytes / PAGE_SIZE;
}

/* Pages an object holds outside its quota's slab pages. */
static uint64_t object_page_bytes(const struct kobj *o)
{
    switch (o->type) {
    case CAP_THREAD: {
        const struct thread *t = (const struct thread *)o;
        return KERNEL_STACK_SIZE + (arch_fpu_area_size() > KMEM_MAX_CHUNK ? PAGE_SIZE : 0) +
               (sizeof *t > KMEM_MAX_CHUNK ? PAGE_SIZE : 0);
    }
    case CAP_FRAME: {
        const struct frame_obj *f = (const struct frame_obj *)o;
        return f->kind == FRAME_RAM ? f->npages * PAGE_SIZE : 0;
    }
    case CAP_PROCESS: {
        const struct process *p = (const struct process *)o;
        return (p->caps ? CAP_TABLE_BYTES : 0) + (p->space ? PAGE_SIZE : 0) + p->pt_pages * PAGE_SIZE;
    }
    default:
        return 0;
    }
}

/* Every quota's charge against what is live, child limits against the
 * children, and the frame allocator against all charges. */
static void check_conservation(void)
{
    uint64_t kernel_expected = kmem_kernel_pages() * PAGE_SIZE + kstack_table_bytes();
    uint64_t charged_pages = kernel_charged_bytes / PAGE_SIZE;
    for (struct dlist *l = all_quotas.next; l != &all_quotas; l = l->next) {
        struct quota *q = container_of(l, struct quota, all);
        q->check_pages = q->cache.pages * PAGE_SIZE;
        q->check_children = 0;
    }
    for (struct dlist *l = all_quotas.next; l != &all_quotas; l = l->next) {
        struct quota *q = container_of(l, struct quota, all);
        if (q->parent)
            q->parent->check_children += q->limit;
    }
    for (struct dlist *m = all_objects.next; m != &all_objects; m = m->next) {
        struct kobj *o = container_of(m, struct kobj, all);
        if (o->quota)
            o->quota->check_pages += object_page_bytes(o);
        else
            kernel_expected += object_page_bytes(o);
    }
    for (struct dlist *l = all_quotas.next; l != &all_quotas; l = l->next) {
        struct quota *q = container_of(l, struct quota, all);
        if (q->check_pages != q->page_bytes)
            VIOLATION("quota %p charged %llu bytes of pages, live objects hold %llu", (void *)q,
                      (unsigned long long)q->page_bytes, (unsigned long long)q->check_pages);
        if (q->check_children != q->child_limits)
            VIOLATION("quota %p carved %llu bytes for sub-quotas, their limits sum to %llu", (void *)q,
                      (unsigned long long)q->child_limits, (unsigned long long)q->check_children);
        if (q->used != q->page_bytes + q->child_limits || q->used > q->limit)
            VIOLATION("quota %p used %llu of %llu (pages %llu + sub-quotas %llu)", (void *)q,
                      (unsigned long long)q->used, (unsigned long long)q->limit,
                      (unsigned long long)q->page_bytes, (unsigned long long)q->child_limits);
        charged_pages += q->page_bytes / PAGE_SIZE;
    }
    if (kernel_expected != kernel_charged_bytes)
        VIOLATION("the kernel charged itself %llu bytes of pages, its objects hold %llu",
                  (unsigned long long)kernel_charged_bytes, (unsigned long long)kernel_expected);
    uint64_t used = frame_allocator.total_frames - frame_allocator.free_frames;
    if (baseline_used_frames && used != baseline_used_frames + charged_pages)
        VIOLATION("%llu frames in use, but boot (%llu) and every charge (%llu) account for %llu",
                  (unsigned long long)used, (unsigned long long)baseline_used_frames,
                  (unsigned long long)charged_pages,
                  (unsigned long long)(baseline_used_frames + charged_pages));
}

/* A ring is whole: every link's neighbours point back at it. Returns its
 * length (excluding head), or -1. */
static long ring_check(const struct dlist *head)
{
    long n = 0;
    for (const struct dlist *l = head->next; l != head; l = l->next) {
        if (l->next->prev != l || l->prev->next != l || (uint64_t)++n > WALK_LIMIT)
            return -1;
    }
    return n;
}

/* Capability tables: counts per object against ncaps, rings whole,
 * bindings before copies in every ring of children. */
static void check_caps(void)
{
    for (struct dlist *m = all_objects.next; m != &all_objects; m = m->next)
        container_of(m, struct kobj, all)->check_count = 0;
    for (struct dlist *m = all_objects.next; m != &all_objects; m = m->next) {
        struct kobj *o = container_of(m, struct kobj, all);
        if (o->type != CAP_PROCESS || !((struct process *)o)->caps)
            continue;
        struct process *p = (struct process *)o;
        for (unsigned i = 1; i < SYS_CAP_SLOTS; i++) {
            struct cap *c = &p->caps[i];
            if (c->type == CAP_NULL)
                continue;
            if (!c->obj || c->obj->type != c->type || (c->flags & CAPF_BINDING))
                VIOLATION("process %u slot %u: capability does not match its object", p->pid, i);
            c->obj->check_count++;
            if (ring_check(&c->sibling) < 0 || ring_check(&c->children) < 0) {
                VIOLATION("process %u slot %u: broken derivation ring", p->pid, i);
                continue;
            }
            bool copies = false;
            for (struct dlist *l = c->children.next; l != &c->children; l = l->next) {
                struct cap *k = container_of(l, struct cap, sibling);
                if (k->flags & CAPF_BINDING) {
                    if (copies)
                        VIOLATION("process %u slot %u: a binding after a copy", p->pid, i);
                } else {
                    copies = true;
                    if (!(k->flags & CAPF_COPY))
                        VIOLATION("process %u slot %u: an original among copies", p->pid, i);
                }
            }
        }
    }
    for (struct dlist *m = all_objects.next; m != &all_objects; m = m->next) {
        struct kobj *o = container_of(m, struct kobj, all);
        if (o->check_count != o->ncaps)
            VIOLATION("object %p (type %u): %u capabilities in tables, ncaps %u", (void *)o, o->type,
                      o->check_count, o->ncaps);
        if (o->refs < o->ncaps)
            VIOLATION("object %p (type %u): %u references, %u capabilities", (void *)o, o->type, o->refs,
                      o->ncaps);
    }
}

/* Mapping trees: balanced and ordered, each mapping's frame counted. */
static void check_mappings(void)
{
    for (struct dlist *m = all_objects.next; m != &all_objects; m = m->next) {
        struct kobj *o = container_of(m, struct kobj, all);
        if (o->type == CAP_FRAME || o->type == CAP_DEVMEM)
            o->check_count = 0;
    }
    for (struct dlist *m = all_objects.next; m != &all_objects; m = m->next) {
        struct kobj *o = container_of(m, struct kobj, all);
        if (o->type != CAP_PROCESS)
            continue;
        struct process *p = (struct process *)o;
        int rc = avl_check(&p->mappings);
        if (rc) {
            VIOLATION("process %u: mapping tree broken (%d)", p->pid, rc);
            continue;
        }
        for (struct avl_node *n = avl_first(&p->mappings); n; n = avl_next(n)) {
            struct mapping *mp = container_of(n, struct mapping, by_vaddr);
            if (mp->proc != p || mp->node.obj != &mp->frame->obj)
                VIOLATION("process %u: mapping at %#llx is not its own", p->pid, (unsigned long long)n->key);
            mp->frame->obj.check_count++;
        }
    }
    for (struct dlist *m = all_objects.next; m != &all_objects; m = m->next) {
        struct kobj *o = container_of(m, struct kobj, all);
        if (o->type != CAP_FRAME && o->type != CAP_DEVMEM)
            continue;
        struct frame_obj *f = (struct frame_obj *)o;
        if (o->refs != o->ncaps + o->check_count + (f->pool ? 1 : 0))
            VIOLATION("frame %p: %u references for %u capabilities, %u mappings and %s pool", (void *)f,
                      o->refs, o->ncaps, o->check_count, f->pool ? "a" : "no");
    }
}

/* Threads: states agree with queues and links. */
static void check_threads(void)
{
    uint64_t ready = 0, alive = 0;
    for (struct dlist *l = all_threads.next; l != &all_threads; l = l->next) {
        struct thread *t = container_of(l, struct thread, all);
        if (t->state == T_READY)
            ready++;
        if (t->state != T_DEAD) {
            alive++;
            if (!t->proc)
                VIOLATION("thread %u: alive without a process", t->tid);
        } else if (t->proc || t->caller || t->callee || t->bound_ntfn || t->fault_ep) {
            VIOLATION("thread %u: dead but still linked", t->tid);
        }
        if ((t->state == T_SEND || t->state == T_RECV || t->state == T_NTFN) && !t->blocked_on)
            VIOLATION("thread %u: blocked on nothing", t->tid);
        if (t->state == T_NTFN && t->blocked_on &&
            ((struct notification *)t->blocked_on)->waiter != t)
            VIOLATION("thread %u: waits on a notification that does not name it", t->tid);
        if (t->state == T_REPLY && t->callee && t->callee->caller != t)
            VIOLATION("thread %u: waits for a reply from %u, which owes it nothing", t->tid, t->callee->tid);
        if (t->caller && (t->caller->state != T_REPLY || t->caller->callee != t))
            VIOLATION("thread %u: owes a reply to %u, which is not waiting for it", t->tid, t->caller->tid);
        if (t->timeout.armed && !(t->state >= T_RECV && t->state <= T_SLEEP))
            VIOLATION("thread %u: a timeout armed in state %u", t->tid, t->state);
    }
    if (ready != sched_nready)
        VIOLATION("%llu threads ready, %u on the ready queues", (unsigned long long)ready, sched_nready);
    if (alive != live_threads)
        VIOLATION("%llu threads alive, %llu counted", (unsigned long long)alive, (unsigned long long)live_threads);
    int rc = ktimer_check();
    if (rc)
        VIOLATION("timer tree broken (%d)", rc);
}

long kdebug_check(void)
{
    irqoff_forget();            /* a test-only walk of everything: not measured */
    violations = 0;
    if (ring_check(&all_objects) < 0 || ring_check(&all_quotas) < 0 || ring_check(&all_threads) < 0) {
        VIOLATION("a registry ring is broken; nothing else checked");
        return violations;
    }
    check_conservation();
    check_caps();
    check_mappings();
    check_threads();
    return violations;
}

void kdebug_stats(struct kdebug_stats *st)
{
    uint64_t objects = 0;
    for (struct dlist *m = all_objects.next; m != &all_objects; m = m->next)
        objects++;
    uint64_t deepest = kstack_deepest();
    uint64_t own = kstack_used(current_thread()->kstack);
    *st = (struct kdebug_stats){
        .kstack_deepest = own > deepest ? own : deepest,
        .irqoff_longest = this_cpu()->irqoff_longest,
        .free_frames = frame_allocator.free_frames,
        .live_threads = live_threads,
        .live_objects = objects,
    };
}

void kdebug_reset(void)
{
    kstack_deepest_reset();
    this_cpu()->irqoff_longest = 0;
}
