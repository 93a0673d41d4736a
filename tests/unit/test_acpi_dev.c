/* Unit tests for the device parts of kernel/lib/acpi.c: the MCFG (PCI
 * Express ECAM regions) and the virtio-mmio devices in the DSDT. Inputs are
 * heap copies of exactly their length, so AddressSanitizer catches any
 * read past the end. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "acpi.h"
#include "suites.h"

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t *dup(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(c);
    memcpy(c, p, n);
    return c;
}

/* --- MCFG ------------------------------------------------------------------- */

static size_t build_mcfg(uint8_t *t, unsigned n, const uint64_t *base, const uint8_t *start,
                         const uint8_t *end)
{
    size_t len = 44 + 16 * n;
    memset(t, 0, len);
    memcpy(t, "MCFG", 4);
    put32(t + 4, (uint32_t)len);
    t[8] = 1;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = t + 44 + 16 * i;
        put64(e, base[i]);
        put16(e + 8, (uint16_t)i);
        e[10] = start[i];
        e[11] = end[i];
    }
    return len;
}

static int mcfg(const uint8_t *t, size_t len, struct acpi_mcfg_info *out)
{
    uint8_t *c = dup(t, len);
    int rc = acpi_parse_mcfg(c, (uint32_t)len, out);
    free(c);
    return rc;
}

START_TEST(mcfg_good_table)
{
    uint8_t t[44 + 16 * 8];
    /* q35: one segment at 0xb0000000, buses 0-255. */
    uint64_t base[] = { 0xb0000000ull, 0x4000000000ull, 0xe0000000ull, 0xc0000000ull, 0xd0000000ull, 0xf0000000ull };
    uint8_t start[] = { 0, 16, 0, 0, 0, 0 }, end[] = { 255, 31, 0, 1, 2, 3 };
    struct acpi_mcfg_info mi;
    size_t len = build_mcfg(t, 1, base, start, end);
    ck_assert_int_eq(mcfg(t, len, &mi), ACPI_OK);
    ck_assert_uint_eq(mi.count, 1);
    CHECK_EQ(mi.ecam[0].paddr, 0xb0000000ull);
    ck_assert_uint_eq(mi.ecam[0].segment, 0);
    ck_assert_uint_eq(mi.ecam[0].bus_start, 0);
    ck_assert_uint_eq(mi.ecam[0].bus_end, 255);
    /* A region starting at bus 16: paddr is the config space of bus 16. */
    len = build_mcfg(t, 2, base, start, end);
    ck_assert_int_eq(mcfg(t, len, &mi), ACPI_OK);
    ck_assert_uint_eq(mi.count, 2);
    CHECK_EQ(mi.ecam[1].paddr, 0x4000000000ull + (16ull << 20));
    ck_assert_uint_eq(mi.ecam[1].segment, 1);
    ck_assert_uint_eq(mi.ecam[1].bus_start, 16);
    ck_assert_uint_eq(mi.ecam[1].bus_end, 31);
    /* No entries at all: fine, none. */
    len = build_mcfg(t, 0, base, start, end);
    ck_assert_int_eq(mcfg(t, len, &mi), ACPI_OK);
    ck_assert_uint_eq(mi.count, 0);
    /* More than ACPI_MAX_ECAM: the first ones are kept. */
    len = build_mcfg(t, 6, base, start, end);
    ck_assert_int_eq(mcfg(t, len, &mi), ACPI_OK);
    ck_assert_uint_eq(mi.count, ACPI_MAX_ECAM);
    CHECK_EQ(mi.ecam[3].paddr, 0xc0000000ull);
}
END_TEST

