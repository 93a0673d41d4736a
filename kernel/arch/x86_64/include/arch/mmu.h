/* User address spaces as core code sees them: a root (the physical address
 * of the top-level table), pages mapped with capability rights (CAP_R_*),
 * page-table pages paid for through a callback. The page-table format, TLB
 * flushing and the shared kernel half are the architecture's. */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdbool.h>
#include <stdint.h>

/* Allocates a zeroed page-table page for a user address space and returns
 * its physical address, or 0 (the callee charges whoever pays). */
struct mmu_alloc {
    void *ctx;
    uint64_t (*alloc_table)(void *ctx);
};

/* A new address space sharing the kernel half; returns its root or 0. */
uint64_t arch_space_create(void);
/* Frees the root of an address space whose user tables are already gone. */
void arch_space_free(uint64_t root);
/* Makes root the address space in use (if it is not already). */
void arch_space_switch(uint64_t root);
/* True if root is the address space in use. */
bool arch_space_current(uint64_t root);

enum { MMU_OK = 0, MMU_ENOMEM = -1, MMU_EEXIST = -2, MMU_ENOENT = -3 };
/* Added to the CAP_R_* rights of arch_user_map/arch_user_protect: device
 * memory, mapped uncached. */
#define MMU_UNCACHED 0x100u

/* Page sizes arch_user_map takes: 4 KiB always; 2 MiB where va and pa are
 * 2 MiB-aligned (not for device memory, which is mapped in 4 KiB pages). */
#define MMU_PAGE_4K 0x1000ull
#define MMU_PAGE_2M 0x200000ull
/* Maps one page of size bytes at va (user range, aligned to size) to pa
 * with rights (CAP_R_READ required; CAP_R_WRITE, CAP_R_EXEC as given).
 * MMU_EEXIST if something is mapped there or (2 MiB) a page table is in
 * the way: the caller maps that chunk in 4 KiB pages instead. */
int arch_user_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, unsigned rights,
                  const struct mmu_alloc *a);
/* Unmaps the page at va (and flushes it from the TLB); returns its size
 * in bytes (4 KiB or 2 MiB), 0 if nothing was mapped there. */
uint64_t arch_user_unmap(uint64_t root, uint64_t va);
/* Changes the rights of the page at va (and flushes it); returns its size
 * in bytes, 0 if nothing was mapped there. */
uint64_t arch_user_protect(uint64_t root, uint64_t va, unsigned rights);
/* The physical address behind va if a user page is mapped there (and
 * writable, if asked); false otherwise. */
bool arch_user_lookup(uint64_t root, uint64_t va, bool writable, uint64_t *pa);

/* Frees the user page tables of a dead address space, at most budget
 * pages per call, resuming from *cursor (start at 0). Returns the number
 * of pages freed by this call; *done is set once nothing is left. Pages
 * must all be unmapped first. */
uint64_t arch_user_tables_free(uint64_t root, uint64_t *cursor, uint64_t budget, bool *done);

/* Kernel pages outside the direct map (the guarded kernel stack area):
 * maps pa at va read/write, not executable, not user; page tables it needs
 * come from a (and stay). False if one could not be allocated. */
bool arch_kernel_map(uint64_t va, uint64_t pa, const struct mmu_alloc *a);
/* Unmaps the kernel page at va, flushes it, returns its physical address (0 if none). */
uint64_t arch_kernel_unmap(uint64_t va);

#endif
