/* Unit tests for kernel/lib/devwin.c: the device-memory windows init may
 * hand out. Besides the exact results, every test checks the safety
 * properties of the output: sorted, disjoint, page-aligned, inside
 * [lo, hi), no page of a memory entry (RAM, ACPI, NVS, PMEM) ever, no page
 * of any other map entry unless an allowed range covers it, no excluded
 * page. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "devwin.h"
#include "suites.h"

#define K 4096ull
#define MiB (1ull << 20)
#define GiB (1ull << 30)

struct in {
    struct phys_region map[200];
    unsigned n;
    struct devwin allow[8], exclude[8];
    unsigned nallow, nexclude;
    uint64_t lo, hi;
};

static uint64_t end_of(uint64_t base, uint64_t size)
{
    return base + size < base ? UINT64_MAX : base + size;
}

static bool overlaps(uint64_t b1, uint64_t e1, uint64_t b2, uint64_t e2)
{
    return b1 < e1 && b2 < e2 && b1 < e2 && b2 < e1;
}

static bool is_memory(uint32_t t)
{
    return t == PHYS_RAM || t == PHYS_ACPI || t == PHYS_NVS || t == PHYS_PMEM;
}

/* Is [b, e) (page-aligned) inside one allowed range, rounded inward? */
static bool allowed(const struct in *in, uint64_t b, uint64_t e)
{
    for (unsigned i = 0; i < in->nallow; i++) {
        uint64_t ab = in->allow[i].base, ae = in->allow[i].base + in->allow[i].size;
        if (ae < ab)
            continue;
        if (b >= ab && e <= ae)
            return true;
    }
    return false;
}

/* Runs devwin_compute and checks the invariants page by page where the
 * windows are small, range by range otherwise; returns the count. */
static unsigned run(const struct in *in, struct devwin *out, unsigned cap)
{
    struct devwin buf[DEVWIN_WORK_MAX + 2];
    ck_assert_uint_le(cap, DEVWIN_WORK_MAX);
    memset(buf, 0xa5, sizeof buf);
    unsigned n = devwin_compute(in->map, in->n, in->allow, in->nallow, in->exclude, in->nexclude, in->lo,
                                in->hi, buf, cap);
    ck_assert_uint_le(n, cap);
    CHECK_EQ(buf[cap].base, 0xa5a5a5a5a5a5a5a5ull);      /* nothing written past cap */
    for (unsigned i = 0; i < n; i++) {
        uint64_t b = buf[i].base, e = b + buf[i].size;
        CHECK(buf[i].size != 0);
        CHECK(e > b);
        CHECK_EQ(b % K, 0);
        CHECK_EQ(buf[i].size % K, 0);
        CHECK(b >= in->lo && e <= in->hi);
        if (i)
            CHECK(buf[i - 1].base + buf[i - 1].size < b);  /* sorted, disjoint, merged */
        for (unsigned j = 0; j < in->n; j++) {
            uint64_t mb = in->map[j].base & ~(K - 1), me = end_of(in->map[j].base, in->map[j].size);
            if (in->map[j].size == 0)
                continue;
            if (!overlaps(b, e, mb, me))
                continue;
            CHECK(!is_memory(in->map[j].type));
            /* The overlapping part must lie in an allowed range. */
            uint64_t ob = b > mb ? b : mb, oe = e < me ? e : me;
            ob &= ~(K - 1);
            oe = (oe + K - 1) & ~(K - 1);
            CHECK(allowed(in, ob, oe));
        }
        for (unsigned j = 0; j < in->nexclude; j++) {
            uint64_t xb = in->exclude[j].base & ~(K - 1);
            uint64_t xe = end_of(in->exclude[j].base, in->exclude[j].size);
            CHECK(!overlaps(b, e, xb, xe));
        }
    }
    memcpy(out, buf, n * sizeof *out);
    return n;
}

static void map_add(struct in *in, uint64_t base, uint64_t size, uint32_t type)
{
    ck_assert_uint_lt(in->n, sizeof in->map / sizeof in->map[0]);
    in->map[in->n++] = (struct phys_region){ base, size, type };
}

#define WIN(i, b, e)                                                                      \
    do {                                                                                   \
        CHECK_EQ(out[i].base, (b));                                                        \
        CHECK_EQ(out[i].base + out[i].size, (e));                                          \
    } while (0)

