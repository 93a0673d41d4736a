/* Tests for kernel/lib/frames.c. The allocator only touches its bitmap, so
 * spans may describe any addresses. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "suites.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

/* Bitmap storage, big enough for every test (4096 words = 1 GiB of frames). */
static uint64_t metadata[4096 + 64 * 2];
static struct frame_allocator fa;

/* Initialises fa over spans, requiring success and a sane bitmap size. */
static void init_ok(const struct frame_span *spans, unsigned n)
{
    size_t need = frame_alloc_metadata_size(spans, n);
    ck_assert_uint_le(need, sizeof metadata);
    memset(metadata, 0xa5, sizeof metadata);
    ck_assert_int_eq(frame_alloc_init(&fa, spans, n, metadata, need), 0);
}

/* Recounts free frames from frame_in_use over [base, base + frames). */
static uint64_t count_free(uint64_t base, uint64_t frames)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < frames; i++)
        n += !frame_in_use(&fa, base + i * FRAME_SIZE);
    return n;
}

START_TEST(test_metadata_size)
{
    const struct frame_span one = { 1 * MiB, 64 * FRAME_SIZE };
    ck_assert_uint_eq(frame_alloc_metadata_size(&one, 1), 8);
    const struct frame_span sixty_five = { 1 * MiB, 65 * FRAME_SIZE };
    ck_assert_uint_eq(frame_alloc_metadata_size(&sixty_five, 1), 16);
    /* Rounded inwards: an unaligned span loses its partial frames. */
    const struct frame_span unaligned = { 1 * MiB + 1, 65 * FRAME_SIZE };
    ck_assert_uint_eq(frame_alloc_metadata_size(&unaligned, 1), 8);
    const struct frame_span tiny[] = { { 0x1001, 0xfff }, { 0x5000, 0 }, { 0x7800, 0x1000 } };
    ck_assert_uint_eq(frame_alloc_metadata_size(tiny, 3), 0);
    /* Frame 0 is excluded: [0, 65 frames) manages 64 frames. */
    const struct frame_span from_zero = { 0, 65 * FRAME_SIZE };
    ck_assert_uint_eq(frame_alloc_metadata_size(&from_zero, 1), 8);
    const struct frame_span two[] = { { 1 * MiB, 1 * MiB }, { 4 * GiB, 2 * MiB } };
    ck_assert_uint_eq(frame_alloc_metadata_size(two, 2), 8 * (4 + 8));
    ck_assert_uint_eq(frame_alloc_metadata_size(NULL, 0), 0);
}
END_TEST

START_TEST(test_init_basic)
{
    const struct frame_span spans[] = { { 1 * MiB, 1 * MiB }, { 0x3000, 0 }, { 16 * MiB, 100 * FRAME_SIZE } };
    init_ok(spans, 3);
    ck_assert_uint_eq(fa.nregions, 2);
    ck_assert_uint_eq(fa.total_frames, 256 + 100);
    ck_assert_uint_eq(fa.free_frames, 256 + 100);
    ck_assert_uint_eq(fa.region[1].base, 16 * MiB);
    ck_assert_uint_eq(count_free(1 * MiB, 256), 256);
    ck_assert_uint_eq(count_free(16 * MiB, 100), 100);
    ck_assert(!frame_in_use(&fa, 0x5000));             /* unmanaged */
    ck_assert(!frame_in_use(&fa, 16 * MiB + 100 * FRAME_SIZE));   /* one past the end */
}
END_TEST

