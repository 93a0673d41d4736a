/* User address spaces and the kernel's own extra mappings on x86-64 (see
 * arch/mmu.h): 4-level page tables through kernel/lib/pagetable.c, the
 * kernel half (PML4 slots 256-511) shared by copying its top-level entries
 * (all created at boot by memory_prepare_user_spaces), invlpg for a change
 * to the address space in use (no PCID: every CR3 switch flushes). */
#include "kernel.h"
#include "cpu.h"
#include "memory.h"
#include "percpu.h"
#include "platform.h"
#include "arch/mmu.h"
#include "uapi/abi.h"

#define USER_SLOTS 256          /* PML4 entries of the user half */

static uint64_t *table_ptr(void *ctx, uint64_t paddr)
{
    (void)ctx;
    return phys_to_virt(paddr);
}

static struct pt_ops ops_for(const struct mmu_alloc *a)
{
    return (struct pt_ops){ .ctx = a ? a->ctx : NULL, .alloc_table = a ? a->alloc_table : NULL,
                            .table_ptr = table_ptr };
}

static uint64_t user_flags(unsigned rights)
{
    uint64_t flags = PTE_USER;
    if (rights & CAP_R_WRITE)
        flags |= PTE_WRITE;
    if (!(rights & CAP_R_EXEC) && cpu_has_nx)
        flags |= PTE_NX;
    if (rights & MMU_UNCACHED)
        flags |= PTE_PCD | PTE_PWT;
    return flags;
}

uint64_t arch_space_create(void)
{
    uint64_t root = frame_alloc_zeroed();
    if (root == FRAME_NONE)
        return 0;
    uint64_t *dst = phys_to_virt(root);
    const uint64_t *src = phys_to_virt(kernel_root);
    for (unsigned i = USER_SLOTS; i < 512; i++)
        dst[i] = src[i];
    return root;
}

bool arch_space_current(uint64_t root)
{
    return this_cpu()->arch.cr3 == root;
}

void arch_space_switch(uint64_t root)
{
    struct arch_cpu *c = &this_cpu()->arch;
    if (c->cr3 != root) {
        write_cr3(root);
        c->cr3 = root;
    }
}

void arch_space_free(uint64_t root)
{
    if (arch_space_current(root))
        arch_space_switch(kernel_root);
    frame_free(&frame_allocator, root, 1);
}

static void flush(uint64_t root, uint64_t va)
{
    if (arch_space_current(root))
        invlpg(va);
}

int arch_user_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, unsigned rights,
                  const struct mmu_alloc *a)
{
    struct pt_ops ops = ops_for(a);
    if (size != PT_PAGE_4K && (size != PT_PAGE_2M || (rights & MMU_UNCACHED)))
        return MMU_EEXIST;      /* device memory is mapped in 4 KiB pages (PAT bit placement) */
    int rc = pt_map(&ops, root, va, pa, size, user_flags(rights));
    return rc == PT_OK ? MMU_OK : rc == PT_EEXIST ? MMU_EEXIST : MMU_ENOMEM;
}

uint64_t arch_user_unmap(uint64_t root, uint64_t va)
{
    struct pt_ops ops = ops_for(NULL);
    uint64_t size;
    if (pt_unmap(&ops, root, va, NULL, &size) != PT_OK)
        return 0;
    flush(root, va);
    return size;
}

uint64_t arch_user_protect(uint64_t root, uint64_t va, unsigned rights)
{
    struct pt_ops ops = ops_for(NULL);
    uint64_t pa, flags;
    if (pt_lookup(&ops, root, va, &pa, &flags) != PT_OK ||
        pt_protect(&ops, root, va, user_flags(rights)) != PT_OK)
        return 0;
    flush(root, va);
    return (flags & PTE_HUGE) ? PT_PAGE_2M : PT_PAGE_4K;
}

bool arch_user_lookup(uint64_t root, uint64_t va, bool writable, uint64_t *pa)
{
    struct pt_ops ops = ops_for(NULL);
    uint64_t flags;
    if (pt_lookup(&ops, root, va, pa, &flags) != PT_OK)
        return false;
    return (flags & PTE_USER) && (!writable || (flags & PTE_WRITE));
}

/* The cursor is (PML4 index << 18) | (PDPT index << 9) | PD index: the
 * next page directory entry to look at. Leaf tables (PTs) are freed as
 * their PD entries are passed, a PD once all its entries are, a PDPT once
 * all its PDs are. Each PD entry looked at or table freed is one unit. */
uint64_t arch_user_tables_free(uint64_t root, uint64_t *cursor, uint64_t budget, bool *done)
{
    if (arch_space_current(root))
        arch_space_switch(kernel_root);     /* its tables are about to go */
    uint64_t *pml4 = phys_to_virt(root);
    uint64_t freed = 0, work = 0;
    unsigned i = (unsigned)(*cursor >> 18), j = (unsigned)((*cursor >> 9) & 511), k = (unsigned)(*cursor & 511);
    *done = false;
    for (; i < USER_SLOTS; i++, j = 0, k = 0) {
        if (!(pml4[i] & PTE_PRESENT))
            continue;
        uint64_t *pdpt = phys_to_virt(pml4[i] & PTE_ADDR_MASK);
        for (; j < 512; j++, k = 0) {
            if (!(pdpt[j] & PTE_PRESENT) || (pdpt[j] & PTE_HUGE))
                continue;
            uint64_t *pd = phys_to_virt(pdpt[j] & PTE_ADDR_MASK);
            for (; k < 512; k++) {
                if (work++ >= budget) {
                    *cursor = ((uint64_t)i << 18) | ((uint64_t)j << 9) | k;
                    return freed;
                }
                if ((pd[k] & PTE_PRESENT) && !(pd[k] & PTE_HUGE)) {
                    frame_free(&frame_allocator, pd[k] & PTE_ADDR_MASK, 1);
                    freed++;
                }
                pd[k] = 0;
            }
            frame_free(&frame_allocator, pdpt[j] & PTE_ADDR_MASK, 1);
            freed++;
            pdpt[j] = 0;
        }
        frame_free(&frame_allocator, pml4[i] & PTE_ADDR_MASK, 1);
        freed++;
        pml4[i] = 0;
    }
    *cursor = (uint64_t)USER_SLOTS << 18;
    *done = true;
    return freed;
}

bool arch_kernel_map(uint64_t va, uint64_t pa, const struct mmu_alloc *a)
{
    struct pt_ops ops = ops_for(a);
    uint64_t nx = cpu_has_nx ? PTE_NX : 0;
    return pt_map(&ops, kernel_root, va, pa, PT_PAGE_4K, PTE_WRITE | PTE_GLOBAL | nx) == PT_OK;
}

uint64_t arch_kernel_unmap(uint64_t va)
{
    struct pt_ops ops = ops_for(NULL);
    uint64_t pa;
    if (pt_unmap(&ops, kernel_root, va, &pa, NULL) != PT_OK)
        return 0;
    invlpg(va);
    return pa;
}
