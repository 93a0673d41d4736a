/* Tests for kernel/lib/idalloc.c: initialisation (limit 0, small limits,
 * limits that are not multiples of 64, IDALLOC_MAX and above it), lowest
 * free id first, running out at the limit, double and out-of-range puts
 * (which change nothing), frees across the bitmap's word and level
 * boundaries, re-initialisation, and long seeded runs of random operations
 * checked against a plain bool array (get returns exactly the lowest free
 * id, the used count, in_use) with the three levels' consistency checked
 * along the way. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "idalloc.h"
#include "suites.h"

static struct idalloc a;

/* Every level agrees with the one below: a leaf bit per id in use (and for
 * every id at or above the limit), a mid bit per full leaf word, a top bit
 * per full mid word; used counts the ids in use below the limit. */
static void check_structure(const struct idalloc *x)
{
    uint32_t used = 0;
    for (uint32_t l = 0; l < 64 * 64; l++) {
        uint64_t w = x->leaf[l];
        for (uint32_t k = 0; k < 64; k++) {
            uint32_t id = l * 64 + k;
            bool bit = (w >> k) & 1;
            if (id >= x->limit)
                CHECK(bit);
            else
                used += bit;
        }
        CHECK_EQ((x->mid[l / 64] >> (l % 64)) & 1, w == ~0ull);
    }
    for (uint32_t m = 0; m < 64; m++)
        CHECK_EQ((x->top >> m) & 1, x->mid[m] == ~0ull);
    CHECK_EQ(x->used, used);
}

/* Gets limit ids in order 0, 1, ..., then -1. */
static void fill(struct idalloc *x, uint32_t limit)
{
    for (uint32_t i = 0; i < limit; i++)
        CHECK_EQ(idalloc_get(x), i);
    CHECK_EQ(x->used, limit);
    CHECK_EQ(idalloc_get(x), -1);
    CHECK_EQ(idalloc_get(x), -1);
    CHECK_EQ(x->used, limit);
}

START_TEST(test_init)
{
    static const uint32_t limits[] = { 0, 1, 63, 64, 65, 100, 4095, 4096, 4097, IDALLOC_MAX };
    for (unsigned c = 0; c < sizeof limits / sizeof limits[0]; c++) {
        memset(&a, 0xa5, sizeof a);             /* init starts from anything */
        idalloc_init(&a, limits[c]);
        ck_assert_uint_eq(a.limit, limits[c]);
        ck_assert_uint_eq(a.used, 0);
        for (uint32_t id = 0; id < limits[c]; id++)
            CHECK(!idalloc_in_use(&a, id));
        check_structure(&a);
    }
}
END_TEST

START_TEST(test_init_clamps_limit)
{
    static const uint32_t limits[] = { IDALLOC_MAX + 1, IDALLOC_MAX + 64, UINT32_MAX };
    for (unsigned c = 0; c < sizeof limits / sizeof limits[0]; c++) {
        idalloc_init(&a, limits[c]);
        ck_assert_uint_eq(a.limit, IDALLOC_MAX);
        check_structure(&a);
        fill(&a, IDALLOC_MAX);
        ck_assert(!idalloc_put(&a, IDALLOC_MAX));
        ck_assert(!idalloc_in_use(&a, IDALLOC_MAX));
    }
}
END_TEST

START_TEST(test_limit_zero)
{
    idalloc_init(&a, 0);
    ck_assert_int_eq(idalloc_get(&a), -1);
    ck_assert_int_eq(idalloc_get(&a), -1);
    ck_assert_uint_eq(a.used, 0);
    ck_assert(!idalloc_in_use(&a, 0));
    ck_assert(!idalloc_put(&a, 0));
    ck_assert(!idalloc_put(&a, 1));
    ck_assert(!idalloc_put(&a, UINT32_MAX));
    ck_assert_uint_eq(a.used, 0);
    check_structure(&a);
}
END_TEST

START_TEST(test_lowest_free_first)
{
    idalloc_init(&a, 1000);
    for (int64_t i = 0; i < 10; i++)
        ck_assert_int_eq(idalloc_get(&a), i);
    ck_assert(idalloc_in_use(&a, 9));
    ck_assert(!idalloc_in_use(&a, 10));
    ck_assert(idalloc_put(&a, 7));
    ck_assert(idalloc_put(&a, 3));
    ck_assert(!idalloc_in_use(&a, 3));
    ck_assert_uint_eq(a.used, 8);
    ck_assert_int_eq(idalloc_get(&a), 3);
    ck_assert_int_eq(idalloc_get(&a), 7);
    ck_assert_int_eq(idalloc_get(&a), 10);
    ck_assert(idalloc_put(&a, 0));
    ck_assert_int_eq(idalloc_get(&a), 0);
    ck_assert_uint_eq(a.used, 11);
    check_structure(&a);
}
END_TEST

/* Running out at the limit and freeing the last and the first id, for
 * limits on and off the 64-bit word and 4096-id boundaries. */
