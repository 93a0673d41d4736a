/* Unit tests for kernel/lib/memmap.c: sanitising untrusted memory maps. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "memmap.h"
#include "suites.h"

#define TOP 0xfffffffffffff000ull

struct captured {
    int n;
    char line[64][256];
};

static void capture_report(void *ctx, const char *fmt, va_list ap)
{
    struct captured *c = ctx;
    if (c->n < 64)
        vsnprintf(c->line[c->n++], sizeof c->line[0], fmt, ap);
}

static bool saw(const struct captured *c, const char *needle)
{
    for (int i = 0; i < c->n; i++)
        if (strstr(c->line[i], needle) != NULL)
            return true;
    return false;
}

static struct captured cap;
static struct diag diag = { capture_report, &cap };

static void reset_capture(void)
{
    memset(&cap, 0, sizeof cap);
}

#define R(b, s, t) ((struct phys_region){ (b), (s), (t) })

static void assert_region(const struct phys_region *r, uint64_t base, uint64_t size, uint32_t type)
{
    ck_assert_uint_eq(r->base, base);
    ck_assert_uint_eq(r->size, size);
    ck_assert_uint_eq(r->type, type);
}

START_TEST(clean_map_is_unchanged_and_silent)
{
    reset_capture();
    struct phys_region map[8] = {
        R(0, 0x9fc00, PHYS_RAM), R(0x9fc00, 0x400, PHYS_RESERVED),
        R(0x100000, 0x7ff00000, PHYS_RAM), R(0xfec00000, 0x1000, PHYS_RESERVED),
    };
    ck_assert_uint_eq(memmap_sanitize(map, 4, 8, &diag), 4);
    assert_region(&map[0], 0, 0x9fc00, PHYS_RAM);
    assert_region(&map[1], 0x9fc00, 0x400, PHYS_RESERVED);
    assert_region(&map[2], 0x100000, 0x7ff00000, PHYS_RAM);
    assert_region(&map[3], 0xfec00000, 0x1000, PHYS_RESERVED);
    ck_assert_int_eq(cap.n, 0);
}
END_TEST

START_TEST(unsorted_entries_are_sorted)
{
    reset_capture();
    struct phys_region map[4] = {
        R(0x300000, 0x1000, PHYS_RAM), R(0x100000, 0x1000, PHYS_ACPI), R(0x200000, 0x1000, PHYS_RAM),
    };
    ck_assert_uint_eq(memmap_sanitize(map, 3, 4, &diag), 3);
    assert_region(&map[0], 0x100000, 0x1000, PHYS_ACPI);
    assert_region(&map[1], 0x200000, 0x1000, PHYS_RAM);
    assert_region(&map[2], 0x300000, 0x1000, PHYS_RAM);
    ck_assert_int_eq(cap.n, 0);
}
END_TEST

START_TEST(zero_size_entries_are_dropped_and_reported)
{
    reset_capture();
    struct phys_region map[4] = {
        R(0x1000, 0, PHYS_RESERVED), R(0x100000, 0x1000, PHYS_RAM), R(0x5000, 0, PHYS_RAM),
    };
    ck_assert_uint_eq(memmap_sanitize(map, 3, 4, &diag), 1);
    assert_region(&map[0], 0x100000, 0x1000, PHYS_RAM);
    ck_assert_int_eq(cap.n, 2);
    ck_assert(saw(&cap, "entry 0 at 0x1000 has size 0: dropped"));
    ck_assert(saw(&cap, "entry 2 at 0x5000 has size 0: dropped"));
}
END_TEST

START_TEST(wrapping_entry_is_clipped)
{
    reset_capture();
    struct phys_region map[4] = {
        R(0x100000, 0x1000, PHYS_RAM), R(0xfffffffff0000000ull, 0x20000000, PHYS_RESERVED),
        R(UINT64_MAX, 1, PHYS_RESERVED),
    };
    ck_assert_uint_eq(memmap_sanitize(map, 3, 4, &diag), 2);
    assert_region(&map[1], 0xfffffffff0000000ull, TOP - 0xfffffffff0000000ull, PHYS_RESERVED);
    ck_assert(saw(&cap, "entry 1 [0xfffffffff0000000, size 0x20000000) runs past the end"));
    ck_assert(saw(&cap, "clipped to end at 0xfffffffffffff000"));
    ck_assert(saw(&cap, "entry 2 at 0xffffffffffffffff starts above 0xfffffffffffff000: dropped"));
}
END_TEST

START_TEST(reserved_inside_ram_splits_ram)
{
    reset_capture();
    struct phys_region map[8] = {
        R(0, 0x10000, PHYS_RAM), R(0x4000, 0x1000, PHYS_RESERVED),
    };
    ck_assert_uint_eq(memmap_sanitize(map, 2, 8, &diag), 3);
    assert_region(&map[0], 0, 0x4000, PHYS_RAM);
    assert_region(&map[1], 0x4000, 0x1000, PHYS_RESERVED);
    assert_region(&map[2], 0x5000, 0xb000, PHYS_RAM);
    ck_assert_int_eq(cap.n, 1);
    ck_assert(saw(&cap, "[0x4000-0x5000) type 2 overlaps [0x0-0x10000) type 1, "
                        "giving [0x4000-0x5000) to type 2"));
}
END_TEST

START_TEST(non_ram_beats_ram_whatever_the_order)
{
    reset_capture();
    /* Reserved starts first and RAM overlaps its end: RAM loses the overlap. */
    struct phys_region map[8] = {
        R(0x2000, 0x4000, PHYS_RAM), R(0x1000, 0x2000, PHYS_UNUSABLE),
    };
    ck_assert_uint_eq(memmap_sanitize(map, 2, 8, &diag), 2);
    assert_region(&map[0], 0x1000, 0x2000, PHYS_UNUSABLE);
    assert_region(&map[1], 0x3000, 0x3000, PHYS_RAM);
    ck_assert(saw(&cap, "giving [0x2000-0x3000) to type 5"));
}
END_TEST

