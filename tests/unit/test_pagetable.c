/* Tests for kernel/lib/pagetable.c over fake physical memory: a pool of
 * 4 KiB tables whose "physical address" is FAKE_PHYS_BASE + index * 4 KiB. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pagetable.h"
#include "suites.h"

#define POOL_TABLES    64
#define FAKE_PHYS_BASE 0x7654000000ull
#define MiB            0x100000ull
#define GiB            0x40000000ull

struct fake_memory {
    _Alignas(4096) uint64_t table[POOL_TABLES][512];
    unsigned used;        /* tables handed out */
    unsigned limit;       /* alloc_table fails once used reaches this */
};

static struct fake_memory mem;
static struct pt_ops ops;
static uint64_t root;

static uint64_t fake_alloc_table(void *ctx)
{
    struct fake_memory *m = ctx;
    if (m->used >= m->limit)
        return 0;
    memset(m->table[m->used], 0, sizeof m->table[0]);
    return FAKE_PHYS_BASE + (uint64_t)m->used++ * 4096;
}

static uint64_t *fake_table_ptr(void *ctx, uint64_t paddr)
{
    struct fake_memory *m = ctx;
    ck_assert_uint_eq(paddr % 4096, 0);
    ck_assert_uint_ge(paddr, FAKE_PHYS_BASE);
    ck_assert_uint_lt((paddr - FAKE_PHYS_BASE) / 4096, m->used);
    return m->table[(paddr - FAKE_PHYS_BASE) / 4096];
}

static void setup(void)
{
    memset(&mem, 0xcc, sizeof mem);   /* garbage: tables must come zeroed from alloc */
    mem.used = 0;
    mem.limit = POOL_TABLES;
    ops = (struct pt_ops){ .ctx = &mem, .alloc_table = fake_alloc_table,
                           .table_ptr = fake_table_ptr };
    root = fake_alloc_table(&mem);
}

/* The entry at the given level (4 = PML4 ... 1 = PT) on va's walk. */
static uint64_t entry_at(uint64_t va, int level)
{
    uint64_t *table = fake_table_ptr(&mem, root);
    for (int l = 4; l > level; l--)
        table = fake_table_ptr(&mem, table[(va >> (12 + 9 * (l - 1))) & 511] & PTE_ADDR_MASK);
    return table[(va >> (12 + 9 * (level - 1))) & 511];
}

START_TEST(test_canonical)
{
    ck_assert(pt_canonical(0));
    ck_assert(pt_canonical(0x00007fffffffffffull));
    ck_assert(pt_canonical(0xffff800000000000ull));
    ck_assert(pt_canonical(0xffffffff80000000ull));
    ck_assert(pt_canonical(UINT64_MAX));
    ck_assert(!pt_canonical(0x0000800000000000ull));
    ck_assert(!pt_canonical(0xffff7fffffffffffull));
    ck_assert(!pt_canonical(0x8000000000000000ull));
    ck_assert(!pt_canonical(0x0001000000000000ull));
}
END_TEST

START_TEST(test_map_lookup_4k)
{
    uint64_t va = 0x0000123456789000ull, pa = 0xabcdef000ull;
    ck_assert_int_eq(pt_map(&ops, root, va, pa, PT_PAGE_4K, PTE_WRITE | PTE_NX), PT_OK);
    ck_assert_uint_eq(mem.used, 4);   /* root + PDPT + PD + PT */

    uint64_t got_pa, flags;
    ck_assert_int_eq(pt_lookup(&ops, root, va + 0x123, &got_pa, &flags), PT_OK);
    ck_assert_uint_eq(got_pa, pa + 0x123);
    ck_assert_uint_eq(flags, PTE_PRESENT | PTE_WRITE | PTE_NX);
    ck_assert_uint_eq(entry_at(va, 1), pa | PTE_PRESENT | PTE_WRITE | PTE_NX);
    for (int level = 4; level >= 2; level--)
        ck_assert_uint_eq(entry_at(va, level) & ~PTE_ADDR_MASK, PTE_PRESENT | PTE_WRITE);

    /* Neighbours are not mapped; NULL outputs are allowed. */
    ck_assert_int_eq(pt_lookup(&ops, root, va + 0x1000, NULL, NULL), PT_ENOENT);
    ck_assert_int_eq(pt_lookup(&ops, root, va - 1, NULL, NULL), PT_ENOENT);
    ck_assert_int_eq(pt_lookup(&ops, root, va, NULL, NULL), PT_OK);

    /* A second page in the same PT allocates nothing new. */
    ck_assert_int_eq(pt_map(&ops, root, va + 0x1000, pa, PT_PAGE_4K, 0), PT_OK);
    ck_assert_uint_eq(mem.used, 4);
    ck_assert_int_eq(pt_lookup(&ops, root, va + 0x1fff, &got_pa, &flags), PT_OK);
    ck_assert_uint_eq(got_pa, pa + 0xfff);
    ck_assert_uint_eq(flags, PTE_PRESENT);
}
END_TEST

