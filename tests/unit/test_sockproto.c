/* Unit tests for the socket protocol's pure parts (pvdrivers/include/pvk/
 * sockproto.h): the index checks the network server applies to every ring
 * index a client sends, the ring copies across the ring's end and the 2^32
 * wrap, the UDP record decoding of a client-written (untrusted) tx ring;
 * and netsrv's ip= parser (servers/netsrv/ipaddr.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ipaddr.h"
#include "pvk/sockproto.h"
#include "suites.h"

START_TEST(test_index_ok)
{
    ck_assert(sock_index_ok(0, 0, 0));
    ck_assert(sock_index_ok(0, 5, 10));
    ck_assert(sock_index_ok(0, 10, 10));
    ck_assert(!sock_index_ok(0, 11, 10));
    ck_assert(!sock_index_ok(5, 4, 10));            /* behind what was already reported */
    ck_assert(!sock_index_ok(5, 0xffffffffu, 10));
    /* Across the 2^32 wrap. */
    ck_assert(sock_index_ok(0xfffffff0u, 0xfffffff8u, 0x10u));
    ck_assert(sock_index_ok(0xfffffff0u, 0x8u, 0x10u));
    ck_assert(sock_index_ok(0xfffffff0u, 0x10u, 0x10u));
    ck_assert(!sock_index_ok(0xfffffff0u, 0x11u, 0x10u));
    ck_assert(!sock_index_ok(0xfffffff0u, 0xffffffefu, 0x10u));
}
END_TEST

/* The server's view of one tx ring against a client that sends random
 * heads, honest or not: every accepted head keeps the ring's fill within
 * its size and never moves backwards. */
START_TEST(test_index_model)
{
    srand(7);
    uint32_t head = 0xffff0000u, tail = head;
    for (int i = 0; i < 200000; i++) {
        uint32_t proposal;
        switch (rand() % 4) {
        case 0: proposal = head + (uint32_t)(rand() % (SOCK_RING_BYTES + 1)); break;     /* maybe too far */
        case 1: proposal = head - (uint32_t)(rand() % 100); break;                     /* backwards */
        case 2: proposal = (uint32_t)rand() * 65599u; break;                            /* nonsense */
        default: proposal = tail + SOCK_RING_BYTES; break;                              /* exactly full */
        }
        if (sock_index_ok(head, proposal, tail + SOCK_RING_BYTES)) {
            CHECK((uint32_t)(proposal - tail) <= SOCK_RING_BYTES);
            CHECK((uint32_t)(proposal - head) <= SOCK_RING_BYTES);
            head = proposal;
        }
        tail += (uint32_t)(rand() % ((head - tail) + 1));     /* the server takes some */
        CHECK((uint32_t)(head - tail) <= SOCK_RING_BYTES);
    }
}
END_TEST

START_TEST(test_ring_copy_wrap)
{
    uint8_t ring[64], in[64], out[64];
    for (int i = 0; i < 64; i++)
        in[i] = (uint8_t)(i + 1);
    for (uint32_t k = 0, pos = 0xffffffc0u; k < 20; k++, pos += 7) {
        for (uint32_t n = 0; n <= 64; n += 13) {
            memset(ring, 0, sizeof ring);
            memset(out, 0, sizeof out);
            sock_ring_put(ring, 64, pos, in, n);
            sock_ring_get(ring, 64, pos, out, n);
            CHECK(memcmp(in, out, n) == 0);
            if (n)
                CHECK_EQ(ring[pos & 63], 1);
        }
    }
}
END_TEST