START_TEST(test_fill_to_limit)
{
    static const uint32_t limits[] = {
        1, 2, 63, 64, 65, 127, 128, 129, 200, 4095, 4096, 4097, 2 * 4096 + 1,
        63 * 4096 + 5, IDALLOC_MAX - 64, IDALLOC_MAX - 1, IDALLOC_MAX,
    };
    for (unsigned c = 0; c < sizeof limits / sizeof limits[0]; c++) {
        uint32_t limit = limits[c];
        idalloc_init(&a, limit);
        fill(&a, limit);
        check_structure(&a);
        ck_assert(idalloc_in_use(&a, limit - 1));
        ck_assert(!idalloc_in_use(&a, limit));
        ck_assert(!idalloc_put(&a, limit));             /* just out of range */
        ck_assert_uint_eq(a.used, limit);
        ck_assert(idalloc_put(&a, limit - 1));          /* the last id */
        ck_assert_int_eq(idalloc_get(&a), limit - 1);
        ck_assert_int_eq(idalloc_get(&a), -1);
        ck_assert(idalloc_put(&a, 0));                  /* the first id */
        ck_assert_int_eq(idalloc_get(&a), 0);
        ck_assert_int_eq(idalloc_get(&a), -1);
        /* Everything back, from the top: then it all comes out in order again. */
        for (uint32_t id = limit; id-- > 0;)
            CHECK(idalloc_put(&a, id));
        ck_assert_uint_eq(a.used, 0);
        check_structure(&a);
        fill(&a, limit);
    }
}
END_TEST

START_TEST(test_double_put)
{
    idalloc_init(&a, 300);
    for (int i = 0; i < 200; i++)
        idalloc_get(&a);
    ck_assert(idalloc_put(&a, 70));
    static struct idalloc before;
    memcpy(&before, &a, sizeof a);
    ck_assert(!idalloc_put(&a, 70));                    /* again: nothing changes */
    ck_assert(memcmp(&before, &a, sizeof a) == 0);
    ck_assert_uint_eq(a.used, 199);
    ck_assert_int_eq(idalloc_get(&a), 70);
    ck_assert_int_eq(idalloc_get(&a), 200);
    check_structure(&a);
}
END_TEST

START_TEST(test_put_not_in_use_or_out_of_range)
{
    static struct idalloc before;
    static const uint32_t limits[] = { 0, 1, 100, 4096, 5000, IDALLOC_MAX };
    for (unsigned c = 0; c < sizeof limits / sizeof limits[0]; c++) {
        uint32_t limit = limits[c];
        idalloc_init(&a, limit);
        for (uint32_t i = 0; i < limit / 2; i++)
            idalloc_get(&a);
        memcpy(&before, &a, sizeof a);
        const uint32_t bad[] = {
            limit, limit + 1, limit + 63, limit + 64, IDALLOC_MAX - 1, IDALLOC_MAX,
            IDALLOC_MAX + 1, UINT32_MAX, limit / 2,             /* never handed out */
            limit ? limit - 1 : 0,
        };
        for (unsigned b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            if (bad[b] < limit / 2)
                continue;                                       /* in use after all */
            ck_assert(!idalloc_in_use(&a, bad[b]));
            ck_assert(!idalloc_put(&a, bad[b]));
            ck_assert(memcmp(&before, &a, sizeof a) == 0);
        }
        check_structure(&a);
    }
}
END_TEST

START_TEST(test_free_across_boundaries)
{
    /* A full allocator; ids freed on word and level boundaries in a
     * scrambled order come back lowest first. */
    static const uint32_t ids[] = { 131072, 4096, IDALLOC_MAX - 1, 63, 4095, 64, 0,
                                    262080, 8191, 65 };
    static const uint32_t sorted[] = { 0, 63, 64, 65, 4095, 4096, 8191, 131072, 262080,
                                       IDALLOC_MAX - 1 };
    enum { M = sizeof ids / sizeof ids[0] };
    idalloc_init(&a, IDALLOC_MAX);
    fill(&a, IDALLOC_MAX);
    ck_assert_uint_eq(a.top, ~0ull);
    for (unsigned i = 0; i < M; i++) {
        ck_assert(idalloc_put(&a, ids[i]));
        check_structure(&a);
    }
    ck_assert_uint_eq(a.used, IDALLOC_MAX - M);
    for (unsigned i = 0; i < M; i++) {
        ck_assert_int_eq(idalloc_get(&a), sorted[i]);
        check_structure(&a);
    }
    ck_assert_int_eq(idalloc_get(&a), -1);

    /* The same with a limit inside the last leaf word. */
    idalloc_init(&a, IDALLOC_MAX - 10);
    fill(&a, IDALLOC_MAX - 10);
    ck_assert(idalloc_put(&a, IDALLOC_MAX - 11));
    ck_assert(idalloc_put(&a, 4097));
    check_structure(&a);
    ck_assert_int_eq(idalloc_get(&a), 4097);
    ck_assert_int_eq(idalloc_get(&a), IDALLOC_MAX - 11);
    ck_assert_int_eq(idalloc_get(&a), -1);
}
END_TEST