START_TEST(test_map_high_half_and_max_pa)
{
    uint64_t va = 0xffffffff80200000ull;
    uint64_t max_pa = (1ull << 52) - PT_PAGE_2M;
    ck_assert_int_eq(pt_map(&ops, root, va, max_pa, PT_PAGE_2M, PTE_GLOBAL), PT_OK);
    uint64_t got_pa, flags;
    ck_assert_int_eq(pt_lookup(&ops, root, va + 0x1fffff, &got_pa, &flags), PT_OK);
    ck_assert_uint_eq(got_pa, max_pa + 0x1fffff);
    ck_assert_uint_eq(flags, PTE_PRESENT | PTE_HUGE | PTE_GLOBAL);
    ck_assert_int_eq(pt_map(&ops, root, va + PT_PAGE_2M, (1ull << 52) - 0x1000, PT_PAGE_4K, 0),
                     PT_OK);
}
END_TEST

START_TEST(test_map_2m_and_unmap)
{
    uint64_t va = 0x40000000ull, pa = 0x80000000ull;
    ck_assert_int_eq(pt_map(&ops, root, va, pa, PT_PAGE_2M, PTE_WRITE), PT_OK);
    ck_assert_uint_eq(mem.used, 3);   /* no PT for a 2 MiB page */
    ck_assert_uint_eq(entry_at(va, 2), pa | PTE_PRESENT | PTE_WRITE | PTE_HUGE);

    uint64_t got_pa, flags;
    ck_assert_int_eq(pt_lookup(&ops, root, va + 0x12345, &got_pa, &flags), PT_OK);
    ck_assert_uint_eq(got_pa, pa + 0x12345);
    ck_assert_uint_eq(flags, PTE_PRESENT | PTE_WRITE | PTE_HUGE);

    uint64_t size = 0;
    ck_assert_int_eq(pt_unmap(&ops, root, va + 0x1ff000, &got_pa, &size), PT_OK);
    ck_assert_uint_eq(got_pa, pa);
    ck_assert_uint_eq(size, PT_PAGE_2M);
    ck_assert_int_eq(pt_lookup(&ops, root, va, NULL, NULL), PT_ENOENT);
    ck_assert_int_eq(pt_unmap(&ops, root, va, NULL, NULL), PT_ENOENT);

    /* The slot is reusable, as 4 KiB pages too. */
    ck_assert_int_eq(pt_map(&ops, root, va + 0x5000, pa, PT_PAGE_4K, 0), PT_OK);
    ck_assert_int_eq(pt_unmap(&ops, root, va + 0x5fff, &got_pa, &size), PT_OK);
    ck_assert_uint_eq(got_pa, pa);
    ck_assert_uint_eq(size, PT_PAGE_4K);
    unsigned tables = mem.used;
    /* Intermediate tables are kept: remapping allocates nothing. */
    ck_assert_int_eq(pt_map(&ops, root, va + 0x5000, pa, PT_PAGE_4K, 0), PT_OK);
    ck_assert_uint_eq(mem.used, tables);
}
END_TEST

