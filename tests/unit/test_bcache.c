/* Unit tests for servers/fs/bcache.c, the file server's block cache, on a
 * fake device that records every write and barrier: hits and misses, that
 * nothing reaches the device before a sync, the phase order (every write
 * of a phase completed and its barrier passed before the next phase
 * starts; units in device order, contiguous ones merged up to max_run;
 * the removal order: phases permuted, units in first-dirty order),
 * evicting a dirty unit syncs everything, failed writes and reads leave
 * the cache consistent, a partial write of an uncached unit keeps the
 * rest of it, and random operations against a model of the device. */
#include <stdlib.h>
#include <string.h>
#include "bcache.h"
#include "suites.h"

#define DEV_UNITS 64u
#define LOG_MAX 4096u

static uint8_t dev[DEV_UNITS * BC_UNIT];
struct wrec {
    uint64_t first;
    uint32_t n;
    int phase;                  /* -1: a barrier */
};
static struct wrec wlog[LOG_MAX];
static unsigned nlog, reads, fail_write_at, fail_read_unit, writes_seen;

static unsigned phase_of(uint64_t u)
{
    return u >= 40 ? 2 : u >= 20 ? 1 : 0;
}

static int f_read(void *ctx, uint64_t first, uint32_t n, uint8_t *buf)
{
    (void)ctx;
    reads++;
    if (fail_read_unit && first == fail_read_unit)
        return -1;
    ck_assert_uint_le(first + n, DEV_UNITS);
    memcpy(buf, dev + first * BC_UNIT, (size_t)n * BC_UNIT);
    return 0;
}

static int f_write(void *ctx, uint64_t first, uint32_t n, const uint8_t *const *data)
{
    (void)ctx;
    writes_seen++;
    if (fail_write_at && writes_seen == fail_write_at)
        return -1;
    ck_assert_uint_le(first + n, DEV_UNITS);
    for (uint32_t i = 0; i < n; i++)
        memcpy(dev + (first + i) * BC_UNIT, data[i], BC_UNIT);
    if (nlog < LOG_MAX)
        wlog[nlog++] = (struct wrec){ first, n, (int)phase_of(first) };
    return 0;
}

static int f_barrier(void *ctx)
{
    (void)ctx;
    if (nlog < LOG_MAX)
        wlog[nlog++] = (struct wrec){ 0, 0, -1 };
    return 0;
}

static unsigned f_classify(void *ctx, uint64_t u)
{
    (void)ctx;
    return phase_of(u);
}

static struct bcache c;
static uint8_t mem[16 * BC_UNIT];
static struct bc_entry ent[16];
static uint32_t hash_[32], scratch[16];

static void setup_cache(uint32_t n, uint32_t max_run)
{
    struct bc_ops ops = { .read = f_read, .write = f_write, .barrier = f_barrier, .classify = f_classify,
                          .max_run = max_run };
    for (uint32_t i = 0; i < sizeof dev; i++)
        dev[i] = (uint8_t)(i * 7 + i / 4096);
    nlog = reads = fail_write_at = fail_read_unit = writes_seen = 0;
    bc_init(&c, &ops, mem, ent, n, hash_, 32, scratch, sizeof dev);
}

START_TEST(test_bcache_read_hits)
{
    setup_cache(16, 8);
    uint8_t b[100];
    ck_assert_int_eq(bc_read(&c, 4096 * 3 + 10, b, sizeof b), 0);
    ck_assert_mem_eq(b, dev + 4096 * 3 + 10, sizeof b);
    ck_assert_int_eq(bc_read(&c, 4096 * 3 + 500, b, sizeof b), 0);
    ck_assert_uint_eq(reads, 1);
    ck_assert_uint_eq(c.hits, 1);
    /* Across a unit boundary: two units. */
    ck_assert_int_eq(bc_read(&c, 4096 * 5 - 50, b, sizeof b), 0);
    ck_assert_mem_eq(b, dev + 4096 * 5 - 50, sizeof b);
    ck_assert_uint_eq(reads, 3);
    ck_assert_ptr_nonnull(bc_peek(&c, 4));
    ck_assert_ptr_null(bc_peek(&c, 9));
}
END_TEST