START_TEST(higher_type_wins_between_non_ram)
{
    reset_capture();
    struct phys_region map[8] = {
        R(0x1000, 0x2000, PHYS_ACPI), R(0x2000, 0x2000, PHYS_NVS),
    };
    ck_assert_uint_eq(memmap_sanitize(map, 2, 8, &diag), 2);
    assert_region(&map[0], 0x1000, 0x1000, PHYS_ACPI);
    assert_region(&map[1], 0x2000, 0x2000, PHYS_NVS);
    ck_assert(saw(&cap, "giving [0x2000-0x3000) to type 4"));
}
END_TEST

START_TEST(duplicates_and_adjacent_same_type_merge)
{
    reset_capture();
    struct phys_region map[8] = {
        R(0x1000, 0x1000, PHYS_RAM), R(0x1000, 0x1000, PHYS_RAM), R(0x2000, 0x3000, PHYS_RAM),
        R(0x5000, 0x1000, PHYS_RESERVED),
    };
    ck_assert_uint_eq(memmap_sanitize(map, 4, 8, &diag), 2);
    assert_region(&map[0], 0x1000, 0x4000, PHYS_RAM);
    assert_region(&map[1], 0x5000, 0x1000, PHYS_RESERVED);
    ck_assert_int_eq(cap.n, 1);  /* the duplicate overlap; merging is silent */
    ck_assert(saw(&cap, "overlaps"));
}
END_TEST

START_TEST(one_entry_covering_many)
{
    reset_capture();
    struct phys_region map[16] = {
        R(0x0, 0x100000, PHYS_RAM), R(0x10000, 0x1000, PHYS_RESERVED), R(0x20000, 0x1000, PHYS_ACPI),
        R(0x30000, 0x1000, PHYS_NVS), R(0x8000, 0x100, PHYS_RESERVED),
    };
    ck_assert_uint_eq(memmap_sanitize(map, 5, 16, &diag), 9);
    assert_region(&map[0], 0x0, 0x8000, PHYS_RAM);
    assert_region(&map[1], 0x8000, 0x100, PHYS_RESERVED);
    assert_region(&map[2], 0x8100, 0x10000 - 0x8100, PHYS_RAM);
    assert_region(&map[3], 0x10000, 0x1000, PHYS_RESERVED);
    assert_region(&map[5], 0x20000, 0x1000, PHYS_ACPI);
    assert_region(&map[7], 0x30000, 0x1000, PHYS_NVS);
    assert_region(&map[8], 0x31000, 0x100000 - 0x31000, PHYS_RAM);
    ck_assert_int_eq(cap.n, 4);
}
END_TEST

START_TEST(more_entries_than_cap_are_reported)
{
    reset_capture();
    struct phys_region map[4] = {
        R(0x1000, 0x1000, PHYS_RAM), R(0x3000, 0x1000, PHYS_RAM), R(0x5000, 0x1000, PHYS_RAM),
        R(0x7000, 0x1000, PHYS_RAM),
    };
    ck_assert_uint_eq(memmap_sanitize(map, 4, 2, &diag), 2);
    ck_assert(saw(&cap, "4 entries but room for 2: using the first 2"));
    assert_region(&map[0], 0x1000, 0x1000, PHYS_RAM);
    assert_region(&map[1], 0x3000, 0x1000, PHYS_RAM);
}
END_TEST