START_TEST(test_init_rejects_bad_spans)
{
    const struct frame_span unsorted[] = { { 16 * MiB, 1 * MiB }, { 1 * MiB, 1 * MiB } };
    const struct frame_span overlapping[] = { { 1 * MiB, 2 * MiB }, { 2 * MiB, 1 * MiB } };
    const struct frame_span adjacent[] = { { 1 * MiB, 1 * MiB }, { 2 * MiB, 1 * MiB } };
    const struct frame_span empty_out_of_order[] = { { 8 * MiB, 1 * MiB }, { 0x1000, 0 },
                                                     { 9 * MiB, 1 * MiB } };
    size_t big = sizeof metadata;

    init_ok(adjacent, 2);   /* leave fa non-empty, so failure must empty it */
    ck_assert_int_eq(frame_alloc_init(&fa, unsorted, 2, metadata, big), -1);
    ck_assert_uint_eq(fa.nregions, 0);
    ck_assert_uint_eq(fa.total_frames, 0);
    ck_assert_uint_eq(fa.free_frames, 0);
    ck_assert_uint_eq(frame_alloc(&fa), FRAME_NONE);
    ck_assert_int_eq(frame_alloc_init(&fa, overlapping, 2, metadata, big), -1);
    ck_assert_uint_eq(fa.nregions, 0);

    init_ok(adjacent, 2);
    ck_assert_uint_eq(fa.total_frames, 512);
    init_ok(empty_out_of_order, 3);
    ck_assert_uint_eq(fa.nregions, 2);
}
END_TEST

START_TEST(test_init_rejects_bad_metadata)
{
    const struct frame_span spans[] = { { 1 * MiB, 65 * FRAME_SIZE } };
    size_t need = frame_alloc_metadata_size(spans, 1);
    ck_assert_uint_eq(need, 16);
    ck_assert_int_eq(frame_alloc_init(&fa, spans, 1, metadata, need - 1), -1);
    ck_assert_uint_eq(fa.nregions, 0);
    ck_assert_uint_eq(frame_alloc(&fa), FRAME_NONE);
    ck_assert_int_eq(frame_alloc_init(&fa, spans, 1, (char *)metadata + 4, need), -1);
    ck_assert_int_eq(frame_alloc_init(&fa, spans, 1, NULL, need), -1);
    ck_assert_int_eq(frame_alloc_init(&fa, spans, 1, metadata, need), 0);
    /* Nothing to manage needs no metadata. */
    ck_assert_int_eq(frame_alloc_init(&fa, NULL, 0, NULL, 0), 0);
    ck_assert_uint_eq(frame_alloc(&fa), FRAME_NONE);
}
END_TEST

START_TEST(test_init_region_limit)
{
    struct frame_span spans[FRAMES_MAX_REGIONS + 1];
    for (unsigned i = 0; i <= FRAMES_MAX_REGIONS; i++)
        spans[i] = (struct frame_span){ (i + 1) * 2 * MiB, 1 * MiB };
    init_ok(spans, FRAMES_MAX_REGIONS);
    ck_assert_uint_eq(fa.nregions, FRAMES_MAX_REGIONS);
    ck_assert_int_eq(frame_alloc_init(&fa, spans, FRAMES_MAX_REGIONS + 1, metadata,
                                      sizeof metadata), -1);
    ck_assert_uint_eq(fa.nregions, 0);
}
END_TEST

/* Exhausts an allocator whose first span starts at 0 and whose regions have
 * counts that are not multiples of 64, then frees everything. */
