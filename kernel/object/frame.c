/* Frames and their mappings into user address spaces (see obj/frame.h).
 * A process's mappings are in an AVL tree by address, so unmap and protect
 * find theirs in O(log n); each mapping is a binding under the capability
 * it was made with, so the derivation tree removes it on revocation. Page
 * tables are paid for by the process mapped into. */
#include "kernel.h"
#include "arch/layout.h"
#include "memory.h"
#include "object.h"
#include "uaccess.h"
#include "arch/cpu.h"
#include "arch/mmu.h"
#include "obj/frame.h"
#include "obj/process.h"

/* Page-by-page work on a frame (zeroing, mapping, unmapping, changing
 * rights: up to SYS_FRAME_MAX_PAGES pages) opens an interrupt window every
 * PAGES_PER_WINDOW pages. Interrupt handlers never touch frames or page
 * tables, so the work may go on where it stopped. */
#define PAGES_PER_WINDOW 32

static inline void window_every(uint64_t i, uint64_t npages)
{
    if ((i + 1) % PAGES_PER_WINDOW == 0 && i + 1 < npages)
        arch_irq_window();
}

struct frame_obj *frame_create(struct quota *q, uint64_t npages, uint64_t limit)
{
    BUG_ON(npages == 0 || npages > SYS_FRAME_MAX_PAGES, "frame size checked by the caller");
    struct frame_obj *f = obj_alloc(q, sizeof *f, CAP_FRAME);
    if (!f)
        return NULL;
    uint64_t pa = FRAME_NONE;
    if (quota_charge(q, npages * PAGE_SIZE)) {
        /* 2 MiB-aligned where it can be, so that it maps with 2 MiB pages */
        if (npages >= MMU_PAGE_2M / PAGE_SIZE)
            pa = frame_alloc_contig(&frame_allocator, npages, MMU_PAGE_2M, limit);
        if (pa == FRAME_NONE)
            pa = frame_alloc_contig(&frame_allocator, npages, 0, limit);
        if (pa == FRAME_NONE)
            quota_release(q, npages * PAGE_SIZE);
    }
    if (pa == FRAME_NONE) {
        f->obj.refs = 0;
        obj_free(&f->obj);
        return NULL;
    }
    /* Zeroed with an interrupt window every PAGES_PER_WINDOW pages (nobody
     * can see the frame yet). */
    for (uint64_t i = 0; i < npages; i++) {
        memset(phys_to_virt(pa + i * PAGE_SIZE), 0, PAGE_SIZE);
        window_every(i, npages);
    }
    f->paddr = pa;
    f->npages = npages;
    return f;
}

struct frame_obj *frame_borrow(uint64_t paddr, uint64_t npages)
{
    struct frame_obj *f = obj_alloc(NULL, sizeof *f, CAP_FRAME);
    if (f) {
        f->paddr = paddr;
        f->npages = npages;
        f->kind = FRAME_BORROWED;
    }
    return f;
}

struct frame_obj *devmem_create(uint64_t paddr, uint64_t npages)
{
    struct frame_obj *f = obj_alloc(NULL, sizeof *f, CAP_DEVMEM);
    if (f) {
        f->paddr = paddr;
        f->npages = npages;
        f->kind = FRAME_DEVICE;
    }
    return f;
}

void frame_cap_window(const struct cap *c, uint64_t *first_page, uint64_t *npages)
{
    const struct frame_obj *f = (const struct frame_obj *)c->obj;
    if (f->kind == FRAME_DEVICE) {
        *first_page = c->badge >> 32;
        *npages = c->badge & 0xffffffffu;
    } else {
        *first_page = 0;
        *npages = f->npages;
    }
}

uint64_t mapping_pages(const struct mapping *m)
{
    uint64_t first, npages;
    frame_cap_window(&m->node, &first, &npages);
    return npages;
}

int frame_reap(struct frame_obj *f)
{
    BUG_ON(f->pool, "a pool holds a reference to its frames");
    if (f->kind == FRAME_RAM) {
        int rc = frame_free(&frame_allocator, f->paddr, f->npages);
        BUG_ON(rc != 0, "a frame object frees its own pages");
        quota_release(f->obj.quota, f->npages * PAGE_SIZE);
    }
    obj_free(&f->obj);
    return REAP_FREED;
}

/* Unmaps npages 4 KiB pages' worth from vaddr, leaf by leaf (a 2 MiB
 * leaf counts as 512 pages), with interrupt windows as for pages. */
static void unmap_range(struct process *p, uint64_t vaddr, uint64_t npages)
{
    for (uint64_t i = 0; i < npages;) {
        uint64_t size = arch_user_unmap(p->space, vaddr + i * PAGE_SIZE);
        uint64_t step = size > PAGE_SIZE ? size / PAGE_SIZE : 1;
        for (uint64_t k = 0; k < step && i < npages; k++, i++)
            window_every(i, npages);
    }
}

/* Maps the frame's pages and records the mapping; node is filled by the
 * caller's binding function. Where the virtual and physical addresses are
 * both 2 MiB-aligned and 2 MiB remain, one 2 MiB page maps them (one entry
 * instead of 512 to write now, to clear at unmap, and in the TLB). */