START_TEST(full_array_gives_up_ram_not_reserved)
{
    reset_capture();
    /* Splitting needs 5 entries but there are only 3 slots. */
    struct phys_region map[3] = {
        R(0x0, 0x10000, PHYS_RAM), R(0x2000, 0x1000, PHYS_RESERVED), R(0x8000, 0x1000, PHYS_ACPI),
    };
    unsigned n = memmap_sanitize(map, 3, 3, &diag);
    ck_assert_uint_le(n, 3);
    ck_assert(saw(&cap, "no room left"));
    /* Whatever survives, no byte of the reserved/ACPI ranges is RAM. */
    ck_assert(!memmap_range_is_ram(map, n, 0x2000, 1));
    ck_assert(!memmap_range_is_ram(map, n, 0x8000, 1));
    ck_assert(memmap_range_is_ram(map, n, 0x0, 0x2000));
}
END_TEST

/* Found by tests/fuzz/fuzz_memmap: with the array full and no RAM left to
 * give up, the unusable tail of a split was dropped while a later ACPI
 * entry inside it survived, so ACPI (direct-mapped by the kernel) was
 * claimed over memory the input called unusable. */
START_TEST(full_array_never_weakens_a_type)
{
    reset_capture();
    struct phys_region map[3] = {
        R(0x1000, 0x2000, PHYS_ACPI), R(0x2000, 0x4000, PHYS_UNUSABLE), R(0x4000, 0x1000, PHYS_ACPI),
    };
    unsigned n = memmap_sanitize(map, 3, 3, &diag);
    ck_assert(saw(&cap, "no room left after splitting entries, dropping type 3 [0x4000-0x5000)"));
    ck_assert_uint_eq(n, 2);
    assert_region(&map[0], 0x1000, 0x1000, PHYS_ACPI);
    assert_region(&map[1], 0x2000, 0x4000, PHYS_UNUSABLE);
}
END_TEST

START_TEST(null_diag_and_empty_input)
{
    struct phys_region map[2] = { R(0x1000, 0, PHYS_RAM), R(0x0, 0x1000, PHYS_RAM) };
    ck_assert_uint_eq(memmap_sanitize(map, 2, 2, NULL), 1);
    ck_assert_uint_eq(memmap_sanitize(map, 0, 2, NULL), 0);
    ck_assert_uint_eq(memmap_sanitize(NULL, 0, 0, NULL), 0);
}
END_TEST

/* Reference: the type a sanitized map must give the byte at addr
 * (0 = not described). */
static uint32_t expected_type(const struct phys_region *in, unsigned n, uint64_t addr)
{
    uint32_t t = 0;
    for (unsigned i = 0; i < n; i++) {
        if (in[i].size == 0 || addr < in[i].base || addr - in[i].base >= in[i].size)
            continue;
        uint32_t u = in[i].type;
        if (t == 0 || t == PHYS_RAM)
            t = u;                      /* anything beats nothing; RAM loses to all */
        else if (u != PHYS_RAM && u > t)
            t = u;
    }
    return t;
}

static uint32_t actual_type(const struct phys_region *map, unsigned n, uint64_t addr)
{
    for (unsigned i = 0; i < n; i++)
        if (addr >= map[i].base && addr - map[i].base < map[i].size)
            return map[i].type;
    return 0;
}

START_TEST(random_maps_match_reference)
{
    srand(12345);
    for (int round = 0; round < 2000; round++) {
        struct phys_region in[12], map[64];
        unsigned n = 1 + (unsigned)rand() % 12;
        for (unsigned i = 0; i < n; i++) {
            in[i].base = (uint64_t)(rand() % 32) * 0x1000;
            in[i].size = (uint64_t)(rand() % 10) * 0x1000;
            in[i].type = 1 + (unsigned)rand() % 5;
            in[i].type = in[i].type > 3 ? PHYS_RAM : in[i].type;  /* lots of RAM */
            map[i] = in[i];
        }
        unsigned cap_n = round % 2 ? 64 : n;  /* half the rounds with no spare room */
        unsigned out = memmap_sanitize(map, n, cap_n, NULL);
        ck_assert_uint_le(out, cap_n);
        for (unsigned i = 0; i < out; i++) {
            ck_assert_uint_gt(map[i].size, 0);
            if (i > 0) {
                uint64_t prev_end = map[i - 1].base + map[i - 1].size;
                ck_assert_uint_le(prev_end, map[i].base);
                ck_assert(prev_end != map[i].base || map[i - 1].type != map[i].type);
            }
        }
        for (uint64_t addr = 0; addr < 0x2a000; addr += 0x1000) {
            uint32_t want = expected_type(in, n, addr), got = actual_type(map, out, addr);
            if (cap_n == 64)
                ck_assert_msg(want == got, "round %d addr 0x%llx: want %u got %u", round,
                              (unsigned long long)addr, want, got);
            else if (got == PHYS_RAM)
                ck_assert_msg(want == PHYS_RAM, "round %d addr 0x%llx: RAM over type %u", round,
                              (unsigned long long)addr, want);
        }
    }
}
END_TEST