START_TEST(test_exhaust_and_free_all)
{
    const struct frame_span spans[] = { { 0, 70 * FRAME_SIZE }, { 1 * MiB, 3 * FRAME_SIZE },
                                        { 8 * MiB, 130 * FRAME_SIZE } };
    init_ok(spans, 3);
    uint64_t total = 69 + 3 + 130;
    ck_assert_uint_eq(fa.total_frames, total);

    uint64_t got[202];
    for (uint64_t i = 0; i < total; i++) {
        got[i] = frame_alloc(&fa);
        ck_assert_uint_ne(got[i], FRAME_NONE);
        ck_assert_uint_eq(got[i] % FRAME_SIZE, 0);
        bool inside = (got[i] >= FRAME_SIZE && got[i] < 70 * FRAME_SIZE) ||
                      (got[i] >= 1 * MiB && got[i] < 1 * MiB + 3 * FRAME_SIZE) ||
                      (got[i] >= 8 * MiB && got[i] < 8 * MiB + 130 * FRAME_SIZE);
        ck_assert_msg(inside, "frame %#llx outside the spans", (unsigned long long)got[i]);
        ck_assert(frame_in_use(&fa, got[i]));
        for (uint64_t j = 0; j < i; j++)
            ck_assert_uint_ne(got[i], got[j]);
    }
    ck_assert_uint_eq(fa.free_frames, 0);
    ck_assert_uint_eq(frame_alloc(&fa), FRAME_NONE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 0, 0), FRAME_NONE);

    for (uint64_t i = 0; i < total; i++)
        ck_assert_int_eq(frame_free(&fa, got[i], 1), 0);
    ck_assert_uint_eq(fa.free_frames, total);
    ck_assert_uint_eq(count_free(8 * MiB, 130), 130);
    /* And the whole lot can be allocated again. */
    for (uint64_t i = 0; i < total; i++)
        ck_assert_uint_ne(frame_alloc(&fa), FRAME_NONE);
    ck_assert_uint_eq(frame_alloc(&fa), FRAME_NONE);
}
END_TEST

START_TEST(test_frame_zero_never_returned)
{
    const struct frame_span spans[] = { { 0, 2 * FRAME_SIZE } };
    init_ok(spans, 1);
    ck_assert_uint_eq(fa.total_frames, 1);
    ck_assert_uint_eq(frame_alloc(&fa), FRAME_SIZE);
    ck_assert_uint_eq(frame_alloc(&fa), FRAME_NONE);
    ck_assert(!frame_in_use(&fa, 0));
    ck_assert_int_eq(frame_free(&fa, 0, 1), -1);
    ck_assert_uint_eq(frame_alloc_reserve(&fa, 0, 1), 0);

    const struct frame_span only_zero[] = { { 0, FRAME_SIZE } };
    init_ok(only_zero, 1);
    ck_assert_uint_eq(fa.nregions, 0);
    ck_assert_uint_eq(frame_alloc(&fa), FRAME_NONE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 0, 0), FRAME_NONE);
}
END_TEST

START_TEST(test_reserve)
{
    const struct frame_span spans[] = { { 1 * MiB, 16 * FRAME_SIZE }, { 2 * MiB, 16 * FRAME_SIZE } };
    init_ok(spans, 2);
    /* Partly below the first region: only its first two frames. */
    ck_assert_uint_eq(frame_alloc_reserve(&fa, 1 * MiB - 8 * FRAME_SIZE, 10 * FRAME_SIZE), 2);
    ck_assert(frame_in_use(&fa, 1 * MiB));
    ck_assert(frame_in_use(&fa, 1 * MiB + FRAME_SIZE));
    ck_assert(!frame_in_use(&fa, 1 * MiB + 2 * FRAME_SIZE));
    /* Again: nothing new. */
    ck_assert_uint_eq(frame_alloc_reserve(&fa, 1 * MiB, 2 * FRAME_SIZE), 0);
    /* Unaligned, bytes in two frames: both are marked. */
    ck_assert_uint_eq(frame_alloc_reserve(&fa, 1 * MiB + 3 * FRAME_SIZE - 1, 2), 2);
    ck_assert(frame_in_use(&fa, 1 * MiB + 2 * FRAME_SIZE));
    ck_assert(frame_in_use(&fa, 1 * MiB + 3 * FRAME_SIZE));
    /* Spanning the end of region 0, the gap and the start of region 1. */
    ck_assert_uint_eq(frame_alloc_reserve(&fa, 1 * MiB + 14 * FRAME_SIZE, 1 * MiB), 2 + 14);
    ck_assert_uint_eq(fa.free_frames, 32 - 4 - 2 - 14);
    ck_assert_uint_eq(fa.region[0].free, 16 - 6);
    ck_assert_uint_eq(fa.region[1].free, 2);
    /* Entirely outside, zero size, and wrapping past the top of memory. */
    ck_assert_uint_eq(frame_alloc_reserve(&fa, 4 * GiB, 1 * MiB), 0);
    ck_assert_uint_eq(frame_alloc_reserve(&fa, 1 * MiB + 8 * FRAME_SIZE, 0), 0);
    ck_assert_uint_eq(frame_alloc_reserve(&fa, 2 * MiB + 15 * FRAME_SIZE, UINT64_MAX), 1);
    ck_assert_uint_eq(fa.region[1].free, 1);
    ck_assert_uint_eq(fa.free_frames, count_free(1 * MiB, 16) + count_free(2 * MiB, 16));
    /* Reserved frames are never allocated. */
    uint64_t a = frame_alloc(&fa);
    ck_assert(a >= 1 * MiB + 4 * FRAME_SIZE && a < 1 * MiB + 14 * FRAME_SIZE);
}
END_TEST

