/* Tests for the I/O-port range check (kernel/include/obj/ioport.h): every
 * width at both ends of a range, and ports near 2^64 whose sum with the
 * width would wrap (the old check accepted them and the truncated port
 * then reached outside the range). */
#include <stdint.h>

#include "obj/ioport.h"
#include "suites.h"

static struct ioport_obj range(uint32_t base, uint32_t count)
{
    return (struct ioport_obj){ .base = base, .count = count };
}

START_TEST(test_inside_and_edges)
{
    struct ioport_obj io = range(0x100, 0x10);
    for (unsigned w = 1; w <= 4; w *= 2) {
        ck_assert(ioport_covers(io.base, io.count, 0x100, w));
        ck_assert(ioport_covers(io.base, io.count, 0x110 - w, w));
        ck_assert(!ioport_covers(io.base, io.count, 0x110 - w + 1, w));
        ck_assert(!ioport_covers(io.base, io.count, 0xff, w));
        ck_assert(!ioport_covers(io.base, io.count, 0x110, w));
    }
}
END_TEST

START_TEST(test_no_wrap_around)
{
    struct ioport_obj io = range(0x100, 0x10), all = range(0, 0x10000);
    for (unsigned w = 1; w <= 4; w *= 2) {
        for (uint64_t back = 1; back <= 8; back++) {
            ck_assert(!ioport_covers(io.base, io.count, UINT64_MAX - back + 1, w));
            ck_assert(!ioport_covers(all.base, all.count, UINT64_MAX - back + 1, w));
        }
        ck_assert(!ioport_covers(all.base, all.count, 0x10000, w));
        ck_assert(!ioport_covers(all.base, all.count, 0x10000 - w + 1, w));
        ck_assert(ioport_covers(all.base, all.count, 0x10000 - w, w));
        ck_assert(!ioport_covers(all.base, all.count, 0x100000000ull, w));      /* truncates to port 0 */
    }
}
END_TEST

START_TEST(test_small_ranges)
{
    struct ioport_obj empty = range(0x100, 0), one = range(0x100, 1), two = range(0x100, 2);
    ck_assert(!ioport_covers(empty.base, empty.count, 0x100, 1));
    ck_assert(ioport_covers(one.base, one.count, 0x100, 1));
    ck_assert(!ioport_covers(one.base, one.count, 0x100, 2));
    ck_assert(!ioport_covers(one.base, one.count, 0x100, 4));
    ck_assert(ioport_covers(two.base, two.count, 0x100, 2));
    ck_assert(!ioport_covers(two.base, two.count, 0x101, 2));
    ck_assert(!ioport_covers(two.base, two.count, 0x100, 4));
}
END_TEST

Suite *ioport_suite(void)
{
    Suite *s = suite_create("ioport");
    TCase *tc = tcase_create("covers");
    tcase_add_test(tc, test_inside_and_edges);
    tcase_add_test(tc, test_no_wrap_around);
    tcase_add_test(tc, test_small_ranges);
    suite_add_tcase(s, tc);
    return s;
}