START_TEST(test_bcache_write_back_order)
{
    setup_cache(16, 2);
    uint8_t u[BC_UNIT];
    memset(u, 0xab, sizeof u);
    /* Dirty units in all three phases, written out of order. */
    const uint64_t units[] = { 45, 21, 3, 2, 4, 22, 41, 7 };
    for (unsigned i = 0; i < 8; i++)
        ck_assert_int_eq(bc_write(&c, units[i] * BC_UNIT, u, BC_UNIT), 0);
    ck_assert_uint_eq(nlog, 0);                 /* nothing on the device yet */
    ck_assert_uint_eq(reads, 0);                /* whole units are not read first */
    ck_assert_uint_eq(c.ndirty, 8);
    ck_assert_int_eq(bc_sync(&c), 0);
    ck_assert_uint_eq(c.ndirty, 0);
    /* Phase 0: 2-3 (merged, max_run 2), 4, 7, barrier; phase 1: 21-22,
     * barrier; phase 2: 41, 45, barrier. */
    const struct wrec want[] = {
        { 2, 2, 0 }, { 4, 1, 0 }, { 7, 1, 0 }, { 0, 0, -1 }, { 21, 2, 1 }, { 0, 0, -1 },
        { 41, 1, 2 }, { 45, 1, 2 }, { 0, 0, -1 },
    };
    ck_assert_uint_eq(nlog, sizeof want / sizeof want[0]);
    for (unsigned i = 0; i < nlog; i++) {
        ck_assert_int_eq(wlog[i].phase, want[i].phase);
        if (want[i].phase >= 0) {
            ck_assert_uint_eq(wlog[i].first, want[i].first);
            ck_assert_uint_eq(wlog[i].n, want[i].n);
        }
    }
    for (unsigned i = 0; i < 8; i++)
        ck_assert_mem_eq(dev + units[i] * BC_UNIT, u, BC_UNIT);
    nlog = 0;
    ck_assert_int_eq(bc_sync(&c), 0);           /* nothing dirty: nothing written */
    ck_assert_uint_eq(nlog, 0);
}
END_TEST

START_TEST(test_bcache_readahead)
{
    static uint8_t ra[4 * BC_UNIT];
    setup_cache(16, 8);
    bc_set_readahead(&c, ra, 4);
    uint8_t u[BC_UNIT], b[16];
    memset(u, 0x42, sizeof u);
    ck_assert_int_eq(bc_read(&c, 3 * BC_UNIT + 5, b, sizeof b), 0);      /* units 3..6 in one read */
    ck_assert_uint_eq(reads, 1);
    ck_assert_mem_eq(b, dev + 3 * BC_UNIT + 5, sizeof b);
    for (uint64_t k = 4; k < 7; k++) {
        ck_assert_int_eq(bc_read(&c, k * BC_UNIT + 100, b, sizeof b), 0);
        ck_assert_mem_eq(b, dev + k * BC_UNIT + 100, sizeof b);
    }
    ck_assert_uint_eq(reads, 1);
    ck_assert_ptr_null(bc_peek(&c, 7));
    /* A cached (dirty) unit stops the read-ahead and is not overwritten. */
    ck_assert_int_eq(bc_write(&c, 10 * BC_UNIT, u, BC_UNIT), 0);
    ck_assert_int_eq(bc_read(&c, 9 * BC_UNIT, b, sizeof b), 0);
    ck_assert_uint_eq(reads, 2);
    ck_assert_int_eq(bc_read(&c, 10 * BC_UNIT, b, sizeof b), 0);
    ck_assert_mem_eq(b, u, sizeof b);
    ck_assert_ptr_null(bc_peek(&c, 11));
    /* At the device's end. */
    ck_assert_int_eq(bc_read(&c, (DEV_UNITS - 2) * BC_UNIT, b, sizeof b), 0);
    ck_assert_ptr_nonnull(bc_peek(&c, DEV_UNITS - 1));
    ck_assert_uint_eq(reads, 3);
}
END_TEST

START_TEST(test_bcache_removal_order)
{
    setup_cache(16, 8);
    uint8_t u[BC_UNIT];
    memset(u, 0x77, sizeof u);
    /* Dirtied in this order: 9, 45, 3, 22, 4 (4 again later: its first
     * dirtying counts). Phases 1, 0, 2; in each, first-dirty order, no merging. */
    const uint64_t units[] = { 9, 45, 3, 22, 4, 9 };
    for (unsigned i = 0; i < 6; i++)
        ck_assert_int_eq(bc_write(&c, units[i] * BC_UNIT, u, BC_UNIT), 0);
    static const uint8_t order[BC_PHASES] = { 1, 0, 2 };
    ck_assert_int_eq(bc_sync_ordered(&c, order, true), 0);
    const struct wrec want[] = {
        { 22, 1, 1 }, { 0, 0, -1 }, { 9, 1, 0 }, { 3, 1, 0 }, { 4, 1, 0 }, { 0, 0, -1 }, { 45, 1, 2 }, { 0, 0, -1 },
    };
    ck_assert_uint_eq(nlog, sizeof want / sizeof want[0]);
    for (unsigned i = 0; i < nlog; i++) {
        ck_assert_int_eq(wlog[i].phase, want[i].phase);
        if (want[i].phase >= 0) {
            ck_assert_uint_eq(wlog[i].first, want[i].first);
            ck_assert_uint_eq(wlog[i].n, 1);
        }
    }
    ck_assert_uint_eq(c.ndirty, 0);
}
END_TEST

START_TEST(test_bcache_partial_write_reads_first)
{
    setup_cache(16, 8);
    uint8_t before[BC_UNIT];
    memcpy(before, dev + 6 * BC_UNIT, BC_UNIT);
    ck_assert_int_eq(bc_write(&c, 6 * BC_UNIT + 100, "hello", 5), 0);
    ck_assert_uint_eq(reads, 1);
    ck_assert_int_eq(bc_sync(&c), 0);
    memcpy(before + 100, "hello", 5);
    ck_assert_mem_eq(dev + 6 * BC_UNIT, before, BC_UNIT);
}
END_TEST