START_TEST(holes_between_map_entries)
{
    /* A q35-like map: low RAM, BIOS, RAM to 2 GiB, ECAM reserved, the
     * firmware at the top of 4 GiB, RAM above 4 GiB. */
    struct in in = { .lo = MiB, .hi = 64 * GiB };
    map_add(&in, 0, 0x9fc00, PHYS_RAM);
    map_add(&in, 0xf0000, 0x10000, PHYS_RESERVED);
    map_add(&in, MiB, 2 * GiB - MiB, PHYS_RAM);
    map_add(&in, 0xb0000000, 0x10000000, PHYS_RESERVED);
    map_add(&in, 0xfffc0000, 0x40000, PHYS_RESERVED);
    map_add(&in, 4 * GiB, 3 * GiB, PHYS_RAM);
    struct devwin out[16];
    unsigned n = run(&in, out, 16);
    ck_assert_uint_eq(n, 3);
    WIN(0, 2 * GiB, 0xb0000000);
    WIN(1, 0xc0000000, 0xfffc0000);
    WIN(2, 7 * GiB, 64 * GiB);
}
END_TEST

START_TEST(ecam_readded_only_where_not_memory)
{
    struct in in = { .lo = MiB, .hi = 8 * GiB };
    map_add(&in, MiB, 2 * GiB - MiB, PHYS_RAM);
    map_add(&in, 0xb0000000, 0x10000000, PHYS_RESERVED);      /* the ECAM, firmware-reserved */
    map_add(&in, 0xbff00000, 0x10000, PHYS_ACPI);             /* (odd) ACPI data inside it */
    map_add(&in, 4 * GiB, 4 * GiB, PHYS_RAM);
    in.allow[in.nallow++] = (struct devwin){ 0xb0000000, 0x10000000 };
    in.allow[in.nallow++] = (struct devwin){ GiB, 0x100000 };     /* over RAM: never */
    in.allow[in.nallow++] = (struct devwin){ 5 * GiB, 0x100000 }; /* over RAM: never */
    struct devwin out[16];
    unsigned n = run(&in, out, 16);
    ck_assert_uint_eq(n, 2);
    /* The ECAM joins the hole above it, except for the ACPI page. */
    WIN(0, 2 * GiB, 0xbff00000);
    WIN(1, 0xbff10000, 4 * GiB);

    /* Without the allow list the ECAM stays out. */
    in.nallow = 0;
    n = run(&in, out, 16);
    ck_assert_uint_eq(n, 2);
    WIN(0, 2 * GiB, 0xb0000000);
    WIN(1, 0xc0000000, 4 * GiB);

    /* An allowed range outside [lo, hi) is clipped; one that wraps is dropped. */
    in.lo = 0xb0800000;
    in.allow[in.nallow++] = (struct devwin){ 0xb0000000, 0x10000000 };
    in.allow[in.nallow++] = (struct devwin){ 0xfffffffffff00000ull, 0x200000 };
    n = run(&in, out, 16);
    ck_assert_uint_eq(n, 2);
    WIN(0, 0xb0800000, 0xbff00000);
    WIN(1, 0xbff10000, 4 * GiB);
}
END_TEST

START_TEST(exclusions_split_windows)
{
    struct in in = { .lo = MiB, .hi = 4 * GiB };
    map_add(&in, 0, 3 * GiB, PHYS_RAM);
    in.exclude[in.nexclude++] = (struct devwin){ 0xfee00000, K };         /* local APIC */
    in.exclude[in.nexclude++] = (struct devwin){ 0xfec00000, K };         /* I/O APIC */
    in.exclude[in.nexclude++] = (struct devwin){ 0xfec10000 + 8, 16 };    /* unaligned: whole page goes */
    struct devwin out[16];
    unsigned n = run(&in, out, 16);
    ck_assert_uint_eq(n, 4);
    WIN(0, 3 * GiB, 0xfec00000);
    WIN(1, 0xfec01000, 0xfec10000);
    WIN(2, 0xfec11000, 0xfee00000);
    WIN(3, 0xfee01000, 4 * GiB);

    /* An exclusion that wraps removes everything above its base. */
    in.exclude[0] = (struct devwin){ 0xf0000000, UINT64_MAX };
    n = run(&in, out, 16);
    ck_assert_uint_eq(n, 1);
    WIN(0, 3 * GiB, 0xf0000000);
}
END_TEST

