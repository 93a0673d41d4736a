/* Processes: an address space (user half of a PML4 sharing the kernel
 * half) and a capability table, paid for by a quota carved out of the
 * creator's. A process dies when its last thread does: its capabilities
 * are deleted and its address space torn down at once; the object itself
 * lives on while capabilities name it. */
#include "kernel.h"
#include "cpu.h"
#include "kmem.h"
#include "memory.h"
#include "object.h"
#include "percpu.h"

#define CAP_TABLE_PAGES ((SYS_CAP_SLOTS * sizeof(struct cap) + PAGE_SIZE - 1) / PAGE_SIZE)
#define PROCESS_COST (kmem_charge_size(sizeof(struct process)) + (CAP_TABLE_PAGES + 1) * PAGE_SIZE)

static uint32_t next_pid = 1;

/* Creates a process with a new quota of quota_bytes taken from parent
 * (NULL: the kernel's memory). Returns NULL if parent cannot pay. */
struct process *process_create(struct quota *parent, uint64_t quota_bytes)
{
    if (quota_bytes < PROCESS_COST || quota_bytes > UINT64_MAX / 2)
        return NULL;    /* too small to hold itself, or absurd (no overflow below) */
    if (!quota_charge(parent, quota_bytes + kmem_charge_size(sizeof(struct quota))))
        return NULL;
    struct quota *q = kmem_alloc(sizeof *q);
    struct process *p = kmem_alloc(sizeof *p);
    struct cap *caps = kpages_alloc(CAP_TABLE_PAGES);
    uint64_t pml4 = frame_alloc_zeroed();
    if (!q || !p || !caps || pml4 == FRAME_NONE) {
        kmem_free(q, sizeof *q);
        kmem_free(p, sizeof *p);
        kpages_free(caps, CAP_TABLE_PAGES);
        if (pml4 != FRAME_NONE)
            frame_free(&frame_allocator, pml4, 1);
        quota_release(parent, quota_bytes + kmem_charge_size(sizeof(struct quota)));
        return NULL;
    }
    *q = (struct quota){ .refs = 1, .limit = quota_bytes, .used = PROCESS_COST, .parent = parent };
    quota_get(parent);
    p->obj.type = CAP_PROCESS;
    p->pid = next_pid++;
    p->quota = q;
    p->caps = caps;
    for (unsigned i = 0; i < SYS_CAP_SLOTS; i++) {
        caps[i].slot = i;
        caps[i].owner = p;
    }
    /* The kernel half is shared: its top-level entries were all created at
     * boot (memory_prepare_user_spaces), so copying them once suffices. */
    uint64_t *dst = phys_to_virt(pml4);
    const uint64_t *src = phys_to_virt(kernel_root);
    for (unsigned i = 256; i < 512; i++)
        dst[i] = src[i];
    p->pml4 = pml4;
    return p;
}

/* Releases what a process holds; called once, when its last thread dies or
 * when the last reference goes before any thread ran. The caller holds a
 * reference across it (deleting the process's own capabilities may drop
 * others). */
static void process_teardown(struct process *p)
{
    for (struct endpoint *ep = p->owned_endpoints; ep; ep = ep->next_owned)
        endpoint_kill(ep);
    cap_table_destroy(p);
    vm_destroy(p);
    if (this_cpu()->cr3 == p->pml4) {
        write_cr3(kernel_root);
        this_cpu()->cr3 = kernel_root;
    }
    frame_free(&frame_allocator, p->pml4, 1);
    kpages_free(p->caps, CAP_TABLE_PAGES);
    p->caps = NULL;
    p->dead = true;
}

void process_thread_died(struct process *p)
{
    BUG_ON(p->live_threads == 0, "thread count underflow");
    if (--p->live_threads == 0) {
        pr_info("process %u: last thread ended; releasing its capabilities and memory", p->pid);
        obj_get(&p->obj);
        process_teardown(p);
        obj_put(&p->obj);
    }
}

/* The last reference is gone. */
void process_destroy(struct process *p)
{
    if (p->threads) {
        /* Only threads never started remain: they do not hold their
         * process. Killing the last one tears the process down;
         * the temporary reference brings us back here afterwards. */
        p->obj.refs = 1;
        while (p->threads)
            thread_kill(p->threads, NULL);
        obj_put(&p->obj);
        return;
    }
    if (p->caps) {
        /* Never ran a thread: tear down under a temporary reference, whose
         * release brings us back here with the tables gone. */
        p->obj.refs = 1;
        process_teardown(p);
        obj_put(&p->obj);
        return;
    }
    for (struct endpoint *ep = p->owned_endpoints; ep; ep = ep->next_owned)
        ep->owner = NULL;
    struct quota *q = p->quota;
    quota_release(q, PROCESS_COST);
    kmem_free(p, sizeof *p);
    quota_put(q);
}