START_TEST(test_bcache_evict_dirty_syncs)
{
    setup_cache(4, 8);
    uint8_t u[BC_UNIT];
    memset(u, 0x5a, sizeof u);
    for (uint64_t k = 0; k < 4; k++)
        ck_assert_int_eq(bc_write(&c, k * BC_UNIT, u, BC_UNIT), 0);
    ck_assert_uint_eq(nlog, 0);
    uint8_t b[16];
    ck_assert_int_eq(bc_read(&c, 10 * BC_UNIT, b, sizeof b), 0);   /* evicts unit 0: a sync first */
    ck_assert_uint_eq(c.evict_syncs, 1);
    ck_assert_uint_eq(c.ndirty, 0);
    for (uint64_t k = 0; k < 4; k++)
        ck_assert_mem_eq(dev + k * BC_UNIT, u, BC_UNIT);
    ck_assert_ptr_null(bc_peek(&c, 0));
    ck_assert_ptr_nonnull(bc_peek(&c, 1));
}
END_TEST

START_TEST(test_bcache_errors)
{
    setup_cache(8, 8);
    uint8_t u[BC_UNIT], b[8];
    memset(u, 0x11, sizeof u);
    /* A failed read caches nothing; the next read tries again. */
    fail_read_unit = 5;
    ck_assert_int_ne(bc_read(&c, 5 * BC_UNIT, b, sizeof b), 0);
    ck_assert_ptr_null(bc_peek(&c, 5));
    fail_read_unit = 0;
    ck_assert_int_eq(bc_read(&c, 5 * BC_UNIT, b, sizeof b), 0);
    ck_assert_mem_eq(b, dev + 5 * BC_UNIT, sizeof b);
    /* A failed write: its units stay dirty, a later sync writes them. */
    ck_assert_int_eq(bc_write(&c, 1 * BC_UNIT, u, BC_UNIT), 0);
    ck_assert_int_eq(bc_write(&c, 3 * BC_UNIT, u, BC_UNIT), 0);
    ck_assert_int_eq(bc_write(&c, 25 * BC_UNIT, u, BC_UNIT), 0);
    fail_write_at = 2;
    ck_assert_int_ne(bc_sync(&c), 0);
    ck_assert_uint_eq(c.ndirty, 3);
    for (unsigned i = 0; i < nlog; i++)
        ck_assert_int_ne(wlog[i].phase, 1);     /* phase 1 never started */
    fail_write_at = 0;
    ck_assert_int_eq(bc_sync(&c), 0);
    ck_assert_uint_eq(c.ndirty, 0);
    ck_assert_mem_eq(dev + 3 * BC_UNIT, u, BC_UNIT);
    ck_assert_mem_eq(dev + 25 * BC_UNIT, u, BC_UNIT);
}
END_TEST

START_TEST(test_bcache_random_model)
{
    static uint8_t model[DEV_UNITS * BC_UNIT], b[3 * BC_UNIT];
    srand(1234);
    for (int round = 0; round < 4; round++) {
        static uint8_t ra[4 * BC_UNIT];
        setup_cache(round < 2 ? 5 : 16, 1 + (unsigned)round * 3);
        bc_set_readahead(&c, ra, round % 2 ? 4 : 0);
        memcpy(model, dev, sizeof dev);
        for (int op = 0; op < 1500; op++) {
            uint32_t len = 1 + (uint32_t)rand() % (rand() % 4 ? 600 : 2 * BC_UNIT);
            uint64_t off = (uint64_t)rand() % (sizeof dev - len);
            int kind = rand() % 10;
            if (kind < 5) {
                ck_assert_int_eq(bc_read(&c, off, b, len), 0);
                CHECK(memcmp(b, model + off, len) == 0);
            } else if (kind < 9) {
                for (uint32_t i = 0; i < len; i++)
                    b[i] = (uint8_t)rand();
                ck_assert_int_eq(bc_write(&c, off, b, len), 0);
                memcpy(model + off, b, len);
            } else {
                ck_assert_int_eq(bc_sync(&c), 0);
                CHECK(memcmp(dev, model, sizeof dev) == 0);
            }
        }
        ck_assert_int_eq(bc_sync(&c), 0);
        ck_assert_mem_eq(dev, model, sizeof dev);
    }
}
END_TEST

Suite *bcache_suite(void)
{
    Suite *s = suite_create("bcache");
    TCase *tc = tcase_create("cache");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_bcache_read_hits);
    tcase_add_test(tc, test_bcache_write_back_order);
    tcase_add_test(tc, test_bcache_readahead);
    tcase_add_test(tc, test_bcache_removal_order);
    tcase_add_test(tc, test_bcache_partial_write_reads_first);
    tcase_add_test(tc, test_bcache_evict_dirty_syncs);
    tcase_add_test(tc, test_bcache_errors);
    tcase_add_test(tc, test_bcache_random_model);
    suite_add_tcase(s, tc);
    return s;
}