START_TEST(test_free_errors_change_nothing)
{
    const struct frame_span spans[] = { { 1 * MiB, 8 * FRAME_SIZE } };
    init_ok(spans, 1);
    uint64_t a = frame_alloc_contig(&fa, 4, 0, 0);
    ck_assert_uint_eq(a, 1 * MiB);
    uint64_t free_before = fa.free_frames;

    ck_assert_int_eq(frame_free(&fa, a + 1, 1), -1);                 /* unaligned */
    ck_assert_int_eq(frame_free(&fa, a + 2048, 1), -1);
    ck_assert_int_eq(frame_free(&fa, 4 * GiB, 1), -1);               /* unmanaged */
    ck_assert_int_eq(frame_free(&fa, a - FRAME_SIZE, 2), -1);        /* starts outside */
    ck_assert_int_eq(frame_free(&fa, a, 5), -1);                     /* 5th frame is free */
    ck_assert_int_eq(frame_free(&fa, a + 6 * FRAME_SIZE, 4), -1);    /* runs off the end */
    ck_assert_int_eq(frame_free(&fa, a, UINT64_MAX), -1);            /* size overflows */
    ck_assert_uint_eq(fa.free_frames, free_before);
    for (int i = 0; i < 4; i++)
        ck_assert(frame_in_use(&fa, a + (uint64_t)i * FRAME_SIZE));

    ck_assert_int_eq(frame_free(&fa, a + FRAME_SIZE, 2), 0);
    ck_assert_int_eq(frame_free(&fa, a + FRAME_SIZE, 1), -1);        /* double free */
    ck_assert_int_eq(frame_free(&fa, a, 2), -1);                     /* half double free */
    ck_assert(frame_in_use(&fa, a));
    ck_assert_uint_eq(fa.free_frames, free_before + 2);
    ck_assert_uint_eq(fa.region[0].free, free_before + 2);
    ck_assert_int_eq(frame_free(&fa, a, 1), 0);
    ck_assert_int_eq(frame_free(&fa, a + 3 * FRAME_SIZE, 1), 0);
    ck_assert_uint_eq(fa.free_frames, 8);
}
END_TEST

START_TEST(test_free_across_adjacent_regions)
{
    const struct frame_span spans[] = { { 1 * MiB, 2 * FRAME_SIZE }, { 1 * MiB + 2 * FRAME_SIZE, 2 * FRAME_SIZE } };
    init_ok(spans, 2);
    ck_assert_uint_eq(frame_alloc_reserve(&fa, 1 * MiB, 4 * FRAME_SIZE), 4);
    ck_assert_int_eq(frame_free(&fa, 1 * MiB + FRAME_SIZE, 2), 0);
    ck_assert_uint_eq(fa.region[0].free, 1);
    ck_assert_uint_eq(fa.region[1].free, 1);
    ck_assert_uint_eq(fa.free_frames, 2);
    /* Contiguous allocation does not straddle regions. */
    ck_assert_uint_eq(frame_alloc_contig(&fa, 2, 0, 0), FRAME_NONE);
}
END_TEST