START_TEST(ram_totals)
{
    struct phys_region map[4] = {
        R(0, 0x9f000, PHYS_RAM), R(0xf0000, 0x10000, PHYS_RESERVED), R(0x100000, 0x100000, PHYS_RAM),
        R(0xfee00000, 0x1000, PHYS_RESERVED),
    };
    ck_assert_uint_eq(memmap_ram_bytes(map, 4), 0x9f000 + 0x100000);
    ck_assert_uint_eq(memmap_ram_end(map, 4), 0x200000);
    ck_assert_uint_eq(memmap_ram_bytes(map, 0), 0);
    ck_assert_uint_eq(memmap_ram_end(map + 1, 1), 0);
    struct phys_region huge[2] = { R(0, UINT64_MAX, PHYS_RAM), R(UINT64_MAX - 1, 5, PHYS_RAM) };
    ck_assert_uint_eq(memmap_ram_bytes(huge, 2), UINT64_MAX);  /* saturates */
    ck_assert_uint_eq(memmap_ram_end(huge, 2), UINT64_MAX);
}
END_TEST

START_TEST(range_is_ram_cases)
{
    struct phys_region map[4] = {
        R(0x1000, 0x1000, PHYS_RAM), R(0x2000, 0x2000, PHYS_RAM),  /* adjacent, unmerged */
        R(0x4000, 0x1000, PHYS_RESERVED), R(0x8000, 0x1000, PHYS_RAM),
    };
    ck_assert(memmap_range_is_ram(map, 4, 0x1000, 0x1000));
    ck_assert(memmap_range_is_ram(map, 4, 0x1800, 0x2800));   /* spans two entries, to the end */
    ck_assert(!memmap_range_is_ram(map, 4, 0x1800, 0x2801));  /* one byte into reserved */
    ck_assert(!memmap_range_is_ram(map, 4, 0x3000, 0x6000));  /* across a hole */
    ck_assert(!memmap_range_is_ram(map, 4, 0x0, 0x1001));     /* starts before RAM */
    ck_assert(!memmap_range_is_ram(map, 4, 0x1000, 0));       /* empty */
    ck_assert(!memmap_range_is_ram(map, 4, 0x8000, UINT64_MAX));  /* overflows */
    ck_assert(memmap_range_is_ram(map, 4, 0x8fff, 1));
    ck_assert(!memmap_range_is_ram(map, 0, 0x1000, 1));
}
END_TEST

Suite *memmap_suite(void)
{
    Suite *s = suite_create("memmap");
    TCase *tc = tcase_create("memmap");
    tcase_add_test(tc, clean_map_is_unchanged_and_silent);
    tcase_add_test(tc, unsorted_entries_are_sorted);
    tcase_add_test(tc, zero_size_entries_are_dropped_and_reported);
    tcase_add_test(tc, wrapping_entry_is_clipped);
    tcase_add_test(tc, reserved_inside_ram_splits_ram);
    tcase_add_test(tc, non_ram_beats_ram_whatever_the_order);
    tcase_add_test(tc, higher_type_wins_between_non_ram);
    tcase_add_test(tc, duplicates_and_adjacent_same_type_merge);
    tcase_add_test(tc, one_entry_covering_many);
    tcase_add_test(tc, more_entries_than_cap_are_reported);
    tcase_add_test(tc, full_array_gives_up_ram_not_reserved);
    tcase_add_test(tc, full_array_never_weakens_a_type);
    tcase_add_test(tc, null_diag_and_empty_input);
    tcase_add_test(tc, random_maps_match_reference);
    tcase_add_test(tc, ram_totals);
    tcase_add_test(tc, range_is_ram_cases);
    suite_add_tcase(s, tc);
    return s;
}