START_TEST(test_refuses_existing_mappings)
{
    uint64_t va4k = 0x200000000ull, va2m = 0x300000000ull;
    ck_assert_int_eq(pt_map(&ops, root, va4k, 0x1000, PT_PAGE_4K, 0), PT_OK);
    ck_assert_int_eq(pt_map(&ops, root, va2m, 0x400000, PT_PAGE_2M, 0), PT_OK);

    ck_assert_int_eq(pt_map(&ops, root, va4k, 0x2000, PT_PAGE_4K, 0), PT_EEXIST);
    ck_assert_int_eq(pt_map(&ops, root, va2m, 0x600000, PT_PAGE_2M, 0), PT_EEXIST);
    /* 4 KiB inside an existing 2 MiB page. */
    ck_assert_int_eq(pt_map(&ops, root, va2m + 0x7000, 0x2000, PT_PAGE_4K, 0), PT_EEXIST);
    /* 2 MiB where a page table exists (even one whose other slots are empty). */
    ck_assert_int_eq(pt_map(&ops, root, va4k, 0x600000, PT_PAGE_2M, 0), PT_EEXIST);
    uint64_t pa;
    ck_assert_int_eq(pt_unmap(&ops, root, va4k, &pa, NULL), PT_OK);
    ck_assert_int_eq(pt_map(&ops, root, va4k, 0x600000, PT_PAGE_2M, 0), PT_EEXIST);

    /* The originals are intact. */
    ck_assert_int_eq(pt_lookup(&ops, root, va2m + 0x7000, &pa, NULL), PT_OK);
    ck_assert_uint_eq(pa, 0x407000);
    ck_assert_uint_eq(entry_at(va2m, 2), 0x400000 | PTE_PRESENT | PTE_HUGE);
}
END_TEST

START_TEST(test_foreign_1g_page)
{
    /* A 1 GiB leaf made by someone else (e.g. boot code) in the PDPT. */
    uint64_t va = 5 * GiB;
    ck_assert_int_eq(pt_map(&ops, root, 6 * GiB, 0x1000, PT_PAGE_4K, 0), PT_OK);
    uint64_t *pdpt = fake_table_ptr(&mem, entry_at(va, 4) & PTE_ADDR_MASK);
    pdpt[5] = 2 * GiB | PTE_PRESENT | PTE_WRITE | PTE_HUGE;

    ck_assert_int_eq(pt_map(&ops, root, va + 0x3000, 0x1000, PT_PAGE_4K, 0), PT_EEXIST);
    ck_assert_int_eq(pt_map(&ops, root, va + 2 * MiB, 0, PT_PAGE_2M, 0), PT_EEXIST);
    uint64_t pa, size;
    ck_assert_int_eq(pt_lookup(&ops, root, va + 0x12345678, &pa, NULL), PT_OK);
    ck_assert_uint_eq(pa, 2 * GiB + 0x12345678);
    ck_assert_int_eq(pt_protect(&ops, root, va, PTE_NX), PT_OK);
    ck_assert_uint_eq(pdpt[5], 2 * GiB | PTE_PRESENT | PTE_HUGE | PTE_NX);
    ck_assert_int_eq(pt_unmap(&ops, root, va + 0x1000, &pa, &size), PT_OK);
    ck_assert_uint_eq(pa, 2 * GiB);
    ck_assert_uint_eq(size, GiB);
    ck_assert_uint_eq(pdpt[5], 0);
}
END_TEST

