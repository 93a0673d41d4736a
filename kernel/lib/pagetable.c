/* x86-64 4-level page tables (see pagetable.h).
 *
 * Levels, from the root: PML4 (level 4), PDPT (3), PD (2), PT (1). Leaves
 * are PT entries (4 KiB) or PD entries with PTE_HUGE (2 MiB). A PDPT entry
 * with PTE_HUGE (1 GiB, made by someone else) is recognised as a leaf by
 * lookup/unmap/protect and refused by pt_map. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pagetable.h"

#define PT_ENTRIES     512u
#define PT_PAGE_1G     0x40000000ull
#define PT_MAX_PHYS    (1ull << 52)
#define PT_TABLE_FLAGS (PTE_PRESENT | PTE_WRITE)

/* Index of va in the table at the given level (1 = PT ... 4 = PML4). */
static unsigned table_index(uint64_t va, int level)
{
    return (unsigned)(va >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

bool pt_canonical(uint64_t va)
{
    uint64_t top = va >> 47;
    return top == 0 || top == 0x1ffff;
}

static bool flags_valid(uint64_t flags)
{
    return (flags & ~PT_FLAGS_ALLOWED) == 0;
}

/* Address of the table an intermediate entry points to. */
static uint64_t entry_table(uint64_t entry)
{
    return entry & PTE_ADDR_MASK;
}

/* Returns the table below entry *slot, creating it (zeroed, via alloc_table)
 * if the entry is empty. An existing entry gets the intermediate permissions
 * the new leaf needs. Sets *err to PT_ENOMEM or PT_EEXIST (a huge leaf is in
 * the way) and returns NULL on failure. */
static uint64_t *descend_or_create(const struct pt_ops *ops, uint64_t *slot, uint64_t leaf_flags,
                                   int *err)
{
    uint64_t wanted = PT_TABLE_FLAGS | (leaf_flags & PTE_USER);
    if (!(*slot & PTE_PRESENT)) {
        uint64_t table = ops->alloc_table(ops->ctx);
        if (table == 0) {
            *err = PT_ENOMEM;
            return NULL;
        }
        *slot = (table & PTE_ADDR_MASK) | wanted;
    } else if (*slot & PTE_HUGE) {
        *err = PT_EEXIST;
        return NULL;
    } else {
        *slot |= wanted;
    }
    return ops->table_ptr(ops->ctx, entry_table(*slot));
}

/* Finds the leaf entry mapping va. Returns a pointer to it and its page size
 * in *size_out, or NULL if some level is not present. */
static uint64_t *find_leaf(const struct pt_ops *ops, uint64_t root, uint64_t va,
                           uint64_t *size_out)
{
    uint64_t *table = ops->table_ptr(ops->ctx, root);
    for (int level = 4; level >= 1; level--) {
        uint64_t *slot = &table[table_index(va, level)];
        if (!(*slot & PTE_PRESENT))
            return NULL;
        if (level == 1 || ((level == 2 || level == 3) && (*slot & PTE_HUGE))) {
            *size_out = level == 1 ? PT_PAGE_4K : level == 2 ? PT_PAGE_2M : PT_PAGE_1G;
            return slot;
        }
        table = ops->table_ptr(ops->ctx, entry_table(*slot));
    }
    return NULL;
}

/* Physical base of the page a leaf entry maps. For a huge leaf, bit 12 is
 * the PAT bit, hence masking with the page size too. */
static uint64_t leaf_base(uint64_t entry, uint64_t size)
{
    return entry & PTE_ADDR_MASK & ~(size - 1);
}

/* Common argument checks for pt_map and pt_map_range. */
static bool map_args_valid(uint64_t root, uint64_t va, uint64_t pa, uint64_t align,
                           uint64_t flags)
{
    return (root & ~PTE_ADDR_MASK) == 0 && pt_canonical(va) && va % align == 0 &&
           pa % align == 0 && pa < PT_MAX_PHYS && flags_valid(flags);
}

int pt_map(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t pa,
           uint64_t page_size, uint64_t flags)
{
    if (page_size != PT_PAGE_4K && page_size != PT_PAGE_2M)
        return PT_EINVAL;
    if (!map_args_valid(root, va, pa, page_size, flags))
        return PT_EINVAL;

    int err = PT_OK;
    uint64_t *table = ops->table_ptr(ops->ctx, root);
    int leaf_level = page_size == PT_PAGE_2M ? 2 : 1;
    for (int level = 4; level > leaf_level; level--) {
        table = descend_or_create(ops, &table[table_index(va, level)], flags, &err);
        if (table == NULL)
            return err;
    }

    uint64_t *slot = &table[table_index(va, leaf_level)];
    if (*slot & PTE_PRESENT)
        return PT_EEXIST;   /* a page, a 2 MiB page, or (for 2 MiB) a page table */
    *slot = pa | flags | PTE_PRESENT | (leaf_level == 2 ? PTE_HUGE : 0);
    return PT_OK;
}

/* Validates the whole range up front (so EINVAL maps nothing), then maps
 * page by page. A 2 MiB chunk that cannot take a huge page because a page
 * table already exists there (EEXIST) is mapped with 4 KiB pages instead;
 * those in turn fail with EEXIST where something really is mapped. */
int pt_map_range(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t pa,
                 uint64_t size, uint64_t flags, bool allow_huge)
{
    if (!map_args_valid(root, va, pa, PT_PAGE_4K, flags) || size % PT_PAGE_4K != 0)
        return PT_EINVAL;
    if (size == 0)
        return PT_OK;
    uint64_t va_last = va + (size - 1);
    if (va_last < va || !pt_canonical(va_last) || (va_last >> 47) != (va >> 47))
        return PT_EINVAL;   /* wraps, or runs into the non-canonical hole */
    if (size > PT_MAX_PHYS - pa)
        return PT_EINVAL;

    while (size > 0) {
        uint64_t step = PT_PAGE_4K;
        int err = PT_EEXIST;
        if (allow_huge && va % PT_PAGE_2M == 0 && pa % PT_PAGE_2M == 0 && size >= PT_PAGE_2M) {
            step = PT_PAGE_2M;
            err = pt_map(ops, root, va, pa, PT_PAGE_2M, flags);
            if (err == PT_EEXIST)
                step = PT_PAGE_4K;   /* fall back; va is then unaligned until the chunk ends */
        }
        if (step == PT_PAGE_4K)
            err = pt_map(ops, root, va, pa, PT_PAGE_4K, flags);
        if (err != PT_OK)
            return err;
        va += step;
        pa += step;
        size -= step;
    }
    return PT_OK;
}

int pt_unmap(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t *pa_out,
             uint64_t *size_out)
{
    if (!pt_canonical(va) || (root & ~PTE_ADDR_MASK) != 0)
        return PT_EINVAL;
    uint64_t size;
    uint64_t *slot = find_leaf(ops, root, va, &size);
    if (slot == NULL)
        return PT_ENOENT;
    if (pa_out != NULL)
        *pa_out = leaf_base(*slot, size);
    if (size_out != NULL)
        *size_out = size;
    *slot = 0;
    return PT_OK;
}

int pt_lookup(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t *pa_out,
              uint64_t *flags_out)
{
    if (!pt_canonical(va) || (root & ~PTE_ADDR_MASK) != 0)
        return PT_EINVAL;
    uint64_t size;
    const uint64_t *slot = find_leaf(ops, root, va, &size);
    if (slot == NULL)
        return PT_ENOENT;
    if (pa_out != NULL)
        *pa_out = leaf_base(*slot, size) + (va & (size - 1));
    if (flags_out != NULL)
        *flags_out = *slot & ~PTE_ADDR_MASK;
    return PT_OK;
}

/* Replaces only the caller-controllable bits (PT_FLAGS_ALLOWED); the address,
 * PRESENT, HUGE/PAT, ACCESSED, DIRTY and software bits are kept. */
int pt_protect(const struct pt_ops *ops, uint64_t root, uint64_t va, uint64_t flags)
{
    if (!pt_canonical(va) || !flags_valid(flags) || (root & ~PTE_ADDR_MASK) != 0)
        return PT_EINVAL;
    uint64_t size;
    uint64_t *slot = find_leaf(ops, root, va, &size);
    if (slot == NULL)
        return PT_ENOENT;
    *slot = (*slot & ~PT_FLAGS_ALLOWED) | flags | PTE_PRESENT;
    return PT_OK;
}
