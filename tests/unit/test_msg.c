/* Tests for the message tag (uapi/abi.h's TAG macros), the bounds the
 * kernel enforces on it (msg.h, used by kernel/object/endpoint.c), the IPC fast
 * paths' short-message test, and the IPC buffer's layout. */
#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "suites.h"
#include "uapi/abi.h"

static uint64_t rng_state;

static uint64_t rng64(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t hi = rng_state >> 32;
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return hi << 32 | rng_state >> 32;
}

START_TEST(test_limits)
{
    ck_assert_int_eq(SYS_MSG_MAX, 64);
    ck_assert_int_eq(SYS_MSG_CAPS_MAX, 1);
    ck_assert_int_eq(SYS_MSG_REGS, 4);
    /* The limits fit the tag's fields. */
    ck_assert_uint_eq(TAG_LEN(TAG(0, SYS_MSG_MAX, 0)), SYS_MSG_MAX);
    ck_assert_uint_eq(TAG_CAPS(TAG(0, 0, SYS_MSG_CAPS_MAX)), SYS_MSG_CAPS_MAX);
}
END_TEST

START_TEST(test_tag_round_trip)
{
    static const uint64_t labels[] = {
        0, 1, 0xffff, 0x10000, LABEL_FAULT, LABEL_NOTIFY, 0x123456789abcull,
        (1ull << 48) - 1,       /* the largest label: 48 bits */
    };
    for (unsigned l = 0; l < sizeof labels / sizeof labels[0]; l++)
        for (unsigned len = 0; len < 256; len++)
            for (unsigned caps = 0; caps < 256; caps += (caps < 4 ? 1 : 37)) {
                uint64_t t = TAG(labels[l], len, caps);
                CHECK_EQ(TAG_LEN(t), len);
                CHECK_EQ(TAG_CAPS(t), caps);
                CHECK_EQ(TAG_LABEL(t), labels[l]);
                CHECK_EQ(TAG(TAG_LABEL(t), TAG_LEN(t), TAG_CAPS(t)), t);
            }
    /* Any 64-bit value splits into fields that build it again. */
    rng_state = 1;
    for (int i = 0; i < 100000; i++) {
        uint64_t t = rng64();
        CHECK_EQ(TAG(TAG_LABEL(t), TAG_LEN(t), TAG_CAPS(t)), t);
        CHECK(TAG_LEN(t) <= 0xff);
        CHECK(TAG_CAPS(t) <= 0xff);
    }
    /* The macros take their arguments as expressions. */
    unsigned n = 3;
    CHECK_EQ(TAG_LEN(TAG(7, n + 1, n - 3)), 4);
    CHECK_EQ(TAG_LABEL(TAG(7 + 1, 0, 0) | 0xffff), 8);
    /* Field positions, as user code and syscall.S see them. */
    CHECK_EQ(TAG(0x1234, 0x56, 0x78), 0x12347856ull);
}
END_TEST

START_TEST(test_kernel_accepts)
{
    /* Exactly len <= 64 and caps <= 1, whatever the label. */
    static const uint64_t labels[] = { 0, 1, LABEL_FAULT, (1ull << 48) - 1 };
    for (unsigned l = 0; l < sizeof labels / sizeof labels[0]; l++)
        for (unsigned len = 0; len < 256; len++)
            for (unsigned caps = 0; caps < 256; caps++) {
                bool ok = msg_tag_ok(TAG(labels[l], len, caps));
                CHECK_EQ(ok, len <= 64 && caps <= 1);
            }
    CHECK(msg_tag_ok(TAG(0, SYS_MSG_MAX, SYS_MSG_CAPS_MAX)));
    CHECK(!msg_tag_ok(TAG(0, SYS_MSG_MAX + 1, 0)));
    CHECK(!msg_tag_ok(TAG(0, 0, SYS_MSG_CAPS_MAX + 1)));
    CHECK(!msg_tag_ok(TAG(0, 65, 2)));
    CHECK(msg_tag_ok(TAG(LABEL_FAULT, 4, 0)));     /* what a fault message carries */
    CHECK(msg_tag_ok(0));
    CHECK(!msg_tag_ok(UINT64_MAX));
}
END_TEST

/* syscall.S's fast path tests (tag & 0xffff) <= 4 (movzwl %si; cmpl $4):
 * the same as "len <= 4 and no caps", for every tag. */
static bool asm_short(uint64_t tag)
{
    return (uint32_t)(uint16_t)tag <= 4;
}

START_TEST(test_fast_path_short_tag)
{
    static const uint64_t labels[] = { 0, 1, 0xffff, (1ull << 48) - 1 };
    for (unsigned l = 0; l < sizeof labels / sizeof labels[0]; l++)
        for (unsigned len = 0; len < 256; len++)
            for (unsigned caps = 0; caps < 256; caps++) {
                uint64_t t = TAG(labels[l], len, caps);
                bool s = len <= SYS_MSG_REGS && caps == 0;
                CHECK_EQ(msg_tag_short(t), s);
                CHECK_EQ(asm_short(t), s);
                CHECK_EQ((t & 0xffff) <= SYS_MSG_REGS, s);
                /* A short message is one the general path accepts too. */
                if (s)
                    CHECK(msg_tag_ok(t));
            }
    rng_state = 2;
    for (int i = 0; i < 100000; i++) {
        uint64_t t = rng64();
        if (i & 1)
            t = (t & ~0xffffull) | (t & 0x307);     /* len 0..7, caps 0..3: often short */
        CHECK_EQ(asm_short(t), msg_tag_short(t));
    }
}
END_TEST

START_TEST(test_ipc_buffer_layout)
{
    ck_assert_uint_eq(sizeof(struct ipc_buffer), 1024);
    ck_assert_uint_eq(offsetof(struct ipc_buffer, mr), 0);
    ck_assert_uint_eq(sizeof(((struct ipc_buffer *)0)->mr), SYS_MSG_MAX * 8);
    ck_assert_uint_eq(offsetof(struct ipc_buffer, mr[SYS_MSG_REGS]), 32);
    ck_assert_uint_eq(offsetof(struct ipc_buffer, mr[SYS_MSG_MAX - 1]), 504);
    ck_assert_uint_eq(offsetof(struct ipc_buffer, send_cap), 512);
    ck_assert_uint_eq(offsetof(struct ipc_buffer, recv_slot), 520);
    ck_assert_uint_eq(offsetof(struct ipc_buffer, recv_cap_badge), 528);
    ck_assert_uint_eq(offsetof(struct ipc_buffer, reserved), 536);
    ck_assert_uint_eq(sizeof(((struct ipc_buffer *)0)->send_cap), 8);
    ck_assert_uint_eq(sizeof(((struct ipc_buffer *)0)->recv_slot), 8);
    ck_assert_uint_eq(sizeof(((struct ipc_buffer *)0)->recv_cap_badge), 8);
    /* A buffer fits a page and starts page aligned there, so every word is
     * naturally aligned. */
    ck_assert_uint_le(sizeof(struct ipc_buffer), 4096);
    ck_assert_uint_eq(_Alignof(struct ipc_buffer), 8);
}
END_TEST

Suite *msg_suite(void)
{
    Suite *s = suite_create("msg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_tag_round_trip);
    tcase_add_test(tc, test_kernel_accepts);
    tcase_add_test(tc, test_fast_path_short_tag);
    tcase_add_test(tc, test_ipc_buffer_layout);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
