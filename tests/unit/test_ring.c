/* Unit tests for pvdrivers/include/pvk/ring.h: the index arithmetic of the
 * shared rings. pvk_ring_pending (consumer side: the producer's head is
 * untrusted) and pvk_ring_space (producer side: the consumer's tail is
 * untrusted) must count across the 2^32 wrap and return -1 for any index
 * that no honest peer could publish: head more than size ahead of tail, or
 * tail ahead of head. */
#include <stdint.h>
#include <string.h>
#include "pvk/ring.h"
#include "suites.h"

static struct pvk_ring_hdr r;

static int64_t pending(uint32_t size, uint32_t head, uint32_t tail)
{
    memset(&r, 0, sizeof r);
    r.head = head;
    r.size = size;
    return pvk_ring_pending(&r, size, tail);
}

static int64_t space(uint32_t size, uint32_t head, uint32_t tail)
{
    memset(&r, 0, sizeof r);
    r.tail = tail;
    r.size = size;
    return pvk_ring_space(&r, size, head);
}

START_TEST(test_ring_normal)
{
    ck_assert_int_eq(pending(8, 0, 0), 0);
    ck_assert_int_eq(space(8, 0, 0), 8);
    ck_assert_int_eq(pending(8, 3, 0), 3);
    ck_assert_int_eq(space(8, 3, 0), 5);
    ck_assert_int_eq(pending(8, 8, 0), 8);      /* full */
    ck_assert_int_eq(space(8, 8, 0), 0);
    ck_assert_int_eq(pending(8, 105, 100), 5);
    ck_assert_int_eq(space(8, 105, 100), 3);
    ck_assert_int_eq(pending(256, 1000, 1000), 0);
    ck_assert_int_eq(space(256, 1256, 1000), 0);
    /* the size the caller passes counts, not the shared copy */
    r.size = 1u << 30;
    r.head = 20;
    ck_assert_int_eq(pvk_ring_pending(&r, 8, 0), -1);
}
END_TEST

START_TEST(test_ring_wrap)
{
    ck_assert_int_eq(pending(8, 3, 0xfffffffeu), 5);
    ck_assert_int_eq(space(8, 3, 0xfffffffeu), 3);
    ck_assert_int_eq(pending(8, 0, 0xfffffff8u), 8);
    ck_assert_int_eq(space(8, 0, 0xfffffff8u), 0);
    ck_assert_int_eq(pending(8, 0xffffffffu, 0xffffffffu), 0);
    ck_assert_int_eq(space(8, 0xffffffffu, 0xffffffffu), 8);
    ck_assert_int_eq(pending(1024, 0x10u, 0xfffffc10u), 1024);
    /* every position around the wrap, every fill level */
    for (uint32_t t = 0xffffffe0u; t != 0x20u; t++)
        for (uint32_t k = 0; k <= 16; k++) {
            CHECK_EQ(pending(16, t + k, t), k);
            CHECK_EQ(space(16, t + k, t), 16 - k);
        }
}
END_TEST

START_TEST(test_ring_hostile)
{
    /* head more than size ahead */
    ck_assert_int_eq(pending(8, 9, 0), -1);
    ck_assert_int_eq(pending(8, 0x7fffffffu, 0), -1);
    ck_assert_int_eq(pending(8, 0x80000000u, 0), -1);
    ck_assert_int_eq(pending(8, 7, 0xfffffffeu), -1);
    ck_assert_int_eq(space(8, 9, 0), -1);
    /* tail ahead of head */
    ck_assert_int_eq(pending(8, 5, 6), -1);
    ck_assert_int_eq(pending(8, 0xffffffffu, 0), -1);
    ck_assert_int_eq(pending(8, 0xfffffffeu, 2), -1);
    ck_assert_int_eq(space(8, 5, 6), -1);
    ck_assert_int_eq(space(8, 0xffffffffu, 0), -1);
    ck_assert_int_eq(space(8, 0xfffffffeu, 2), -1);
    ck_assert_int_eq(space(8, 0, 0x80000000u), -1);
    /* every impossible distance for a small ring, around the wrap too */
    const uint32_t bases[] = { 0, 1000, 0x7ffffffcu, 0xfffffff0u, 0xffffffffu };
    for (unsigned i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        uint32_t t = bases[i];
        for (uint64_t d = 17; d < (1ull << 32); d = d < 0x1000 ? d + 1 : d * 2 + 1) {
            CHECK_EQ(pending(16, t + (uint32_t)d, t), -1);
            CHECK_EQ(space(16, t + (uint32_t)d, t), -1);
        }
        for (uint32_t d = 1; d <= 64; d++) {    /* tail d ahead of head */
            CHECK_EQ(pending(16, t - d, t), -1);
            CHECK_EQ(space(16, t - d, t), -1);
        }
    }
    /* results always within [0, size] or -1 */
    for (uint32_t h = 0xfffffff0u; h != 0x10u; h++)
        for (uint32_t t = 0xfffffff0u; t != 0x10u; t++) {
            int64_t p = pending(8, h, t), s = space(8, h, t);
            CHECK(p == -1 || (p >= 0 && p <= 8));
            CHECK(s == -1 || (s >= 0 && s <= 8));
            CHECK((p == -1) == (s == -1));
            CHECK(p == -1 || p + s == 8);
        }
}
END_TEST

Suite *ring_suite(void)
{
    Suite *s = suite_create("ring");
    TCase *tc = tcase_create("indices");
    tcase_add_test(tc, test_ring_normal);
    tcase_add_test(tc, test_ring_wrap);
    tcase_add_test(tc, test_ring_hostile);
    suite_add_tcase(s, tc);
    return s;
}