static long map_pages(struct process *p, struct frame_obj *f, uint64_t first, uint64_t npages,
                      uint64_t vaddr, unsigned rights, struct mapping **out)
{
    if (p->state != P_ALIVE)
        return SYS_EDEAD;
    struct mapping *m = kmem_alloc(p->quota, sizeof *m);
    if (!m)
        return SYS_ENOMEM;
    struct mmu_alloc alloc = process_table_alloc(p);
    unsigned flags = rights | (f->kind == FRAME_DEVICE ? MMU_UNCACHED : 0);
    uint64_t pa = f->paddr + first * PAGE_SIZE;
    const uint64_t huge_pages = MMU_PAGE_2M / PAGE_SIZE;
    for (uint64_t i = 0; i < npages;) {
        uint64_t va_i = vaddr + i * PAGE_SIZE, pa_i = pa + i * PAGE_SIZE;
        int rc = MMU_EEXIST;
        uint64_t step = 1;
        if (f->kind != FRAME_DEVICE && npages - i >= huge_pages && va_i % MMU_PAGE_2M == 0 &&
            pa_i % MMU_PAGE_2M == 0) {
            rc = arch_user_map(p->space, va_i, pa_i, MMU_PAGE_2M, flags, &alloc);
            step = huge_pages;
        }
        if (rc == MMU_EEXIST) {     /* not huge here, or a page table in the way */
            step = 1;
            rc = arch_user_map(p->space, va_i, pa_i, MMU_PAGE_4K, flags, &alloc);
        }
        if (rc != MMU_OK) {
            unmap_range(p, vaddr, i);
            kmem_free(p->quota, m, sizeof *m);
            return rc == MMU_EEXIST ? SYS_EEXIST : SYS_ENOMEM;
        }
        for (uint64_t k = 0; k < step; k++, i++)
            window_every(i, npages);
    }
    m->proc = p;
    m->frame = f;
    m->rights = m->max_rights = rights;
    m->by_vaddr.key = vaddr;
    avl_insert(&p->mappings, &m->by_vaddr);
    *out = m;
    return SYS_OK;
}

long vm_map(struct process *p, struct cap *fc, uint64_t vaddr, unsigned rights)
{
    struct mapping *m;
    uint64_t first, npages;
    frame_cap_window(fc, &first, &npages);
    long rc = map_pages(p, (struct frame_obj *)fc->obj, first, npages, vaddr, rights, &m);
    if (rc == SYS_OK)
        cap_bind(&m->node, fc);
    return rc;
}

long vm_map_frame(struct process *p, struct frame_obj *f, uint64_t vaddr, unsigned rights)
{
    struct mapping *m;
    long rc = map_pages(p, f, 0, f->npages, vaddr, rights, &m);
    if (rc == SYS_OK)
        cap_bind_root(&m->node, &f->obj, rights);
    return rc;
}

void mapping_remove(struct mapping *m)
{
    struct process *p = m->proc;
    unmap_range(p, m->by_vaddr.key, mapping_pages(m));
    avl_remove(&p->mappings, &m->by_vaddr);
    cap_unbind(&m->node);
    kmem_free(p->quota, m, sizeof *m);
}

static struct mapping *find_mapping(struct process *p, uint64_t vaddr)
{
    struct avl_node *n = avl_find(&p->mappings, vaddr);
    return n ? container_of(n, struct mapping, by_vaddr) : NULL;
}

long vm_unmap(struct process *p, uint64_t vaddr)
{
    struct mapping *m = find_mapping(p, vaddr);
    if (!m)
        return SYS_ENOENT;
    mapping_remove(m);
    return SYS_OK;
}

long vm_protect(struct process *p, uint64_t vaddr, unsigned rights)
{
    struct mapping *m = find_mapping(p, vaddr);
    if (!m)
        return SYS_ENOENT;
    if ((rights & ~m->max_rights) || !(rights & CAP_R_READ))
        return SYS_ERIGHTS;
    unsigned flags = rights | (m->frame->kind == FRAME_DEVICE ? MMU_UNCACHED : 0);
    uint64_t npages = mapping_pages(m);
    for (uint64_t i = 0; i < npages;) {
        uint64_t size = arch_user_protect(p->space, vaddr + i * PAGE_SIZE, flags);
        uint64_t step = size > PAGE_SIZE ? size / PAGE_SIZE : 1;
        for (uint64_t k = 0; k < step && i < npages; k++, i++)
            window_every(i, npages);
    }
    m->rights = rights;
    return SYS_OK;
}

bool vm_teardown_step(struct process *p, unsigned budget)
{
    unsigned work = 0;
    struct avl_node *n;
    while (work < budget && (n = avl_first(&p->mappings))) {
        struct mapping *m = container_of(n, struct mapping, by_vaddr);
        work += (unsigned)mapping_pages(m);
        mapping_remove(m);
    }
    return avl_first(&p->mappings) == NULL;
}

void *vm_user_page(struct process *p, uint64_t vaddr, bool writable)
{
    uint64_t pa;
    if (!p->space || !user_range_ok(vaddr, 1) || !arch_user_lookup(p->space, vaddr, writable, &pa))
        return NULL;
    return phys_to_virt(pa);
}