START_TEST(test_invalid_arguments)
{
    static const struct {
        uint64_t va, pa, size, flags;
    } bad[] = {
        { 0x0000800000000000ull, 0, PT_PAGE_4K, 0 },          /* non-canonical */
        { 0xffff000000000000ull, 0, PT_PAGE_4K, 0 },
        { 0x1800, 0, PT_PAGE_4K, 0 },                         /* va misaligned */
        { 0x1000, 0x10, PT_PAGE_4K, 0 },                      /* pa misaligned */
        { 0x201000, 0x200000, PT_PAGE_2M, 0 },
        { 0x200000, 0x201000, PT_PAGE_2M, 0 },
        { 0x1000, 1ull << 52, PT_PAGE_4K, 0 },                /* pa above 52 bits */
        { 0x200000, 1ull << 52, PT_PAGE_2M, 0 },
        { 0x1000, 1ull << 63, PT_PAGE_4K, 0 },
        { 0x1000, 0x1000, 0x2000, 0 },                        /* bad size */
        { 0x1000, 0x1000, 0, 0 },
        { 0, 0, GiB, 0 },
        { 0x1000, 0x1000, PT_PAGE_4K, PTE_PRESENT },          /* flags outside the allowed set */
        { 0x1000, 0x1000, PT_PAGE_4K, PTE_HUGE },
        { 0x1000, 0x1000, PT_PAGE_4K, PTE_ACCESSED },
        { 0x1000, 0x1000, PT_PAGE_4K, 1ull << 12 },
        { 0x1000, 0x1000, PT_PAGE_4K, 1ull << 52 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(pt_map(&ops, root, bad[i].va, bad[i].pa, bad[i].size, bad[i].flags) ==
                          PT_EINVAL, "case %zu accepted", i);
    ck_assert_int_eq(pt_map(&ops, root + 8, 0x1000, 0x1000, PT_PAGE_4K, 0), PT_EINVAL);
    ck_assert_uint_eq(mem.used, 1);   /* nothing was allocated */

    ck_assert_int_eq(pt_lookup(&ops, root, 0x0000800000000000ull, NULL, NULL), PT_EINVAL);
    ck_assert_int_eq(pt_unmap(&ops, root, 0x0000800000000000ull, NULL, NULL), PT_EINVAL);
    ck_assert_int_eq(pt_protect(&ops, root, 0x0000800000000000ull, 0), PT_EINVAL);
    ck_assert_int_eq(pt_map(&ops, root, 0x1000, 0x1000, PT_PAGE_4K, 0), PT_OK);
    ck_assert_int_eq(pt_protect(&ops, root, 0x1000, PTE_DIRTY), PT_EINVAL);
    ck_assert_int_eq(pt_protect(&ops, root, 0x1000, PTE_PRESENT | PTE_WRITE), PT_EINVAL);
    ck_assert_uint_eq(entry_at(0x1000, 1), 0x1000 | PTE_PRESENT);
}
END_TEST

START_TEST(test_out_of_table_memory)
{
    mem.limit = 1;   /* only the root */
    ck_assert_int_eq(pt_map(&ops, root, 0x1000, 0x1000, PT_PAGE_4K, 0), PT_ENOMEM);
    mem.limit = 3;   /* PDPT and PD, but no PT */
    ck_assert_int_eq(pt_map(&ops, root, 0x1000, 0x1000, PT_PAGE_4K, 0), PT_ENOMEM);
    ck_assert_int_eq(pt_lookup(&ops, root, 0x1000, NULL, NULL), PT_ENOENT);
    /* A 2 MiB page needs no PT, so it fits. */
    ck_assert_int_eq(pt_map(&ops, root, 0x400000, 0x400000, PT_PAGE_2M, 0), PT_OK);
    mem.limit = 4;
    ck_assert_int_eq(pt_map(&ops, root, 0x1000, 0x1000, PT_PAGE_4K, 0), PT_OK);
    ck_assert_uint_eq(mem.used, 4);
    ck_assert_int_eq(pt_map(&ops, root, 1ull << 39, 0x1000, PT_PAGE_4K, 0), PT_ENOMEM);
    ck_assert_int_eq(pt_lookup(&ops, root, 0x1000, NULL, NULL), PT_OK);
}
END_TEST

START_TEST(test_user_intermediates)
{
    uint64_t kernel_va = 0x10000000ull, user_va = 0x10001000ull, other_va = 0x7f0000000000ull;
    ck_assert_int_eq(pt_map(&ops, root, kernel_va, 0x5000, PT_PAGE_4K, PTE_WRITE), PT_OK);
    for (int level = 4; level >= 2; level--)
        ck_assert_uint_eq(entry_at(kernel_va, level) & PTE_USER, 0);
    /* A user page under the same tables makes the path user-accessible. */
    ck_assert_int_eq(pt_map(&ops, root, user_va, 0x6000, PT_PAGE_4K, PTE_USER), PT_OK);
    for (int level = 4; level >= 2; level--)
        ck_assert_uint_eq(entry_at(user_va, level) & ~PTE_ADDR_MASK,
                          PTE_PRESENT | PTE_WRITE | PTE_USER);
    ck_assert_uint_eq(entry_at(kernel_va, 1) & PTE_USER, 0);   /* leaf still kernel-only */
    ck_assert_uint_eq(entry_at(user_va, 1), 0x6000 | PTE_PRESENT | PTE_USER);
    ck_assert_int_eq(pt_map(&ops, root, other_va, 0, PT_PAGE_2M, PTE_USER | PTE_NX), PT_OK);
    for (int level = 4; level >= 3; level--)
        ck_assert_uint_eq(entry_at(other_va, level) & ~PTE_ADDR_MASK,
                          PTE_PRESENT | PTE_WRITE | PTE_USER);
}
END_TEST

START_TEST(test_protect)
{
    uint64_t va = 0x12345000ull, huge_va = 0x40000000ull;
    ck_assert_int_eq(pt_map(&ops, root, va, 0x9000, PT_PAGE_4K, PTE_WRITE | PTE_USER), PT_OK);
    ck_assert_int_eq(pt_map(&ops, root, huge_va, 0x600000, PT_PAGE_2M, PTE_WRITE), PT_OK);
    uint64_t *pt = fake_table_ptr(&mem, entry_at(va, 2) & PTE_ADDR_MASK);
    pt[(va >> 12) & 511] |= PTE_ACCESSED | PTE_DIRTY | (1ull << 9);   /* set by the CPU / software */

    ck_assert_int_eq(pt_protect(&ops, root, va + 0x10, PTE_NX | PTE_PCD), PT_OK);
    ck_assert_uint_eq(entry_at(va, 1),
                      0x9000 | PTE_PRESENT | PTE_NX | PTE_PCD | PTE_ACCESSED | PTE_DIRTY | (1ull << 9));
    ck_assert_int_eq(pt_protect(&ops, root, huge_va + 0x1fffff, PTE_GLOBAL), PT_OK);
    uint64_t pa, flags;
    ck_assert_int_eq(pt_lookup(&ops, root, huge_va + 0x100, &pa, &flags), PT_OK);
    ck_assert_uint_eq(pa, 0x600100);
    ck_assert_uint_eq(flags, PTE_PRESENT | PTE_HUGE | PTE_GLOBAL);
    /* Bit 12 of a 2 MiB leaf is the PAT bit, not part of the address. */
    uint64_t *pd = fake_table_ptr(&mem, entry_at(huge_va, 3) & PTE_ADDR_MASK);
    pd[(huge_va >> 21) & 511] |= 1ull << 12;
    ck_assert_int_eq(pt_lookup(&ops, root, huge_va + 0x1234, &pa, &flags), PT_OK);
    ck_assert_uint_eq(pa, 0x601234);
    ck_assert_int_eq(pt_protect(&ops, root, huge_va, PTE_WRITE), PT_OK);
    ck_assert_uint_eq(entry_at(huge_va, 2), 0x600000 | (1ull << 12) | PTE_PRESENT | PTE_HUGE | PTE_WRITE);
    uint64_t size;
    ck_assert_int_eq(pt_unmap(&ops, root, huge_va, &pa, &size), PT_OK);
    ck_assert_uint_eq(pa, 0x600000);
    ck_assert_uint_eq(size, PT_PAGE_2M);
    ck_assert_int_eq(pt_protect(&ops, root, huge_va + PT_PAGE_2M, 0), PT_ENOENT);
    ck_assert_int_eq(pt_protect(&ops, root, 0x7000000000ull, 0), PT_ENOENT);
}
END_TEST

/* Page sizes the range mapper chose, recovered by unmapping page by page. */
static unsigned count_pages(uint64_t va, uint64_t size, uint64_t pa, unsigned *huge)
{
    unsigned pages = 0;
    *huge = 0;
    for (uint64_t off = 0; off < size;) {
        uint64_t got_pa, got_size;
        ck_assert_int_eq(pt_unmap(&ops, root, va + off, &got_pa, &got_size), PT_OK);
        ck_assert_uint_eq(got_pa, pa + off);
        *huge += got_size == PT_PAGE_2M;
        pages++;
        off += got_size;
    }
    return pages;
}

START_TEST(test_map_range)
{
    unsigned huge;
    /* 2 MiB pages where aligned: 4K head, one 2M, 4K tail. */
    uint64_t va = 0x200000 - 0x3000, pa = 0x10200000 - 0x3000, size = 0x3000 + PT_PAGE_2M + 0x2000;
    ck_assert_int_eq(pt_map_range(&ops, root, va, pa, size, PTE_WRITE, true), PT_OK);
    ck_assert_uint_eq(count_pages(va, size, pa, &huge), 3 + 1 + 2);
    ck_assert_uint_eq(huge, 1);
    /* Without allow_huge, or with va and pa differently aligned: all 4K. */
    ck_assert_int_eq(pt_map_range(&ops, root, va, pa, size, 0, false), PT_OK);
    ck_assert_uint_eq(count_pages(va, size, pa, &huge), 3 + 512 + 2);
    ck_assert_uint_eq(huge, 0);
    ck_assert_int_eq(pt_map_range(&ops, root, va, pa + 0x1000, size, 0, true), PT_OK);
    ck_assert_uint_eq(count_pages(va, size, pa + 0x1000, &huge), 3 + 512 + 2);
    ck_assert_uint_eq(huge, 0);
    /* A 2 MiB chunk over an emptied page table falls back to 4K pages. */
    uint64_t chunk = 0x40000000;
    ck_assert_int_eq(pt_map(&ops, root, chunk + 0x1000, 0, PT_PAGE_4K, 0), PT_OK);
    ck_assert_int_eq(pt_unmap(&ops, root, chunk + 0x1000, NULL, NULL), PT_OK);
    ck_assert_int_eq(pt_map_range(&ops, root, chunk, 0x400000, 2 * PT_PAGE_2M, 0, true), PT_OK);
    ck_assert_uint_eq(count_pages(chunk, 2 * PT_PAGE_2M, 0x400000, &huge), 512 + 1);
    ck_assert_uint_eq(huge, 1);
    ck_assert_int_eq(pt_map_range(&ops, root, 0, 0, 0, 0, true), PT_OK);   /* empty */
}
END_TEST

START_TEST(test_map_range_errors)
{
    /* Stops at an existing mapping; pages before it stay mapped. */
    ck_assert_int_eq(pt_map(&ops, root, 0x5000, 0x99000, PT_PAGE_4K, 0), PT_OK);
    ck_assert_int_eq(pt_map_range(&ops, root, 0x1000, 0x1000, 0x8000, 0, true), PT_EEXIST);
    for (uint64_t va = 0x1000; va < 0x5000; va += 0x1000)
        ck_assert_int_eq(pt_lookup(&ops, root, va, NULL, NULL), PT_OK);
    uint64_t pa;
    ck_assert_int_eq(pt_lookup(&ops, root, 0x5000, &pa, NULL), PT_OK);
    ck_assert_uint_eq(pa, 0x99000);
    ck_assert_int_eq(pt_lookup(&ops, root, 0x6000, NULL, NULL), PT_ENOENT);
    /* Fallback into a 2 MiB chunk with something mapped still reports it. */
    ck_assert_int_eq(pt_map_range(&ops, root, 0, 0x800000, PT_PAGE_2M, 0, true), PT_EEXIST);
    /* Running out of tables midway. */
    mem.limit = mem.used + 1;
    ck_assert_int_eq(pt_map_range(&ops, root, 0x40000000, 0, 0x1000, 0, true), PT_ENOMEM);

    /* Invalid arguments map nothing. */
    unsigned used = mem.used;
    ck_assert_int_eq(pt_map_range(&ops, root, 0x10000, 0, 0x1800, 0, true), PT_EINVAL);
    ck_assert_int_eq(pt_map_range(&ops, root, 0x10800, 0, 0x1000, 0, true), PT_EINVAL);
    ck_assert_int_eq(pt_map_range(&ops, root, 0x10000, 0x800, 0x1000, 0, true), PT_EINVAL);
    ck_assert_int_eq(pt_map_range(&ops, root, 0x10000, 0, 0x1000, PTE_PRESENT, true), PT_EINVAL);
    ck_assert_int_eq(pt_map_range(&ops, root, 0x00007ffffffff000ull, 0, 0x2000, 0, true),
                     PT_EINVAL);   /* into the hole */
    ck_assert_int_eq(pt_map_range(&ops, root, 0xfffffffffffff000ull, 0, 0x2000, 0, true),
                     PT_EINVAL);   /* wraps */
    ck_assert_int_eq(pt_map_range(&ops, root, 0x10000, (1ull << 52) - 0x1000, 0x2000, 0, true),
                     PT_EINVAL);   /* pa past 52 bits */
    ck_assert_uint_eq(mem.used, used);
    ck_assert_int_eq(pt_lookup(&ops, root, 0x10000, NULL, NULL), PT_ENOENT);
}
END_TEST

Suite *pagetable_suite(void)
{
    Suite *s = suite_create("pagetable");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_canonical);
    tcase_add_test(tc, test_map_lookup_4k);
    tcase_add_test(tc, test_map_high_half_and_max_pa);
    tcase_add_test(tc, test_map_2m_and_unmap);
    tcase_add_test(tc, test_refuses_existing_mappings);
    tcase_add_test(tc, test_foreign_1g_page);
    tcase_add_test(tc, test_invalid_arguments);
    tcase_add_test(tc, test_out_of_table_memory);
    tcase_add_test(tc, test_user_intermediates);
    tcase_add_test(tc, test_protect);
    tcase_add_test(tc, test_map_range);
    tcase_add_test(tc, test_map_range_errors);
    suite_add_tcase(s, tc);
    return s;
}
