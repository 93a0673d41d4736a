/* User address spaces: mapping frame objects (all their pages at once) at
 * user addresses, changing their permissions, unmapping them, and tearing
 * a whole space down. Page-table pages are paid for by the process's quota.
 * Changes to the running address space are flushed with invlpg; another
 * space needs nothing (no PCID: every CR3 switch flushes). */
#include "kernel.h"
#include "cpu.h"
#include "kmem.h"
#include "memory.h"
#include "object.h"
#include "percpu.h"
#include "platform.h"

static uint64_t user_pt_alloc(void *ctx)
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

static uint64_t *user_pt_ptr(void *ctx, uint64_t paddr)
{
    (void)ctx;
    return phys_to_virt(paddr);
}

static struct pt_ops user_ops(struct process *p)
{
    return (struct pt_ops){ .ctx = p, .alloc_table = user_pt_alloc, .table_ptr = user_pt_ptr };
}

static uint64_t pte_flags(unsigned rights)
{
    uint64_t flags = PTE_USER;
    if (rights & CAP_R_WRITE)
        flags |= PTE_WRITE;
    if (!(rights & CAP_R_EXEC) && cpu_has_nx)
        flags |= PTE_NX;
    return flags;
}

static void flush_if_current(struct process *p, uint64_t va, uint64_t npages)
{
    if (this_cpu()->cr3 != p->pml4)
        return;
    for (uint64_t i = 0; i < npages; i++)
        invlpg(va + i * PAGE_SIZE);
}

/* Maps every page of f at vaddr in p with rights (which the caller checked
 * against the frame capability). All or nothing. */
int vm_map(struct process *p, struct frame_obj *f, uint64_t vaddr, unsigned rights)
{
    uint64_t size = f->npages * PAGE_SIZE;
    if ((vaddr & (PAGE_SIZE - 1)) || vaddr < USER_BASE || vaddr > USER_TOP || size > USER_TOP - vaddr)
        return SYS_ERANGE;
    if (!(rights & CAP_R_READ))
        return SYS_EINVAL;     /* x86 pages are always readable */
    if (p->dead)
        return SYS_EDEAD;
    if (!quota_charge(p->quota, kmem_charge_size(sizeof(struct mapping))))
        return SYS_ENOMEM;
    struct mapping *m = kmem_alloc(sizeof *m);
    if (!m) {
        quota_release(p->quota, kmem_charge_size(sizeof(struct mapping)));
        return SYS_ENOMEM;
    }
    struct pt_ops ops = user_ops(p);
    uint64_t flags = pte_flags(rights);
    for (uint64_t i = 0; i < f->npages; i++) {
        int rc = pt_map(&ops, p->pml4, vaddr + i * PAGE_SIZE, f->paddr + i * PAGE_SIZE, PT_PAGE_4K, flags);
        if (rc != PT_OK) {
            while (i--)
                pt_unmap(&ops, p->pml4, vaddr + i * PAGE_SIZE, NULL, NULL);
            kmem_free(m, sizeof *m);
            quota_release(p->quota, kmem_charge_size(sizeof(struct mapping)));
            return rc == PT_EEXIST ? SYS_EEXIST : SYS_ENOMEM;
        }
    }
    *m = (struct mapping){ .frame = f, .proc = p, .vaddr = vaddr, .rights = rights, .max_rights = rights };
    m->next_in_frame = f->mappings;
    f->mappings = m;
    m->next_in_proc = p->mappings;
    p->mappings = m;
    obj_get(&f->obj);
    return SYS_OK;
}

static struct mapping **find_mapping(struct process *p, uint64_t vaddr)
{
    struct mapping **pp = &p->mappings;
    while (*pp && (*pp)->vaddr != vaddr)
        pp = &(*pp)->next_in_proc;
    return pp;
}

/* Removes mapping *pp of p: its pages, IPC buffers inside it, the record,
 * and the reference on the frame. */