START_TEST(mcfg_bad_entries)
{
    uint8_t t[44 + 16 * 2];
    uint64_t base[] = { 0xb0000000ull, 0xe0000000ull };
    uint8_t start[] = { 0, 0 }, end[] = { 255, 0 };
    struct acpi_mcfg_info mi;
    /* End bus below start bus. */
    start[1] = 5;
    end[1] = 4;
    size_t len = build_mcfg(t, 2, base, start, end);
    ck_assert_int_eq(mcfg(t, len, &mi), ACPI_EINVAL);
    ck_assert_uint_le(mi.count, 1);
    /* One bus is fine. */
    end[1] = 5;
    len = build_mcfg(t, 2, base, start, end);
    ck_assert_int_eq(mcfg(t, len, &mi), ACPI_OK);
    ck_assert_uint_eq(mi.count, 2);
    /* Base not 1 MiB aligned, base 0. */
    static const uint64_t bad[] = { 0xb0080000ull, 0xb0000001ull, 0xfffffull, 0 };
    for (unsigned i = 0; i < 4; i++) {
        base[0] = bad[i];
        len = build_mcfg(t, 1, base, start, end);
        ck_assert_int_eq(mcfg(t, len, &mi), ACPI_EINVAL);
        ck_assert_uint_eq(mi.count, 0);
    }
    /* Buses past the 52-bit physical address space: refused, not wrapped
     * (found by fuzz_acpi: base + start bus << 20 wrapped to 0). */
    static const uint64_t high[] = { 0xfff0000000000000ull, (1ull << 52) - (1ull << 20) };
    start[0] = 16;
    end[0] = 16;
    for (unsigned i = 0; i < 2; i++) {
        base[0] = high[i];
        len = build_mcfg(t, 1, base, start, end);
        ck_assert_int_eq(mcfg(t, len, &mi), ACPI_EINVAL);
        ck_assert_uint_eq(mi.count, 0);
    }
    base[0] = (1ull << 52) - (17ull << 20);      /* the last bus ends exactly at the limit */
    len = build_mcfg(t, 1, base, start, end);
    ck_assert_int_eq(mcfg(t, len, &mi), ACPI_OK);
    CHECK_EQ(mi.ecam[0].paddr, (1ull << 52) - (1ull << 20));
    start[0] = 0;
    end[0] = 255;
    /* Wrong signature. */
    base[0] = 0xb0000000ull;
    len = build_mcfg(t, 1, base, start, end);
    memcpy(t, "MCFH", 4);
    ck_assert_int_eq(mcfg(t, len, &mi), ACPI_EINVAL);
    ck_assert_int_eq(acpi_parse_mcfg(NULL, 100, &mi), ACPI_EINVAL);
    ck_assert_int_eq(acpi_parse_mcfg(t, 100, NULL), ACPI_EINVAL);
}
END_TEST

START_TEST(mcfg_truncated)
{
    uint8_t t[44 + 16 * 2];
    uint64_t base[] = { 0xb0000000ull, 0xc0000000ull };
    uint8_t start[] = { 0, 0 }, end[] = { 255, 255 };
    size_t full = build_mcfg(t, 2, base, start, end);
    struct acpi_mcfg_info mi;
    for (size_t len = 0; len <= full; len++) {
        int rc = mcfg(t, len, &mi);
        if (len < 44) {
            ck_assert_int_eq(rc, ACPI_EINVAL);
            ck_assert_uint_eq(mi.count, 0);
        } else {
            /* Only whole entries count. */
            ck_assert_int_eq(rc, ACPI_OK);
            ck_assert_uint_eq(mi.count, (len - 44) / 16);
        }
    }
}
END_TEST

/* --- virtio-mmio devices in the DSDT ------------------------------------------ */

/* One QEMU microvm virtio-mmio device, as its DSDT encodes it:
 *   Device (VRnn) { Name (_HID, "LNRO0005") Name (_UID, n) Name (_CCA, One)
 *     Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite, base, len)
 *       Interrupt (ResourceConsumer, Edge|Level, ActiveHigh|Low, Exclusive) { gsi } }) } */
static size_t put_device(uint8_t *p, unsigned n, uint32_t base, uint32_t size, uint8_t flags, uint32_t gsi)
{
    uint8_t *q = p;
    *q++ = 0x5b;
    *q++ = 0x82;                        /* DeviceOp */
    uint8_t *pkglen = q++;
    *q++ = 'V';
    *q++ = 'R';
    *q++ = (uint8_t)('0' + n / 10);
    *q++ = (uint8_t)('0' + n % 10);
    *q++ = 0x08;                        /* NameOp _HID */
    memcpy(q, "_HID", 4);
    q += 4;
    *q++ = 0x0d;                        /* StringPrefix */
    memcpy(q, "LNRO0005", 9);           /* with its NUL */
    q += 9;
    *q++ = 0x08;
    memcpy(q, "_UID", 4);
    q += 4;
    *q++ = 0x0a;
    *q++ = (uint8_t)n;
    *q++ = 0x08;
    memcpy(q, "_CCA", 4);
    q += 4;
    *q++ = 0x01;
    *q++ = 0x08;
    memcpy(q, "_CRS", 4);
    q += 4;
    *q++ = 0x11;                        /* BufferOp */
    *q++ = 0x1a;                        /* PkgLength */
    *q++ = 0x0a;
    *q++ = 0x17;                        /* buffer size */
    *q++ = 0x86;                        /* Memory32Fixed */
    *q++ = 0x09;
    *q++ = 0x00;
    *q++ = 0x01;                        /* read-write */
    put32(q, base);
    q += 4;
    put32(q, size);
    q += 4;
    *q++ = 0x89;                        /* Extended Interrupt */
    *q++ = 0x06;
    *q++ = 0x00;
    *q++ = flags;
    *q++ = 0x01;                        /* one interrupt */
    put32(q, gsi);
    q += 4;
    *q++ = 0x79;                        /* End tag */
    *q++ = 0x00;
    *pkglen = (uint8_t)(q - pkglen);
    return (size_t)(q - p);
}