START_TEST(test_contig)
{
    const struct frame_span spans[] = { { 1 * MiB, 1 * MiB + 16 * FRAME_SIZE }, { 8 * MiB, 8 * MiB } };
    init_ok(spans, 2);

    ck_assert_uint_eq(frame_alloc_contig(&fa, 3, 0, 0), 1 * MiB);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, FRAME_SIZE, 0), 1 * MiB + 3 * FRAME_SIZE);
    /* 2 MiB alignment: region 0's only 2 MiB boundary has exactly 16 frames
     * after it; 32 do not fit there, so region 1 is used. */
    ck_assert_uint_eq(frame_alloc_contig(&fa, 16, 2 * MiB, 0), 2 * MiB);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 32, 2 * MiB, 0), 8 * MiB);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 2 * MiB, 0), 10 * MiB);
    ck_assert(frame_in_use(&fa, 8 * MiB + 31 * FRAME_SIZE));
    ck_assert(!frame_in_use(&fa, 8 * MiB + 32 * FRAME_SIZE));
    ck_assert_uint_eq(fa.free_frames, fa.total_frames - 3 - 1 - 16 - 32 - 1);
    ck_assert_uint_eq(fa.region[0].free, fa.region[0].frames - 3 - 1 - 16);

    /* Limit: the last byte must be below it. */
    ck_assert_uint_eq(frame_alloc_contig(&fa, 4, 0, 1 * MiB + 8 * FRAME_SIZE),
                      1 * MiB + 4 * FRAME_SIZE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 0, 1 * MiB + 8 * FRAME_SIZE), FRAME_NONE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 0, 1 * MiB + 9 * FRAME_SIZE - 1), FRAME_NONE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 0, 1 * MiB + 9 * FRAME_SIZE), 1 * MiB + 8 * FRAME_SIZE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 2 * MiB, 10 * MiB + FRAME_SIZE), FRAME_NONE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 2 * MiB, 12 * MiB + FRAME_SIZE), 12 * MiB);

    /* Impossible requests. */
    uint64_t free_before = fa.free_frames;
    ck_assert_uint_eq(frame_alloc_contig(&fa, 0, 0, 0), FRAME_NONE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 2049, 0, 0), FRAME_NONE);  /* > any region */
    ck_assert_uint_eq(frame_alloc_contig(&fa, UINT64_MAX, 0, 0), FRAME_NONE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 2048, 0), FRAME_NONE);   /* align < 4 KiB */
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 3 * FRAME_SIZE, 0), FRAME_NONE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 1ull << 63, 0), FRAME_NONE);
    ck_assert_uint_eq(fa.free_frames, free_before);
}
END_TEST

START_TEST(test_contig_fragmented)
{
    const struct frame_span spans[] = { { 1 * MiB, 64 * FRAME_SIZE } };
    init_ok(spans, 1);
    /* Reserve every even frame except 40: the only run longer than one frame
     * is 39..41. */
    for (uint64_t i = 0; i < 64; i += 2)
        if (i != 40)
            frame_alloc_reserve(&fa, 1 * MiB + i * FRAME_SIZE, FRAME_SIZE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 4, 0, 0), FRAME_NONE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 2, 0, 0), 1 * MiB + 39 * FRAME_SIZE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 2, 0, 0), FRAME_NONE);
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 8 * FRAME_SIZE, 0), FRAME_NONE);   /* even frames used */
    ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 0, 0), 1 * MiB + FRAME_SIZE);
}
END_TEST

/* Random operations checked against a plain array model. */
START_TEST(test_random_against_model)
{
    enum { FRAMES_A = 300, FRAMES_B = 77 };
    const struct frame_span spans[] = { { 4 * MiB, FRAMES_A * FRAME_SIZE },
                                        { 64 * MiB, FRAMES_B * FRAME_SIZE } };
    static bool used[FRAMES_A + FRAMES_B];
    memset(used, 0, sizeof used);
    init_ok(spans, 2);
    srand(12345);

#define MODEL_INDEX(a) ((a) >= 64 * MiB ? FRAMES_A + ((a) - 64 * MiB) / FRAME_SIZE \
                                        : ((a) - 4 * MiB) / FRAME_SIZE)