START_TEST(test_records)
{
    ck_assert_uint_eq(sock_record_bytes(0), 8);
    ck_assert_uint_eq(sock_record_bytes(1), 16);
    ck_assert_uint_eq(sock_record_bytes(8), 16);
    ck_assert_uint_eq(sock_record_bytes(SOCK_DGRAM_MAX), 8 + SOCK_DGRAM_MAX);
    static uint8_t ring[256];
    struct sock_dgram h = { .len = 100, .port = 7, .addr = 0x0a00020fu }, got;
    uint32_t pos = 250;                             /* the header wraps the ring's end */
    sock_ring_put(ring, sizeof ring, pos, &h, sizeof h);
    ck_assert(sock_record_peek(ring, sizeof ring, pos, sock_record_bytes(100), &got));
    ck_assert_uint_eq(got.len, 100);
    ck_assert_uint_eq(got.port, 7);
    ck_assert_uint_eq(got.addr, 0x0a00020fu);
    ck_assert(!sock_record_peek(ring, sizeof ring, pos, sock_record_bytes(100) - 1, &got)); /* cut short */
    ck_assert(!sock_record_peek(ring, sizeof ring, pos, 7, &got));                          /* no header */
    ck_assert(!sock_record_peek(ring, sizeof ring, pos, sizeof ring + 8, &got));            /* impossible fill */
    h.len = SOCK_DGRAM_MAX + 1;                     /* a lie about the length */
    sock_ring_put(ring, sizeof ring, pos, &h, sizeof h);
    ck_assert(!sock_record_peek(ring, sizeof ring, pos, sizeof ring, &got));
    h.len = 0xffff;
    sock_ring_put(ring, sizeof ring, pos, &h, sizeof h);
    ck_assert(!sock_record_peek(ring, sizeof ring, pos, sizeof ring, &got));
}
END_TEST

START_TEST(test_layout)
{
    ck_assert_uint_eq(SOCK_RX_OFFSET(0), 4096);
    ck_assert_uint_eq(SOCK_TX_OFFSET(0), 4096 + SOCK_RING_BYTES);
    ck_assert_uint_eq(SOCK_RX_OFFSET(1), 4096 + 2 * SOCK_RING_BYTES);
    ck_assert_uint_eq(SOCK_REGION_BYTES, 4096 + 2ull * SOCK_RING_BYTES * SOCK_MAX_SOCKETS);
    ck_assert_uint_eq(SOCK_REGION_BYTES % 4096, 0);
    ck_assert(SOCK_MAX_SOCKETS <= 61);              /* signal bits stay clear of PVK_NTFN_* (61..63) */
}
END_TEST

START_TEST(test_parse_ip)
{
    uint32_t a = 1, g = 1;
    unsigned p = 1;
    ck_assert(addr_parse_ip("10.0.2.15/24", &a, &p, &g));
    ck_assert_uint_eq(a, 0x0a00020fu);
    ck_assert_uint_eq(p, 24);
    ck_assert_uint_eq(g, 0);
    ck_assert(addr_parse_ip("192.168.1.200/30:192.168.1.1", &a, &p, &g));
    ck_assert_uint_eq(a, 0xc0a801c8u);
    ck_assert_uint_eq(p, 30);
    ck_assert_uint_eq(g, 0xc0a80101u);
    static const char *const bad[] = {
        "", "10.0.2.15", "10.0.2.15/", "10.0.2.15/0", "10.0.2.15/31", "10.0.2.256/24", "10.0.2/24",
        "10.0.2.15.1/24", "10.0.2.15/24:", "10.0.2.15/24:10.0.2", "10.0.2.15/24x", "0010.0.2.15/24",
        "a.b.c.d/24", "10..2.15/24", "10.0.2.15/24:10.0.2.2:1",
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        a = g = 7;
        p = 7;
        ck_assert_msg(!addr_parse_ip(bad[i], &a, &p, &g), "accepted '%s'", bad[i]);
        ck_assert_uint_eq(a, 7);
    }
}
END_TEST

Suite *sockproto_suite(void)
{
    Suite *s = suite_create("sockproto");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_index_ok);
    tcase_add_test(tc, test_index_model);
    tcase_add_test(tc, test_ring_copy_wrap);
    tcase_add_test(tc, test_records);
    tcase_add_test(tc, test_layout);
    tcase_add_test(tc, test_parse_ip);
    suite_add_tcase(s, tc);
    return s;
}