/* Where put_device's _CRS resources (the Memory32Fixed tag) begin. */
static size_t crs_offset(const uint8_t *dev)
{
    size_t crs = 0;
    while (dev[crs] != 0x86)
        crs++;
    return crs;
}

static unsigned find(const uint8_t *aml, size_t len, struct acpi_mmio_device *out, unsigned cap)
{
    uint8_t *c = dup(aml, len);
    unsigned n = acpi_find_mmio_devices(c, (uint32_t)len, "LNRO0005", out, cap);
    free(c);
    return n;
}

START_TEST(mmio_real_fragment)
{
    uint8_t aml[512];
    size_t len = 0;
    /* Something before, like a scope and another device. */
    static const uint8_t prefix[] = { 0x10, 0x40, 0x05, '_', 'S', 'B', '_', 0x5b, 0x82, 0x10, 'C', 'O', 'M', '1',
                                      0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01 };
    memcpy(aml, prefix, sizeof prefix);
    len += sizeof prefix;
    len += put_device(aml + len, 0, 0xfeb00000u, 0x200, 0x03, 16);    /* edge, active high */
    len += put_device(aml + len, 1, 0xfeb00200u, 0x200, 0x01 | 0x04, 17);  /* level, active low */
    struct acpi_mmio_device d[4];
    memset(d, 0, sizeof d);
    unsigned n = find(aml, len, d, 4);
    ck_assert_uint_eq(n, 2);
    CHECK_EQ(d[0].paddr, 0xfeb00000u);
    ck_assert_uint_eq(d[0].size, 0x200);
    ck_assert_uint_eq(d[0].gsi, 16);
    ck_assert(d[0].edge);
    ck_assert(!d[0].active_low);
    CHECK_EQ(d[1].paddr, 0xfeb00200u);
    ck_assert_uint_eq(d[1].gsi, 17);
    ck_assert(!d[1].edge);
    ck_assert(d[1].active_low);
    /* Another _HID finds nothing. */
    uint8_t *c = dup(aml, len);
    ck_assert_uint_eq(acpi_find_mmio_devices(c, (uint32_t)len, "LNRO0006", d, 4), 0);
    ck_assert_uint_eq(acpi_find_mmio_devices(c, (uint32_t)len, "", d, 4), 0);
    ck_assert_uint_eq(acpi_find_mmio_devices(NULL, (uint32_t)len, "LNRO0005", d, 4), 0);
    free(c);
}
END_TEST

START_TEST(mmio_truncated)
{
    uint8_t aml[128];
    size_t full = put_device(aml, 3, 0xfeb00600u, 0x200, 0x03, 19);
    struct acpi_mmio_device d[2];
    for (size_t len = 0; len <= full; len++) {
        unsigned n = find(aml, len, d, 2);
        /* Complete once the interrupt number is all there (the end tag is not needed). */
        ck_assert_uint_eq(n, len >= full - 2 ? 1u : 0u);
    }
    /* Bad descriptors: not found. */
    size_t mem = 0;
    while (aml[mem] != 0x86)
        mem++;
    uint8_t bad[128];
    static const struct { size_t off; uint8_t v; } breaks[] = {
        { 1, 0x0a },        /* Memory32Fixed length */
        { 12, 0x88 },       /* not an Extended Interrupt */
        { 13, 0x05 },       /* interrupt descriptor too short */
        { 13, 0x7f },       /* interrupt descriptor longer than the input */
        { 16, 0x00 },       /* no interrupts */
        { 8, 0x00 },        /* size 0 (with the next three bytes) */
    };
    for (unsigned i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
        memcpy(bad, aml, full);
        bad[mem + breaks[i].off] = breaks[i].v;
        if (breaks[i].off == 8)
            memset(bad + mem + 8, 0, 4);
        ck_assert_msg(find(bad, full, d, 2) == 0, "break %u", i);
    }
}
END_TEST