#define MODEL_ADDR(i) ((i) >= FRAMES_A ? 64 * MiB + ((i) - FRAMES_A) * FRAME_SIZE \
                                       : 4 * MiB + (i) * FRAME_SIZE)
    for (int step = 0; step < 20000; step++) {
        int op = rand() % 4;
        if (op == 0) {
            uint64_t a = frame_alloc(&fa);
            if (a == FRAME_NONE) {
                for (unsigned i = 0; i < FRAMES_A + FRAMES_B; i++)
                    ck_assert(used[i]);
            } else {
                ck_assert(!used[MODEL_INDEX(a)]);
                used[MODEL_INDEX(a)] = true;
            }
        } else if (op == 1) {
            uint64_t count = 1 + (uint64_t)(rand() % 6);
            uint64_t align = FRAME_SIZE << (rand() % 4);
            uint64_t a = frame_alloc_contig(&fa, count, align, 0);
            if (a != FRAME_NONE) {
                ck_assert_uint_eq(a % align, 0);
                for (uint64_t k = 0; k < count; k++) {
                    ck_assert(!used[MODEL_INDEX(a) + k]);
                    used[MODEL_INDEX(a) + k] = true;
                }
            }
        } else if (op == 2) {
            unsigned i = (unsigned)rand() % (FRAMES_A + FRAMES_B);
            uint64_t count = 1 + (uint64_t)(rand() % 3);
            bool expect_ok = (i < FRAMES_A ? i + count <= FRAMES_A : i + count <= FRAMES_A + FRAMES_B);
            for (uint64_t k = 0; expect_ok && k < count; k++)
                expect_ok = used[i + k];
            ck_assert_int_eq(frame_free(&fa, MODEL_ADDR(i), count), expect_ok ? 0 : -1);
            for (uint64_t k = 0; expect_ok && k < count; k++)
                used[i + k] = false;
        } else if (rand() % 8 == 0) {
            unsigned i = (unsigned)rand() % (FRAMES_A + FRAMES_B);
            uint64_t expected = !used[i];
            ck_assert_uint_eq(frame_alloc_reserve(&fa, MODEL_ADDR(i), FRAME_SIZE), expected);
            used[i] = true;
        }
        if (step % 500 == 0) {
            uint64_t model_free = 0;
            for (unsigned i = 0; i < FRAMES_A + FRAMES_B; i++) {
                model_free += !used[i];
                ck_assert(frame_in_use(&fa, MODEL_ADDR(i)) == used[i]);
            }
            ck_assert_uint_eq(fa.free_frames, model_free);
            ck_assert_uint_eq(fa.region[0].free + fa.region[1].free, model_free);
        }
    }
#undef MODEL_INDEX
#undef MODEL_ADDR
}
END_TEST

Suite *frames_suite(void)
{
    Suite *s = suite_create("frames");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_metadata_size);
    tcase_add_test(tc, test_init_basic);
    tcase_add_test(tc, test_init_rejects_bad_spans);
    tcase_add_test(tc, test_init_rejects_bad_metadata);
    tcase_add_test(tc, test_init_region_limit);
    tcase_add_test(tc, test_exhaust_and_free_all);
    tcase_add_test(tc, test_frame_zero_never_returned);
    tcase_add_test(tc, test_reserve);
    tcase_add_test(tc, test_free_errors_change_nothing);
    tcase_add_test(tc, test_free_across_adjacent_regions);
    tcase_add_test(tc, test_contig);
    tcase_add_test(tc, test_contig_fragmented);
    tcase_add_test(tc, test_random_against_model);
    suite_add_tcase(s, tc);
    return s;
}