START_TEST(page_rounding_toward_safety)
{
    /* Unaligned RAM widens outward; unaligned lo/hi narrow inward;
     * unaligned allowed ranges narrow inward. */
    struct in in = { .lo = MiB + 1, .hi = 0x40000fff };
    map_add(&in, 0, 0x10000001, PHYS_RAM);                    /* ends just past a page */
    map_add(&in, 0x20000fff, 2, PHYS_RAM);                    /* straddles two pages */
    map_add(&in, 0x30000800, 0x10, PHYS_RESERVED);            /* inside one page */
    in.allow[in.nallow++] = (struct devwin){ 0x300007ff, 0x1002 };   /* covers no whole page */
    struct devwin out[16];
    unsigned n = run(&in, out, 16);
    ck_assert_uint_eq(n, 3);
    WIN(0, 0x10001000, 0x20000000);
    WIN(1, 0x20002000, 0x30000000);
    WIN(2, 0x30001000, 0x40000000);

    /* The allowed range now covers the reserved page entirely. */
    in.allow[0] = (struct devwin){ 0x30000000, 0x1000 };
    n = run(&in, out, 16);
    ck_assert_uint_eq(n, 2);
    WIN(0, 0x10001000, 0x20000000);
    WIN(1, 0x20002000, 0x40000000);

    /* lo and hi within one page: nothing. */
    in.lo = 0x50000001;
    in.hi = 0x50000fff;
    in.nallow = 0;
    ck_assert_uint_eq(run(&in, out, 16), 0);
    in.lo = 5 * GiB;
    in.hi = 4 * GiB;
    ck_assert_uint_eq(run(&in, out, 16), 0);
}
END_TEST

START_TEST(overlapping_and_unsorted_maps)
{
    struct in in = { .lo = 0, .hi = 16 * GiB };
    map_add(&in, 8 * GiB, GiB, PHYS_RAM);
    map_add(&in, 0, 2 * GiB, PHYS_RAM);
    map_add(&in, GiB, 2 * GiB, PHYS_RESERVED);               /* overlaps the RAM */
    map_add(&in, 8 * GiB + 0x1000, 2 * GiB, PHYS_NVS);       /* overlaps, runs past */
    map_add(&in, 0, 2 * GiB, PHYS_RAM);                      /* duplicate */
    map_add(&in, 12 * GiB, 0, PHYS_RAM);                     /* empty: removes nothing */
    map_add(&in, 14 * GiB, UINT64_MAX, PHYS_PMEM);           /* wraps: everything above */
    struct devwin out[16];
    unsigned n = run(&in, out, 16);
    ck_assert_uint_eq(n, 2);
    WIN(0, 3 * GiB, 8 * GiB);
    WIN(1, 10 * GiB + 0x1000, 14 * GiB);
}
END_TEST

START_TEST(more_intervals_than_work_max)
{
    /* 3 * DEVWIN_WORK_MAX small RAM pages scattered (unsorted) over 1 GiB:
     * far more holes than the work array holds. Whatever is dropped, no
     * window may touch RAM (run() checks every page of the map). */
    struct in in = { .lo = 0, .hi = 2 * GiB };
    unsigned count = 3 * DEVWIN_WORK_MAX;
    ck_assert_uint_le(count, sizeof in.map / sizeof in.map[0]);
    for (unsigned i = 0; i < count; i++) {
        unsigned k = (i * 37) % count;                  /* a permutation */
        uint64_t base = GiB + (uint64_t)k * 4 * MiB + (k % 5) * K;
        map_add(&in, base, K * (1 + k % 3), PHYS_RAM);
    }
    struct devwin out[DEVWIN_WORK_MAX];
    unsigned n = run(&in, out, DEVWIN_WORK_MAX);
    ck_assert_uint_ge(n, 1);
    /* The big hole below all of them survives (it is the largest). */
    WIN(0, 0, GiB);
    /* With a tiny cap, the largest windows are kept. */
    n = run(&in, out, 2);
    ck_assert_uint_eq(n, 2);
    WIN(0, 0, GiB);
    CHECK_EQ(out[1].base + out[1].size, 2 * GiB);     /* the tail above the last page */
}
END_TEST