static void remove_mapping(struct mapping **pp)
{
    struct mapping *m = *pp;
    struct process *p = m->proc;
    struct frame_obj *f = m->frame;
    struct pt_ops ops = user_ops(p);
    for (uint64_t i = 0; i < f->npages; i++)
        pt_unmap(&ops, p->pml4, m->vaddr + i * PAGE_SIZE, NULL, NULL);
    flush_if_current(p, m->vaddr, f->npages);
    uint64_t end = m->vaddr + f->npages * PAGE_SIZE;
    for (struct thread *t = p->threads; t; t = t->next_in_proc)
        if (t->ipcbuf && t->ipcbuf_vaddr >= m->vaddr && t->ipcbuf_vaddr < end)
            t->ipcbuf = NULL;
    *pp = m->next_in_proc;
    struct mapping **fp = &f->mappings;
    while (*fp != m)
        fp = &(*fp)->next_in_frame;
    *fp = m->next_in_frame;
    kmem_free(m, sizeof *m);
    quota_release(p->quota, kmem_charge_size(sizeof(struct mapping)));
    obj_put(&f->obj);
}

/* Unmaps the mapping that starts at vaddr. */
int vm_unmap(struct process *p, uint64_t vaddr)
{
    struct mapping **pp = find_mapping(p, vaddr);
    if (!*pp)
        return SYS_ENOENT;
    remove_mapping(pp);
    return SYS_OK;
}

/* Changes the rights of the mapping at vaddr, within those it was mapped with. */
int vm_protect(struct process *p, uint64_t vaddr, unsigned rights)
{
    struct mapping *m = *find_mapping(p, vaddr);
    if (!m)
        return SYS_ENOENT;
    if ((rights & ~m->max_rights) || !(rights & CAP_R_READ))
        return SYS_ERIGHTS;
    struct pt_ops ops = user_ops(p);
    for (uint64_t i = 0; i < m->frame->npages; i++)
        pt_protect(&ops, p->pml4, m->vaddr + i * PAGE_SIZE, pte_flags(rights));
    flush_if_current(p, m->vaddr, m->frame->npages);
    m->rights = rights;
    return SYS_OK;
}

/* Frees the page-table pages below table at level (4 = PML4, user half
 * only at the top). */
static uint64_t free_tables(uint64_t table, int level, unsigned first, unsigned last)
{
    uint64_t *e = phys_to_virt(table);
    uint64_t freed = 0;
    for (unsigned i = first; i < last; i++) {
        if (!(e[i] & PTE_PRESENT) || (e[i] & PTE_HUGE))
            continue;
        uint64_t child = e[i] & PTE_ADDR_MASK;
        if (level > 2)
            freed += free_tables(child, level - 1, 0, 512);
        frame_free(&frame_allocator, child, 1);
        freed++;
        e[i] = 0;
    }
    return freed;
}

/* Unmaps everything and frees the user page tables of a dying process. */
void vm_destroy(struct process *p)
{
    while (p->mappings)
        remove_mapping(&p->mappings);
    uint64_t freed = free_tables(p->pml4, 4, 0, 256);
    BUG_ON(freed != p->pt_pages, "every user page-table page was counted");
    quota_release(p->quota, freed * PAGE_SIZE);
    p->pt_pages = 0;
}

/* Finds the kernel view of a user page: present, user, and writable if
 * asked. Returns NULL otherwise. */
void *vm_user_page(struct process *p, uint64_t vaddr, bool writable)
{
    uint64_t pa, flags;
    if (vaddr < USER_BASE || vaddr >= USER_TOP)
        return NULL;
    struct pt_ops ops = user_ops(p);
    if (pt_lookup(&ops, p->pml4, vaddr, &pa, &flags) != PT_OK)
        return NULL;
    if (!(flags & PTE_USER) || (writable && !(flags & PTE_WRITE)))
        return NULL;
    return phys_to_virt(pa);
}
