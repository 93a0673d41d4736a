/* x86-64 4-level page-table manipulation (kernel/lib/pagetable.c).
 *
 * Pure code: tables are reached through callbacks (allocate a zeroed table
 * frame, physical-to-virtual), so the same code edits the kernel's tables,
 * user address spaces later, and fake tables in host unit tests. It never
 * flushes the TLB: the caller does (invlpg / CR3 reload) after a change to a
 * live address space. */
#ifndef PAGETABLE_H
#define PAGETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PTE_PRESENT   (1ull << 0)
#define PTE_WRITE     (1ull << 1)
#define PTE_USER      (1ull << 2)
#define PTE_PWT       (1ull << 3)
#define PTE_PCD       (1ull << 4)
#define PTE_ACCESSED  (1ull << 5)
#define PTE_DIRTY     (1ull << 6)
#define PTE_HUGE      (1ull << 7)   /* PS bit: 2 MiB page in a PD entry */
#define PTE_GLOBAL    (1ull << 8)
#define PTE_NX        (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Flags a caller may pass to pt_map / pt_protect. */
#define PT_FLAGS_ALLOWED (PTE_WRITE | PTE_USER | PTE_PWT | PTE_PCD | PTE_GLOBAL | PTE_NX)

#define PT_PAGE_4K  0x1000ull
#define PT_PAGE_2M  0x200000ull

enum pt_error {
    PT_OK = 0,
    PT_EINVAL = -1,   /* misaligned or non-canonical address, bad size or flags */
    PT_ENOMEM = -2,   /* a table frame could not be allocated */
    PT_EEXIST = -3,   /* something is already mapped there (or a 2 MiB page covers it) */
    PT_ENOENT = -4,   /* nothing mapped there */
};

struct pt_ops {
    void *ctx;
    /* Returns the physical address of a zero-filled 4 KiB frame, or 0. */
    uint64_t (*alloc_table)(void *ctx);
    /* Returns a pointer through which the 4 KiB table at paddr can be used. */
    uint64_t *(*table_ptr)(void *ctx, uint64_t paddr);
};

/* True if va is canonical (bits 63..47 all equal). */
bool pt_canonical(uint64_t va);

/* Maps [va, va + page_size) to pa with flags (PTE_PRESENT is implied).
 * page_size is PT_PAGE_4K or PT_PAGE_2M; va and pa must be aligned to it.
 * Intermediate tables are created as needed with PRESENT|WRITE, plus USER
 * when flags has PTE_USER (permissions are enforced at the leaf). */
int pt_map(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t pa,
           uint64_t page_size, uint64_t flags);

/* Maps a range with 4 KiB pages, or with 2 MiB pages where va, pa and the
 * remaining length allow (when allow_huge). Stops at the first error and
 * returns it; pages already mapped by this call stay mapped. */
int pt_map_range(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t pa,
                 uint64_t size, uint64_t flags, bool allow_huge);

/* Removes the mapping of the page containing va; *pa_out (if non-NULL)
 * receives its physical address and *size_out its size. Intermediate tables
 * are kept. */
int pt_unmap(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t *pa_out,
             uint64_t *size_out);

/* Translates va. On success *pa_out is the physical address of va itself
 * (page base + offset) and *flags_out the leaf entry's flag bits. */
int pt_lookup(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t *pa_out,
              uint64_t *flags_out);

/* Replaces the permission flags of the page containing va (address kept). */
int pt_protect(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t flags);

#endif
