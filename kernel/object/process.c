/* Processes: creation, death and the step-by-step teardown (see
 * obj/process.h). */
#include "kernel.h"
#include "arch/layout.h"
#include "memory.h"
#include "object.h"
#include "arch/mmu.h"
#include "obj/endpoint.h"
#include "obj/frame.h"
#include "obj/process.h"
#include "obj/thread.h"

#define CAP_TABLE_PAGES ((SYS_CAP_SLOTS * sizeof(struct cap) + PAGE_SIZE - 1) / PAGE_SIZE)
#define CAP_TABLE_BYTES (CAP_TABLE_PAGES * PAGE_SIZE)
_Static_assert((CAP_TABLE_BYTES & (CAP_TABLE_BYTES - 1)) == 0, "tables are aligned to their size");

static uint32_t next_pid = 1;

/* A capability table is aligned to its size and slot 0 (never a
 * capability: cap_lookup refuses it) names the process that owns it, so
 * the owner of any slot is found in O(1). */
static struct cap *table_alloc_for(struct process *p)
{
    struct quota *q = p->quota;
    if (!quota_charge(q, CAP_TABLE_BYTES))
        return NULL;
    uint64_t pa = frame_alloc_contig(&frame_allocator, CAP_TABLE_PAGES, CAP_TABLE_BYTES, 0);
    if (pa == FRAME_NONE) {
        quota_release(q, CAP_TABLE_BYTES);
        return NULL;
    }
    struct cap *table = phys_to_virt(pa);
    cap_table_init(table);
    table[0].obj = &p->obj;     /* owner, not a reference; type stays CAP_NULL */
    return table;
}

static void table_free(struct process *p)
{
    frame_free(&frame_allocator, virt_to_phys(p->caps), CAP_TABLE_PAGES);
    quota_release(p->quota, CAP_TABLE_BYTES);
    p->caps = NULL;
}

static struct process *table_owner(const struct cap *c)
{
    const struct cap *table = (const struct cap *)ALIGN_DOWN((uintptr_t)c, CAP_TABLE_BYTES);
    return (struct process *)table[0].obj;
}

void process_check_reachable(struct process *p)
{
    if (p->state == P_ALIVE && p->obj.refs == p->self_caps && p->ext_thread_caps == 0)
        reap_queue(&p->obj);
}

void process_count_cap(struct kobj *o, const struct cap *c, int delta)
{
    struct process *owner = table_owner(c);
    if (o->type == CAP_PROCESS) {
        struct process *p = (struct process *)o;
        if (p == owner)
            p->self_caps += delta;      /* a removal's obj_put checks reachability */
        return;
    }
    struct thread *t = (struct thread *)o;
    if (!t->proc || t->proc == owner)
        return;                         /* dead, or named from inside its process */
    t->ext_caps += delta;
    t->proc->ext_thread_caps += delta;
    if (delta < 0 && t->proc->ext_thread_caps == 0)
        process_check_reachable(t->proc);
}

/* A process's own quota pays for a slab page (the process object), its
 * capability table and the root of its address space. */
uint64_t process_min_quota(void)
{
    return PAGE_SIZE + CAP_TABLE_PAGES * PAGE_SIZE + PAGE_SIZE;
}

static uint64_t table_alloc(void *ctx)
{
    struct process *p = ctx;
    if (!quota_charge(p->quota, PAGE_SIZE))
        return 0;
    uint64_t pa = frame_alloc_zeroed();
    if (pa == FRAME_NONE) {
        quota_release(p->quota, PAGE_SIZE);
        return 0;
    }
    p->pt_pages++;
    return pa;
}

struct mmu_alloc process_table_alloc(struct process *p)
{
    return (struct mmu_alloc){ .ctx = p, .alloc_table = table_alloc };
}

struct process *process_create(struct quota *parent, uint64_t quota_bytes)
{
    if (quota_bytes < process_min_quota() || quota_bytes > UINT64_MAX / 2)
        return NULL;
    struct quota *q = quota_create(parent, quota_bytes);
    if (!q)
        return NULL;
    struct process *p = obj_alloc(q, sizeof *p, CAP_PROCESS);
    quota_put(q);           /* the object holds the quota from here on */
    if (!p)
        return NULL;
    p->quota = q;
    p->caps = table_alloc_for(p);
    if (p->caps && quota_charge(q, PAGE_SIZE)) {
        p->space = arch_space_create();
        if (!p->space)
            quota_release(q, PAGE_SIZE);
    }
    if (!p->space) {
        if (p->caps)
            table_free(p);
        p->obj.refs = 0;
        obj_free(&p->obj);
        return NULL;
    }
    p->pid = next_pid++;
    p->state = P_ALIVE;
    dlist_init(&p->threads);
    dlist_init(&p->endpoints);
    p->mappings = (struct avl_tree)AVL_TREE_INIT;
    return p;
}