START_TEST(mmio_no_crs)
{
    /* The _HID alone, and the _HID with its _CRS more than 128 bytes on. */
    uint8_t aml[400];
    memset(aml, 0xa3, sizeof aml);
    aml[0] = 0x0d;
    memcpy(aml + 1, "LNRO0005", 9);
    struct acpi_mmio_device d[2];
    ck_assert_uint_eq(find(aml, 10, d, 2), 0);
    ck_assert_uint_eq(find(aml, sizeof aml, d, 2), 0);
    uint8_t dev[128];
    size_t dl = put_device(dev, 0, 0xfeb00000u, 0x200, 0x03, 16);
    size_t crs = crs_offset(dev);
    memcpy(aml + 200, dev + crs, dl - crs);
    ck_assert_uint_eq(find(aml, 200 + dl - crs, d, 2), 0);
    /* Within the window it is found. */
    memcpy(aml + 100, dev + crs, dl - crs);
    ck_assert_uint_eq(find(aml, 100 + dl - crs, d, 2), 1);
    /* A _HID without its NUL is not a match. */
    aml[9] = 'X';
    ck_assert_uint_eq(find(aml, 100 + dl - crs, d, 2), 0);
}
END_TEST

START_TEST(mmio_shared_crs)
{
    /* Two _HIDs before one _CRS (found by the fuzzer): one resource is one
     * device, never two devices handed the same window. */
    uint8_t aml[200];
    memset(aml, 0xa3, sizeof aml);
    aml[0] = 0x0d;
    memcpy(aml + 1, "LNRO0005", 9);
    aml[20] = 0x0d;
    memcpy(aml + 21, "LNRO0005", 9);
    uint8_t dev[128];
    size_t dl = put_device(dev, 0, 0xfeb00000u, 0x200, 0x03, 16);
    size_t crs = crs_offset(dev);
    memcpy(aml + 40, dev + crs, dl - crs);
    struct acpi_mmio_device d[3];
    ck_assert_uint_eq(find(aml, 40 + dl - crs, d, 3), 1);
    ck_assert_uint_eq(d[0].paddr, 0xfeb00000u);
    /* A _HID inside the _CRS just used is not searched from either; the
     * next device's _HID after it is. */
    size_t two = put_device(aml + 40 + dl - crs, 1, 0xfeb00200u, 0x200, 0x03, 17);
    ck_assert_uint_eq(find(aml, 40 + dl - crs + two, d, 3), 2);
    ck_assert_uint_eq(d[1].paddr, 0xfeb00200u);
}
END_TEST

START_TEST(mmio_many_devices_and_cap)
{
    enum { N = 40 };
    uint8_t *aml = malloc(N * 80);
    ck_assert_ptr_nonnull(aml);
    size_t len = 0;
    for (unsigned i = 0; i < N; i++)
        len += put_device(aml + len, i % 100, 0xfeb00000u + 0x200 * i, 0x200, 0x03, 16 + i);
    struct acpi_mmio_device d[N + 1];
    unsigned n = find(aml, len, d, N + 1);
    ck_assert_uint_eq(n, N);
    for (unsigned i = 0; i < N; i++) {
        CHECK_EQ(d[i].paddr, 0xfeb00000u + 0x200 * i);
        CHECK_EQ(d[i].gsi, 16 + i);
    }
    /* The cap: only the first ones, nothing written past it. */
    memset(d, 0x5a, sizeof d);
    n = find(aml, len, d, 8);
    ck_assert_uint_eq(n, 8);
    CHECK_EQ(d[7].gsi, 23);
    CHECK_EQ(d[8].gsi, 0x5a5a5a5au);
    memset(d, 0x5a, sizeof d);
    ck_assert_uint_eq(find(aml, len, d, 0), 0);
    CHECK_EQ(d[0].gsi, 0x5a5a5a5au);
    free(aml);
}
END_TEST

Suite *acpi_dev_suite(void)
{
    Suite *s = suite_create("acpi_dev");
    TCase *tc = tcase_create("acpi_dev");
    tcase_add_test(tc, mcfg_good_table);
    tcase_add_test(tc, mcfg_bad_entries);
    tcase_add_test(tc, mcfg_truncated);
    tcase_add_test(tc, mmio_real_fragment);
    tcase_add_test(tc, mmio_truncated);
    tcase_add_test(tc, mmio_no_crs);
    tcase_add_test(tc, mmio_shared_crs);
    tcase_add_test(tc, mmio_many_devices_and_cap);
    suite_add_tcase(s, tc);
    return s;
}
