/* Unit tests for servers/netsrv/csum.c: the pseudo-header sum netsrv puts
 * in a TCP segment for checksum offload, completed the way the device (and
 * pvdrivers/net's software fallback) completes it, must give the checksum
 * RFC 793 defines, computed here from scratch; frames that are not
 * unfragmented IPv4 TCP are left alone. */
#include <stdlib.h>
#include <string.h>
#include "csum.h"
#include "pvk/netproto.h"
#include "suites.h"

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t fold_not(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* An Ethernet + IPv4 + TCP frame with payload bytes of a pattern; the TCP
 * checksum field 0 (as lwIP leaves it). Returns the frame's length. */
static uint32_t make_frame(uint8_t *f, uint32_t payload, unsigned seed)
{
    memset(f, 0, 14 + 20 + 20 + payload);
    f[12] = 0x08;
    uint8_t *ip = f + 14, *tcp = ip + 20;
    uint32_t total = 20 + 20 + payload;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(total >> 8);
    ip[3] = (uint8_t)total;
    ip[8] = 64;
    ip[9] = 6;
    uint8_t addrs[8] = { 10, 0, 2, 15, 10, 0, 2, (uint8_t)(2 + seed) };
    memcpy(ip + 12, addrs, 8);
    tcp[0] = 0; tcp[1] = 80; tcp[2] = 0xc3; tcp[3] = (uint8_t)seed;
    tcp[4] = (uint8_t)(seed * 7); tcp[7] = 1; tcp[12] = 5 << 4; tcp[13] = 0x18; tcp[14] = 0xff; tcp[15] = 0xff;
    srand(seed);
    for (uint32_t i = 0; i < payload; i++)
        tcp[20 + i] = (uint8_t)rand();
    return 14 + total;
}

/* RFC 793: the complement of the sum over the pseudo header and segment. */
static uint16_t reference(const uint8_t *f)
{
    const uint8_t *ip = f + 14;
    uint32_t seglen = ((uint32_t)ip[2] << 8 | ip[3]) - 20;
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    pseudo[10] = (uint8_t)(seglen >> 8);
    pseudo[11] = (uint8_t)seglen;
    return fold_not(sum16(ip + 20, seglen, sum16(pseudo, 12, 0)));
}

/* What the device does with NET_DESC_F_NEEDS_CSUM (virtio-net, and the
 * driver's software fallback): the sum from csum_start to the frame's end,
 * stored at csum_start + csum_offset. */
static void complete(uint8_t *f, uint32_t len, uint32_t flags)
{
    uint32_t start = NET_DESC_CSUM_START(flags), off = NET_DESC_CSUM_OFFSET(flags);
    uint16_t r = fold_not(sum16(f + start, len - start, 0));
    f[start + off] = (uint8_t)(r >> 8);
    f[start + off + 1] = (uint8_t)r;
}

START_TEST(test_offload_matches_rfc)
{
    static uint8_t f[1600];
    static const uint32_t sizes[] = { 0, 1, 2, 3, 100, 1459, 1460 };
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint32_t len = make_frame(f, sizes[i], i + 1);
        uint16_t want = reference(f);
        uint32_t flags = csum_tcp_offload(f, len);
        ck_assert_uint_eq(flags & NET_DESC_F_NEEDS_CSUM, NET_DESC_F_NEEDS_CSUM);
        ck_assert_uint_eq(NET_DESC_CSUM_START(flags), 34);
        ck_assert_uint_eq(NET_DESC_CSUM_OFFSET(flags), 16);
        complete(f, len, flags);
        ck_assert_uint_eq((uint32_t)f[50] << 8 | f[51], want);
    }
}
END_TEST

START_TEST(test_padded_runt)
{
    /* A bare ACK is 54 bytes, padded with zeros to 60: the device sums the
     * padding too, which must not change the result. */
    static uint8_t f[64];
    uint32_t len = make_frame(f, 0, 9);
    uint16_t want = reference(f);
    uint32_t flags = csum_tcp_offload(f, len);
    memset(f + len, 0, 60 - len);
    complete(f, 60, flags);
    ck_assert_uint_eq((uint32_t)f[50] << 8 | f[51], want);
}
END_TEST

START_TEST(test_left_alone)
{
    static uint8_t f[200], copy[200];
    uint32_t len = make_frame(f, 40, 3);
    memcpy(copy, f, sizeof f);
    f[23] = 17;                                 /* UDP */
    ck_assert_uint_eq(csum_tcp_offload(f, len), 0);
    f[23] = 6;
    f[12] = 0x86; f[13] = 0xdd;                 /* IPv6 */
    ck_assert_uint_eq(csum_tcp_offload(f, len), 0);
    memcpy(f, copy, sizeof f);
    f[20] = 0x20;                               /* more fragments */
    ck_assert_uint_eq(csum_tcp_offload(f, len), 0);
    f[20] = 0; f[21] = 8;                       /* a fragment offset */
    ck_assert_uint_eq(csum_tcp_offload(f, len), 0);
    memcpy(f, copy, sizeof f);
    ck_assert_uint_eq(csum_tcp_offload(f, len - 1), 0);   /* total length past the frame */
    ck_assert_uint_eq(csum_tcp_offload(f, 30), 0);        /* truncated header */
    f[14] = 0x44;                               /* IHL 16 bytes */
    ck_assert_uint_eq(csum_tcp_offload(f, len), 0);
    f[14] = 0x4f; f[17] = 50;                   /* IHL 60 > total length - 20 */
    ck_assert_uint_eq(csum_tcp_offload(f, len), 0);
    memcpy(f, copy, sizeof f);
    ck_assert_uint_eq(csum_tcp_offload(f, len) != 0, 1);
}
END_TEST

Suite *netcsum_suite(void)
{
    Suite *s = suite_create("netcsum");
    TCase *tc = tcase_create("offload");
    tcase_add_test(tc, test_offload_matches_rfc);
    tcase_add_test(tc, test_padded_runt);
    tcase_add_test(tc, test_left_alone);
    suite_add_tcase(s, tc);
    return s;
}