void process_thread_died(struct process *p)
{
    if (p->state != P_ALIVE)
        return;
    pr_info("process %u: last thread ended; releasing its capabilities and memory", p->pid);
    p->state = P_DYING;
    p->td_stage = 0;
    p->td_cursor = 0;
    obj_get(&p->obj);
    p->reaper_ref = true;
    reap_queue(&p->obj);
}

enum { TD_THREADS, TD_ENDPOINTS, TD_CAPS, TD_MAPPINGS, TD_TABLES, TD_ROOT };

/* One step of the teardown, about REAP_BUDGET units of work; true when it
 * is complete. Threads first (only never-started or suspended ones can be left), then
 * the endpoints it created (their waiters get SYS_EDEAD), its capabilities,
 * its mappings, its page tables, and the table and root themselves. */
static bool teardown_step(struct process *p)
{
    unsigned work = 0;
    switch (p->td_stage) {
    case TD_THREADS:
        while (!dlist_empty(&p->threads) && work++ < REAP_BUDGET)
            thread_kill(container_of(p->threads.next, struct thread, in_proc), NULL);
        if (!dlist_empty(&p->threads))
            return false;
        p->td_stage = TD_ENDPOINTS;
        return false;
    case TD_ENDPOINTS:
        while (!dlist_empty(&p->endpoints) && work++ < REAP_BUDGET) {
            struct endpoint *ep = container_of(p->endpoints.next, struct endpoint, in_owner);
            if (!endpoint_kill_step(ep))
                return false;
            dlist_remove(&ep->in_owner);
            ep->owner = NULL;
        }
        if (!dlist_empty(&p->endpoints))
            return false;
        p->td_stage = TD_CAPS;
        p->td_cursor = 1;
        return false;
    case TD_CAPS:
        while (p->td_cursor < SYS_CAP_SLOTS && work++ < REAP_BUDGET) {
            if (!cap_delete_step(&p->caps[p->td_cursor]))
                return false;
            p->td_cursor++;
        }
        if (p->td_cursor < SYS_CAP_SLOTS)
            return false;
        p->td_stage = TD_MAPPINGS;
        return false;
    case TD_MAPPINGS:
        if (!vm_teardown_step(p, REAP_BUDGET))
            return false;
        p->td_stage = TD_TABLES;
        p->td_cursor = 0;
        return false;
    case TD_TABLES: {
        bool done = false;
        uint64_t freed = arch_user_tables_free(p->space, &p->td_cursor, REAP_BUDGET, &done);
        BUG_ON(freed > p->pt_pages, "every user page-table page was counted");
        p->pt_pages -= freed;
        quota_release(p->quota, freed * PAGE_SIZE);
        if (!done)
            return false;
        BUG_ON(p->pt_pages != 0, "every user page-table page was freed");
        p->td_stage = TD_ROOT;
        return false;
    }
    default:
        arch_space_free(p->space);
        quota_release(p->quota, PAGE_SIZE);
        p->space = 0;
        table_free(p);
        return true;
    }
}

int process_reap(struct process *p)
{
    if (p->state == P_ALIVE) {
        if (p->obj.refs && !(p->obj.refs == p->self_caps && p->ext_thread_caps == 0))
            return REAP_DONE;
        /* The last reference went while no thread ran (never-started and
         * suspended threads hold none), or all that is left is its own
         * capabilities to itself (process_check_reachable): tear it down. */
        p->state = P_DYING;
        p->td_stage = 0;
        p->td_cursor = 0;
    }
    if (p->state == P_DYING) {
        if (!teardown_step(p))
            return REAP_MORE;
        p->state = P_DEAD;
        if (p->reaper_ref) {
            p->reaper_ref = false;
            p->obj.refs--;
        }
    }
    if (p->obj.refs)
        return REAP_DONE;
    obj_free(&p->obj);
    return REAP_FREED;
}