START_TEST(cap_keeps_the_largest)
{
    struct in in = { .lo = 0, .hi = 64 * MiB };
    /* Holes of 1, 5, 2, 7, 3 MiB between RAM entries. */
    static const unsigned holes[] = { 1, 5, 2, 7, 3 };
    uint64_t at = 0;
    for (unsigned i = 0; i < 5; i++) {
        map_add(&in, at, MiB, PHYS_RAM);
        at += MiB + (uint64_t)holes[i] * MiB;
    }
    map_add(&in, at, 64 * MiB - at, PHYS_RAM);
    struct devwin out[16];
    ck_assert_uint_eq(run(&in, out, 16), 5);
    unsigned n = run(&in, out, 3);
    ck_assert_uint_eq(n, 3);
    /* 5, 7 and 3 MiB, in address order. */
    CHECK_EQ(out[0].size, 5 * MiB);
    CHECK_EQ(out[1].size, 7 * MiB);
    CHECK_EQ(out[2].size, 3 * MiB);
    n = run(&in, out, 1);
    ck_assert_uint_eq(n, 1);
    CHECK_EQ(out[0].size, 7 * MiB);
    ck_assert_uint_eq(run(&in, out, 0), 0);
}
END_TEST

START_TEST(wrap_around_at_2_64)
{
    /* hi at the very top: rounded down to the last whole page. */
    struct in in = { .lo = 0, .hi = UINT64_MAX };
    map_add(&in, 0, 4 * GiB, PHYS_RAM);
    struct devwin out[16];
    unsigned n = run(&in, out, 16);
    ck_assert_uint_eq(n, 1);
    WIN(0, 4 * GiB, UINT64_MAX & ~(K - 1));

    /* An entry whose end wraps removes everything from its base up. */
    map_add(&in, 0xfffffff000000000ull, 0x2000000000ull, PHYS_RESERVED);
    n = run(&in, out, 16);
    ck_assert_uint_eq(n, 1);
    WIN(0, 4 * GiB, 0xfffffff000000000ull);

    /* An entry at the last page, ending exactly at 2^64 - 1. */
    in.n = 1;
    map_add(&in, UINT64_MAX & ~(K - 1), K - 1, PHYS_RAM);
    n = run(&in, out, 16);
    ck_assert_uint_eq(n, 1);
    WIN(0, 4 * GiB, UINT64_MAX & ~(K - 1));

    /* lo within the last page rounds up past the top: nothing. */
    in.lo = UINT64_MAX - 10;
    ck_assert_uint_eq(run(&in, out, 16), 0);

    /* An allowed range at the very top that wraps is dropped; an
     * exclusion that wraps is honoured. */
    in.lo = 0;
    in.n = 0;
    in.allow[in.nallow++] = (struct devwin){ UINT64_MAX - K, 2 * K };
    in.exclude[in.nexclude++] = (struct devwin){ 0x8000000000000000ull, 0x8000000000000000ull };
    n = run(&in, out, 16);
    ck_assert_uint_eq(n, 1);
    WIN(0, 0, 0x8000000000000000ull);
}
END_TEST

START_TEST(empty_inputs)
{
    struct in in = { .lo = MiB, .hi = 2 * MiB };
    struct devwin out[4];
    unsigned n = run(&in, out, 4);
    ck_assert_uint_eq(n, 1);
    WIN(0, MiB, 2 * MiB);
    map_add(&in, 0, 4 * MiB, PHYS_RESERVED);
    ck_assert_uint_eq(run(&in, out, 4), 0);
    /* Reserved but allowed: back. */
    in.allow[in.nallow++] = (struct devwin){ 0, 4 * MiB };
    n = run(&in, out, 4);
    ck_assert_uint_eq(n, 1);
    WIN(0, MiB, 2 * MiB);
}
END_TEST

Suite *devwin_suite(void)
{
    Suite *s = suite_create("devwin");
    TCase *tc = tcase_create("devwin");
    tcase_add_test(tc, holes_between_map_entries);
    tcase_add_test(tc, ecam_readded_only_where_not_memory);
    tcase_add_test(tc, exclusions_split_windows);
    tcase_add_test(tc, page_rounding_toward_safety);
    tcase_add_test(tc, overlapping_and_unsorted_maps);
    tcase_add_test(tc, more_intervals_than_work_max);
    tcase_add_test(tc, cap_keeps_the_largest);
    tcase_add_test(tc, wrap_around_at_2_64);
    tcase_add_test(tc, empty_inputs);
    suite_add_tcase(s, tc);
    return s;
}