START_TEST(test_reinit)
{
    idalloc_init(&a, 500);
    fill(&a, 500);
    idalloc_init(&a, 70);                       /* a smaller limit, all free */
    ck_assert_uint_eq(a.used, 0);
    check_structure(&a);
    fill(&a, 70);
    idalloc_init(&a, 5000);                     /* a larger one */
    check_structure(&a);
    fill(&a, 5000);
    check_structure(&a);
}
END_TEST

/* --- random operations against a model --- */

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

static bool model[IDALLOC_MAX];
static uint32_t model_used;
static uint32_t model_hint;     /* every id below it is in use */
/* The ids in use, in no order, to pick from when putting. */
static uint32_t live[IDALLOC_MAX], live_pos[IDALLOC_MAX], live_n;

static int64_t model_lowest(uint32_t limit)
{
    while (model_hint < limit && model[model_hint])
        model_hint++;
    return model_hint < limit ? (int64_t)model_hint : -1;
}

static void model_get(uint32_t id)
{
    model[id] = true;
    model_used++;
    live_pos[id] = live_n;
    live[live_n++] = id;
}

static void model_put(uint32_t id)
{
    model[id] = false;
    model_used--;
    if (id < model_hint)
        model_hint = id;
    uint32_t last = live[--live_n];
    live[live_pos[id]] = last;
    live_pos[last] = live_pos[id];
}

static void do_get(uint32_t limit)
{
    int64_t want = model_lowest(limit);
    int64_t got = idalloc_get(&a);
    CHECK_EQ(got, want);
    if (got >= 0)
        model_get((uint32_t)got);
}

static void do_put(uint32_t limit, uint32_t id)
{
    bool want = id < limit && model[id];
    CHECK_EQ(idalloc_in_use(&a, id), want);
    CHECK_EQ(idalloc_put(&a, id), want);
    if (want)
        model_put(id);
    CHECK(!idalloc_in_use(&a, id));
}

START_TEST(test_random_against_model)
{
    /* Limits off and on the word and level boundaries; the largest starts
     * full so that the top levels are exercised. */
    static const uint32_t limits[] = { 1, 64, 200, 4096 + 70, 7 * 4096 + 13, IDALLOC_MAX };
    uint32_t limit = limits[_i];
    rng_state = 0x1dac0000u + (uint64_t)_i;
    memset(model, 0, sizeof model);
    model_used = model_hint = live_n = 0;
    idalloc_init(&a, limit);
    if (limit == IDALLOC_MAX)
        for (uint32_t i = 0; i < limit; i++)
            do_get(limit);
    unsigned get_pct = 50;
    uint32_t last_put = 0;
    for (unsigned op = 0; op < 100000; op++) {
        /* Phases that fill and drain. */
        if (op % 2000 == 0) {
            static const unsigned pcts[] = { 30, 50, 70, 95 };
            get_pct = pcts[rng() % 4];
        }
        if (rng() % 100 < get_pct) {
            do_get(limit);
        } else {
            uint32_t id;
            unsigned r = rng() % 100;
            if (r < 75 && live_n)
                id = live[rng() % live_n];              /* one in use */
            else if (r < 85)
                id = last_put;                          /* a double put, mostly */
            else if (r < 95)
                id = rng() % (limit + 100);             /* anything, or just past the limit */
            else
                id = r % 2 ? UINT32_MAX - rng() % 4 : IDALLOC_MAX + rng() % 4;
            do_put(limit, id);
            last_put = id;
        }
        CHECK_EQ(a.used, model_used);
        uint32_t probe = rng() % (limit + 64);
        CHECK_EQ(idalloc_in_use(&a, probe), probe < limit && model[probe]);
        if (op % 1000 == 0)
            check_structure(&a);
    }
    check_structure(&a);
    for (uint32_t id = 0; id < limit; id++)
        CHECK_EQ(idalloc_in_use(&a, id), model[id]);
    /* Put everything back; then it all comes out in order. */
    while (live_n)
        do_put(limit, live[live_n - 1]);
    CHECK_EQ(a.used, 0);
    check_structure(&a);
    fill(&a, limit);
}
END_TEST

Suite *idalloc_suite(void)
{
    Suite *s = suite_create("idalloc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_init);
    tcase_add_test(tc, test_init_clamps_limit);
    tcase_add_test(tc, test_limit_zero);
    tcase_add_test(tc, test_lowest_free_first);
    tcase_add_test(tc, test_fill_to_limit);
    tcase_add_test(tc, test_double_put);
    tcase_add_test(tc, test_put_not_in_use_or_out_of_range);
    tcase_add_test(tc, test_free_across_boundaries);
    tcase_add_test(tc, test_reinit);
    tcase_add_loop_test(tc, test_random_against_model, 0, 6);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
