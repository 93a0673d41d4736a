/* Unit tests for kernel/lib/acpi.c: table discovery through a fake physical
 * memory, FADT/MADT parsing and the \_S5 search. Tables given to the parsers
 * are copied into heap buffers of exactly their length, so AddressSanitizer
 * catches any read past the end. Tables sit at odd addresses on purpose. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "acpi.h"
#include "suites.h"

#define MEM_BASE 0xe0000ull
#define MEM_SIZE 0x4000u
#define MEM_END  (MEM_BASE + MEM_SIZE)

static uint8_t ram[MEM_SIZE];

static const void *fake_read(void *ctx, uint64_t paddr, size_t len)
{
    (void)ctx;
    if (paddr < MEM_BASE || len > MEM_SIZE || paddr - MEM_BASE > MEM_SIZE - len)
        return NULL;
    return ram + (paddr - MEM_BASE);
}

static const struct phys_access mem = { fake_read, NULL };

static uint8_t *at(uint64_t paddr)
{
    return ram + (paddr - MEM_BASE);
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

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* Addresses of a typical set of tables (odd, so nothing is aligned). */
#define RSDP  (MEM_BASE + 0x10)
#define RSDT  (MEM_BASE + 0x101)
#define XSDT  (MEM_BASE + 0x203)
#define FACP  (MEM_BASE + 0x405)
#define APIC  (MEM_BASE + 0x607)
#define DSDT  (MEM_BASE + 0x809)
#define FACP2 (MEM_BASE + 0xa0b)

#define FADT_LEN 276u

static void fix_checksum(uint64_t paddr)
{
    uint8_t *t = at(paddr);
    uint32_t len = (uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 | (uint32_t)t[7] << 24;
    t[9] = 0;
    t[9] = (uint8_t)-sum(t, len);
}

static void put_table(uint64_t paddr, const char *sig, uint32_t len)
{
    uint8_t *t = at(paddr);
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = 1;
    memcpy(t + 10, "PVTEST", 6);
    fix_checksum(paddr);
}

static void put_rsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
    uint8_t *r = at(RSDP);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "PVTEST", 6);
    r[15] = revision;
    put32(r + 16, rsdt);
    put32(r + 20, 36);
    put64(r + 24, xsdt);
    r[8] = r[32] = 0;
    r[8] = (uint8_t)-sum(r, 20);
    r[32] = (uint8_t)-sum(r, 36);
}

static void put_root(uint64_t paddr, const char *sig, unsigned entry_size, const uint64_t *entries,
                     unsigned n)
{
    uint8_t *t = at(paddr);
    for (unsigned i = 0; i < n; i++) {
        if (entry_size == 8)
            put64(t + 36 + 8 * i, entries[i]);
        else
            put32(t + 36 + 4 * i, (uint32_t)entries[i]);
    }
    put_table(paddr, sig, 36 + entry_size * n);
}

/* Fills a full (revision 6) FADT at f with recognisable values. */
static void build_fadt(uint8_t *f, uint32_t len)
{
    memset(f, 0, len);
    memcpy(f, "FACP", 4);
    put32(f + 4, len);
    put32(f + 40, (uint32_t)DSDT);       /* DSDT */
    f[46] = 9;                           /* SCI_INT */
    put32(f + 64, 0x604);                /* PM1a_CNT_BLK */
    put32(f + 68, 0x608);                /* PM1b_CNT_BLK */
    f[89] = 2;                           /* PM1_CNT_LEN */
    put32(f + 112, 1u << 10);            /* flags: RESET_REG_SUP */
    if (len >= 129) {
        f[116] = 1; f[117] = 8;          /* RESET_REG: I/O 0xcf9, 8 bits */
        put64(f + 120, 0xcf9);
        f[128] = 0x06;
    }
    if (len >= 148)
        put64(f + 140, DSDT);            /* X_DSDT */
    if (len >= 196) {
        f[172] = 1; f[173] = 32;         /* X_PM1a_CNT_BLK */
        put64(f + 176, 0xb004);
    }
}

static void build_tables(uint8_t rsdp_revision)
{
    memset(ram, 0, sizeof ram);
    build_fadt(at(FACP), FADT_LEN);
    fix_checksum(FACP);
    put_table(APIC, "APIC", 44);
    static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
    memcpy(at(DSDT) + 36, aml, sizeof aml);
    put_table(DSDT, "DSDT", 36 + sizeof aml);
    const uint64_t entries[] = { APIC, FACP };
    put_root(RSDT, "RSDT", 4, entries, 2);
    put_root(XSDT, "XSDT", 8, entries, 2);
    put_rsdp(rsdp_revision, (uint32_t)RSDT, rsdp_revision >= 2 ? XSDT : 0);
}

static int find(const char *sig, uint64_t *paddr, uint32_t *len)
{
    return acpi_find_table(&mem, RSDP, sig, paddr, len);
}

START_TEST(finds_tables_through_rsdt)
{
    build_tables(0);
    uint64_t paddr = 0;
    uint32_t len = 0;
    ck_assert_int_eq(find("FACP", &paddr, &len), ACPI_OK);
    ck_assert_uint_eq(paddr, FACP);
    ck_assert_uint_eq(len, FADT_LEN);
    ck_assert_int_eq(find("APIC", &paddr, &len), ACPI_OK);
    ck_assert_uint_eq(paddr, APIC);
    ck_assert_uint_eq(len, 44);
    ck_assert_int_eq(find("HPET", &paddr, &len), ACPI_ENOENT);
}
END_TEST

START_TEST(xsdt_is_preferred_for_revision_2)
{
    build_tables(2);
    /* Make the XSDT name a second FADT; the RSDT still names the first. */
    memcpy(at(FACP2), at(FACP), FADT_LEN);
    const uint64_t entries[] = { APIC, FACP2 };
    put_root(XSDT, "XSDT", 8, entries, 2);
    uint64_t paddr;
    uint32_t len;
    ck_assert_int_eq(find("FACP", &paddr, &len), ACPI_OK);
    ck_assert_uint_eq(paddr, FACP2);
    /* Revision 2 without an XSDT falls back to the RSDT. */
    put_rsdp(2, (uint32_t)RSDT, 0);
    ck_assert_int_eq(find("FACP", &paddr, &len), ACPI_OK);
    ck_assert_uint_eq(paddr, FACP);
}
END_TEST

START_TEST(bad_rsdp_is_refused)
{
    uint64_t paddr;
    uint32_t len;
    build_tables(2);
    at(RSDP)[8] ^= 1;                            /* v1 checksum */
    ck_assert_int_eq(find("FACP", &paddr, &len), ACPI_EINVAL);
    build_tables(2);
    at(RSDP)[32] ^= 1;                           /* extended checksum */
    ck_assert_int_eq(find("FACP", &paddr, &len), ACPI_EINVAL);
    build_tables(0);
    at(RSDP)[0] = 'X';                           /* signature */
    at(RSDP)[8] = (uint8_t)(at(RSDP)[8] + 'R' - 'X');
    ck_assert_int_eq(find("FACP", &paddr, &len), ACPI_EINVAL);
    build_tables(2);
    put32(at(RSDP) + 20, 0xffffff00);            /* absurd extended length */
    at(RSDP)[8] = 0;
    at(RSDP)[8] = (uint8_t)-sum(at(RSDP), 20);
    ck_assert_int_eq(find("FACP", &paddr, &len), ACPI_EINVAL);
    ck_assert_int_eq(acpi_find_table(&mem, 0x1000, "FACP", &paddr, &len), ACPI_EUNREADABLE);
    ck_assert_int_eq(acpi_find_table(&mem, MEM_END - 10, "FACP", &paddr, &len), ACPI_EUNREADABLE);
    ck_assert_int_eq(acpi_find_table(&mem, 0, "FACP", &paddr, &len), ACPI_ENOENT);
    ck_assert_int_eq(acpi_find_table(NULL, RSDP, "FACP", &paddr, &len), ACPI_EINVAL);
    ck_assert_int_eq(acpi_find_table(&mem, RSDP, "FA", &paddr, &len), ACPI_EINVAL);
}
END_TEST

START_TEST(bad_table_checksums_are_refused)
{
    uint64_t paddr;
    uint32_t len;
    build_tables(0);
    at(FACP)[100] ^= 0x40;
    ck_assert_int_eq(find("FACP", &paddr, &len), ACPI_EINVAL);
    ck_assert_int_eq(find("APIC", &paddr, &len), ACPI_OK);  /* others still found */
    build_tables(0);
    at(RSDT)[36] ^= 1;                                      /* root table checksum */
    ck_assert_int_eq(find("APIC", &paddr, &len), ACPI_EINVAL);
}
END_TEST

/* Xen 4.17 gives a PVH dom0 an XSDT whose header was copied from physical
 * address 0 when the host's RSDP is revision 0: the signature is garbage,
 * length and checksum are right. The root signature is not checked. */
START_TEST(xen_dom0_xsdt_with_garbage_signature_is_accepted)
{
    uint64_t paddr;
    uint32_t len;
    build_tables(2);
    const uint8_t ivt[4] = { 0x53, 0xff, 0x00, 0xf0 };
    memcpy(at(XSDT), ivt, 4);
    fix_checksum(XSDT);
    ck_assert_int_eq(find("APIC", &paddr, &len), ACPI_OK);
    ck_assert_uint_eq(paddr, APIC);
    at(XSDT)[40] ^= 1;                                      /* but the checksum still counts */
    ck_assert_int_eq(find("APIC", &paddr, &len), ACPI_EINVAL);
}
END_TEST

START_TEST(bad_table_lengths_are_refused)
{
    uint64_t paddr;
    uint32_t len;
    build_tables(0);
    put32(at(APIC) + 4, 0xffffffff);                 /* absurd */
    ck_assert_int_eq(find("APIC", &paddr, &len), ACPI_EINVAL);
    put32(at(APIC) + 4, 20);                         /* shorter than a header */
    ck_assert_int_eq(find("APIC", &paddr, &len), ACPI_EINVAL);
    put32(at(APIC) + 4, ACPI_MAX_TABLE_LEN);         /* plausible but runs off memory */
    ck_assert_int_eq(find("APIC", &paddr, &len), ACPI_EUNREADABLE);
    build_tables(0);
    put32(at(RSDT) + 4, 0x7fffffff);                 /* root table absurd */
    ck_assert_int_eq(find("APIC", &paddr, &len), ACPI_EINVAL);
}
END_TEST

START_TEST(valid_copy_after_broken_one_is_found)
{
    uint64_t paddr;
    uint32_t len;
    build_tables(0);
    memcpy(at(FACP2), at(FACP), FADT_LEN);
    at(FACP)[200] ^= 1;                              /* first copy broken */
    const uint64_t entries[] = { 0, 0x5000, FACP, FACP2 };  /* null and unreadable first */
    put_root(RSDT, "RSDT", 4, entries, 4);
    ck_assert_int_eq(find("FACP", &paddr, &len), ACPI_OK);
    ck_assert_uint_eq(paddr, FACP2);
    /* An unreadable entry may have been the table: say so rather than ENOENT. */
    ck_assert_int_eq(find("SSDT", &paddr, &len), ACPI_EUNREADABLE);
}
END_TEST

START_TEST(dsdt_is_found_through_the_fadt)
{
    uint64_t paddr;
    uint32_t len;
    build_tables(2);
    ck_assert_int_eq(find("DSDT", &paddr, &len), ACPI_OK);
    ck_assert_uint_eq(paddr, DSDT);
    ck_assert_uint_eq(len, 46);
    at(DSDT)[40] ^= 1;
    ck_assert_int_eq(find("DSDT", &paddr, &len), ACPI_EINVAL);
}
END_TEST

static uint8_t *heap_copy(const void *src, size_t len)
{
    uint8_t *p = malloc(len);
    ck_assert_ptr_nonnull(p);
    memcpy(p, src, len);
    return p;
}

START_TEST(fadt_full_revision_prefers_x_fields)
{
    uint8_t *f = malloc(FADT_LEN);
    build_fadt(f, FADT_LEN);
    f[244] = 0; f[245] = 8;                          /* SLEEP_CONTROL_REG */
    put64(f + 248, 0xfeed0000);
    struct acpi_fadt_info info;
    ck_assert_int_eq(acpi_parse_fadt(f, FADT_LEN, &info), ACPI_OK);
    ck_assert_uint_eq(info.dsdt_paddr, DSDT);
    ck_assert_uint_eq(info.sci_irq, 9);
    ck_assert_uint_eq(info.pm1a_cnt.space, 1);
    ck_assert_uint_eq(info.pm1a_cnt.bit_width, 32);
    ck_assert_uint_eq(info.pm1a_cnt.address, 0xb004);  /* X_ wins */
    ck_assert_uint_eq(info.pm1b_cnt.address, 0x608);   /* X_ zero: legacy */
    ck_assert_uint_eq(info.pm1b_cnt.space, 1);
    ck_assert_uint_eq(info.pm1b_cnt.bit_width, 16);
    ck_assert(!info.hw_reduced);
    ck_assert_uint_eq(info.reset_reg.space, 1);
    ck_assert_uint_eq(info.reset_reg.address, 0xcf9);
    ck_assert_uint_eq(info.reset_value, 6);
    ck_assert_uint_eq(info.sleep_control.address, 0xfeed0000);
    ck_assert_uint_eq(info.sleep_control.bit_width, 8);
    free(f);
}
END_TEST

START_TEST(fadt_hardware_reduced)
{
    uint8_t *f = malloc(FADT_LEN);
    build_fadt(f, FADT_LEN);
    put32(f + 112, 1u << 20);
    put32(f + 64, 0);
    put64(f + 176, 0);                               /* no PM1 blocks at all */
    struct acpi_fadt_info info;
    ck_assert_int_eq(acpi_parse_fadt(f, FADT_LEN, &info), ACPI_OK);
    ck_assert(info.hw_reduced);
    ck_assert_uint_eq(info.pm1a_cnt.address, 0);
    free(f);
}
END_TEST

START_TEST(fadt_short_revisions)
{
    uint8_t full[FADT_LEN];
    build_fadt(full, FADT_LEN);
    put32(full + 40, 0x1234);                        /* legacy DSDT differs from X_DSDT */
    struct acpi_fadt_info info;
    /* Revision 1 (116 bytes): no reset register, no X_ fields. */
    uint8_t *f = heap_copy(full, 116);
    ck_assert_int_eq(acpi_parse_fadt(f, 116, &info), ACPI_OK);
    ck_assert_uint_eq(info.dsdt_paddr, 0x1234);
    ck_assert_uint_eq(info.pm1a_cnt.address, 0x604);
    ck_assert_uint_eq(info.pm1a_cnt.bit_width, 16);
    ck_assert_uint_eq(info.reset_reg.address, 0);
    ck_assert_uint_eq(info.reset_value, 0);
    free(f);
    /* Cut inside X_PM1a_CNT_BLK: the legacy port is used. */
    f = heap_copy(full, 180);
    ck_assert_int_eq(acpi_parse_fadt(f, 180, &info), ACPI_OK);
    ck_assert_uint_eq(info.dsdt_paddr, DSDT);
    ck_assert_uint_eq(info.pm1a_cnt.address, 0x604);
    ck_assert_uint_eq(info.reset_value, 6);
    ck_assert_uint_eq(info.sleep_control.address, 0);
    free(f);
    /* Too short to hold even SCI_INT. */
    f = heap_copy(full, 44);
    ck_assert_int_eq(acpi_parse_fadt(f, 44, &info), ACPI_OK);
    ck_assert_uint_eq(info.dsdt_paddr, 0x1234);
    ck_assert_uint_eq(info.sci_irq, 0);
    ck_assert_uint_eq(info.pm1a_cnt.address, 0);
    free(f);
    ck_assert_int_eq(acpi_parse_fadt(full, 35, &info), ACPI_EINVAL);
    ck_assert_int_eq(acpi_parse_fadt(NULL, 100, &info), ACPI_EINVAL);
    full[0] = 'X';
    ck_assert_int_eq(acpi_parse_fadt(full, FADT_LEN, &info), ACPI_EINVAL);
}
END_TEST

/* Builds a MADT from the given entry bytes into a heap buffer of exact size. */
static uint8_t *make_madt(const uint8_t *entries, uint32_t n, uint32_t *len)
{
    *len = 44 + n;
    uint8_t *m = calloc(1, *len);
    memcpy(m, "APIC", 4);
    put32(m + 4, *len);
    put32(m + 36, 0xfee00000);
    memcpy(m + 44, entries, n);
    return m;
}

START_TEST(madt_typical)
{
    static const uint8_t entries[] = {
        0, 8, 0, 0, 1, 0, 0, 0,                     /* CPU 0 enabled */
        0, 8, 1, 1, 0, 0, 0, 0,                     /* CPU 1 disabled */
        0, 8, 2, 2, 2, 0, 0, 0,                     /* CPU 2 online-capable */
        1, 12, 4, 0, 0x00, 0, 0xc0, 0xfe, 0, 0, 0, 0,  /* I/O APIC 4 at 0xfec00000 */
        2, 10, 0, 0, 2, 0, 0, 0, 0, 0,              /* IRQ 0 -> GSI 2 */
        2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0,           /* IRQ 9 -> GSI 9, level high */
        9, 16, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,  /* x2APIC 256 enabled: counted */
        4, 6, 0xff, 5, 0, 1,                        /* LAPIC NMI: skipped */
    };
    uint32_t len;
    uint8_t *m = make_madt(entries, sizeof entries, &len);
    struct acpi_madt_info info;
    ck_assert_int_eq(acpi_parse_madt(m, len, &info), ACPI_OK);
    ck_assert_uint_eq(info.lapic_paddr, 0xfee00000);
    ck_assert_uint_eq(info.ncpus, 3);
    ck_assert_uint_eq(info.nioapics, 1);
    ck_assert_uint_eq(info.ioapic[0].id, 4);
    ck_assert_uint_eq(info.ioapic[0].paddr, 0xfec00000);
    ck_assert_uint_eq(info.ioapic[0].gsi_base, 0);
    ck_assert_uint_eq(info.noverrides, 2);
    ck_assert_uint_eq(info.override[0].irq, 0);
    ck_assert_uint_eq(info.override[0].gsi, 2);
    ck_assert_uint_eq(info.override[1].irq, 9);
    ck_assert_uint_eq(info.override[1].flags, 0x0d);
    free(m);
}
END_TEST

START_TEST(madt_lapic_override_and_limits)
{
    uint8_t entries[12 + 10 * 12];
    uint8_t *e = entries;
    *e++ = 5; *e++ = 12; *e++ = 0; *e++ = 0;
    put64(e, 0x1fee00000ull);
    e += 8;
    for (int i = 0; i < 10; i++, e += 12) {        /* more I/O APICs than fit */
        memset(e, 0, 12);
        e[0] = 1; e[1] = 12; e[2] = (uint8_t)i;
        put32(e + 8, (uint32_t)i * 24);
    }
    uint32_t len;
    uint8_t *m = make_madt(entries, sizeof entries, &len);
    struct acpi_madt_info info;
    ck_assert_int_eq(acpi_parse_madt(m, len, &info), ACPI_OK);
    ck_assert_uint_eq(info.lapic_paddr, 0x1fee00000ull);
    ck_assert_uint_eq(info.nioapics, ACPI_MAX_IOAPICS);
    ck_assert_uint_eq(info.ioapic[7].gsi_base, 7 * 24);
    free(m);
}
END_TEST

static int parse_madt_bytes(const uint8_t *entries, uint32_t n, struct acpi_madt_info *info)
{
    uint32_t len;
    uint8_t *m = make_madt(entries, n, &len);
    int rc = acpi_parse_madt(m, len, info);
    free(m);
    return rc;
}

START_TEST(madt_bad_entry_lengths)
{
    struct acpi_madt_info info;
    static const uint8_t zero_len[] = { 0, 8, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
    ck_assert_int_eq(parse_madt_bytes(zero_len, sizeof zero_len, &info), ACPI_EINVAL);
    ck_assert_uint_eq(info.ncpus, 1);                /* parsed so far is kept */
    static const uint8_t one_len[] = { 0, 1, 0, 0 };
    ck_assert_int_eq(parse_madt_bytes(one_len, sizeof one_len, &info), ACPI_EINVAL);
    static const uint8_t past_end[] = { 0, 8, 0, 0, 1, 0, 0, 0, 1, 12, 0, 0 };
    ck_assert_int_eq(parse_madt_bytes(past_end, sizeof past_end, &info), ACPI_EINVAL);
    ck_assert_uint_eq(info.nioapics, 0);
    static const uint8_t trailing[] = { 0, 8, 0, 0, 1, 0, 0, 0, 7 };
    ck_assert_int_eq(parse_madt_bytes(trailing, sizeof trailing, &info), ACPI_EINVAL);
    static const uint8_t short_lapic[] = { 0, 4, 0, 0 };
    ck_assert_int_eq(parse_madt_bytes(short_lapic, sizeof short_lapic, &info), ACPI_EINVAL);
    static const uint8_t short_ioapic[] = { 1, 8, 0, 0, 0, 0, 0, 0 };
    ck_assert_int_eq(parse_madt_bytes(short_ioapic, sizeof short_ioapic, &info), ACPI_EINVAL);
    static const uint8_t short_override[] = { 2, 6, 0, 0, 0, 0 };
    ck_assert_int_eq(parse_madt_bytes(short_override, sizeof short_override, &info), ACPI_EINVAL);
    ck_assert_int_eq(parse_madt_bytes(zero_len, 0, &info), ACPI_OK);   /* no entries */
    ck_assert_uint_eq(info.ncpus, 0);
    uint8_t header[43] = "APIC";
    ck_assert_int_eq(acpi_parse_madt(header, sizeof header, &info), ACPI_EINVAL);
}
END_TEST

static int s5(const uint8_t *bytes, uint32_t n, uint8_t *a, uint8_t *b)
{
    uint8_t *copy = heap_copy(bytes, n ? n : 1);
    int rc = acpi_find_s5(copy, n, a, b);
    free(copy);
    return rc;
}

START_TEST(s5_real_firmware_encodings)
{
    uint8_t a = 0xaa, b = 0xbb;
    /* QEMU q35/pc: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }) after other code. */
    static const uint8_t q35[] = { 0x10, 0x05, '\\', '_', 'S', 'B', '_',
                                   0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0 };
    ck_assert_int_eq(s5(q35, sizeof q35, &a, &b), ACPI_OK);
    ck_assert_uint_eq(a, 0);
    ck_assert_uint_eq(b, 0);
    /* QEMU microvm: Name (_S5, Package (0x01) { 0x05 }). */
    static const uint8_t microvm[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
    ck_assert_int_eq(s5(microvm, sizeof microvm, &a, &b), ACPI_OK);
    ck_assert_uint_eq(a, 5);
    ck_assert_uint_eq(b, 0);
    /* Root prefix, byte prefixes for both values. */
    static const uint8_t rooted[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
                                      0x0a, 0x07, 0x0a, 0x03, 0x00, 0x00 };
    ck_assert_int_eq(s5(rooted, sizeof rooted, &a, &b), ACPI_OK);
    ck_assert_uint_eq(a, 7);
    ck_assert_uint_eq(b, 3);
    /* One, Ones. */
    static const uint8_t one_ones[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0xff };
    ck_assert_int_eq(s5(one_ones, sizeof one_ones, &a, &b), ACPI_OK);
    ck_assert_uint_eq(a, 1);
    ck_assert_uint_eq(b, 0xff);
}
END_TEST

START_TEST(s5_wide_values_and_long_pkglength)
{
    uint8_t a, b;
    /* Word and dword prefixes, truncated to 8 bits. */
    static const uint8_t wide[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x02,
                                    0x0b, 0x05, 0x12, 0x0c, 0x06, 0x00, 0x00, 0x01 };
    ck_assert_int_eq(s5(wide, sizeof wide, &a, &b), ACPI_OK);
    ck_assert_uint_eq(a, 5);
    ck_assert_uint_eq(b, 6);
    /* Two-byte PkgLength: 0x40 | 5, 0x00 -> 5 bytes. */
    static const uint8_t pkg2[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02, 0x0a, 0x05, 0x00 };
    ck_assert_int_eq(s5(pkg2, sizeof pkg2, &a, &b), ACPI_OK);
    ck_assert_uint_eq(a, 5);
    /* Three-byte PkgLength padded out to 0x16 bytes: 0x80 | 6, 0x01, 0x00. */
    uint8_t pkg3[5 + 1 + 0x16] = { 0x08, '_', 'S', '5', '_', 0x12, 0x86, 0x01, 0x00, 0x02,
                                   0x0a, 0x02, 0x0a, 0x04 };
    ck_assert_int_eq(s5(pkg3, sizeof pkg3, &a, &b), ACPI_OK);
    ck_assert_uint_eq(a, 2);
    ck_assert_uint_eq(b, 4);
    /* One word element carries SLP_TYPa and SLP_TYPb (ACPICA convention). */
    static const uint8_t packed[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01, 0x0b, 0x05, 0x03 };
    ck_assert_int_eq(s5(packed, sizeof packed, &a, &b), ACPI_OK);
    ck_assert_uint_eq(a, 5);
    ck_assert_uint_eq(b, 3);
    /* Parent prefix. */
    static const uint8_t parent[] = { 0x08, '^', '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x01 };
    ck_assert_int_eq(s5(parent, sizeof parent, &a, &b), ACPI_OK);
    ck_assert_uint_eq(b, 1);
}
END_TEST

START_TEST(s5_malformed)
{
    uint8_t a, b;
    /* _S5_ at the very end of the buffer, and one byte short of a package. */
    static const uint8_t at_end[] = { 0x00, 0x08, '_', 'S', '5', '_' };
    ck_assert_int_eq(s5(at_end, sizeof at_end, &a, &b), ACPI_EINVAL);
    static const uint8_t op_only[] = { 0x08, '_', 'S', '5', '_', 0x12 };
    ck_assert_int_eq(s5(op_only, sizeof op_only, &a, &b), ACPI_EINVAL);
    /* PkgLength claims more than the buffer holds. */
    static const uint8_t too_long[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x02, 0x00, 0x00 };
    ck_assert_int_eq(s5(too_long, sizeof too_long, &a, &b), ACPI_EINVAL);
    /* Multi-byte PkgLength cut off by the end of the buffer. */
    static const uint8_t cut_pkglen[] = { 0x08, '_', 'S', '5', '_', 0x12, 0xc4, 0x00 };
    ck_assert_int_eq(s5(cut_pkglen, sizeof cut_pkglen, &a, &b), ACPI_EINVAL);
    /* Reserved bits 4-5 set in a multi-byte lead byte. */
    static const uint8_t reserved_bits[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x75, 0x00, 0x02, 0, 0, 0 };
    ck_assert_int_eq(s5(reserved_bits, sizeof reserved_bits, &a, &b), ACPI_EINVAL);
    /* Two elements announced, one inside the package. */
    static const uint8_t missing[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x02, 0x00, 0x00 };
    ck_assert_int_eq(s5(missing, sizeof missing, &a, &b), ACPI_EINVAL);
    /* Word prefix cut off by the package end. */
    static const uint8_t cut_word[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0b, 0x05, 0x00 };
    ck_assert_int_eq(s5(cut_word, sizeof cut_word, &a, &b), ACPI_EINVAL);
    /* An element that is not an integer, and an empty package. */
    static const uint8_t string_elem[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0d, 0x00 };
    ck_assert_int_eq(s5(string_elem, sizeof string_elem, &a, &b), ACPI_EINVAL);
    static const uint8_t empty_pkg[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00 };
    ck_assert_int_eq(s5(empty_pkg, sizeof empty_pkg, &a, &b), ACPI_EINVAL);
    /* Not a package at all. */
    static const uint8_t not_pkg[] = { 0x08, '_', 'S', '5', '_', 0x0a, 0x05 };
    ck_assert_int_eq(s5(not_pkg, sizeof not_pkg, &a, &b), ACPI_EINVAL);
    ck_assert_int_eq(acpi_find_s5(NULL, 10, &a, &b), ACPI_EINVAL);
}
END_TEST

START_TEST(s5_absent_or_not_a_definition)
{
    uint8_t a = 0x11, b = 0x22;
    /* A reference to \_S5_ (not after NameOp) is not its definition. */
    static const uint8_t reference[] = { 0x70, '\\', '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
    ck_assert_int_eq(s5(reference, sizeof reference, &a, &b), ACPI_ENOENT);
    static const uint8_t at_start[] = { '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
    ck_assert_int_eq(s5(at_start, sizeof at_start, &a, &b), ACPI_ENOENT);
    static const uint8_t s4[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
    ck_assert_int_eq(s5(s4, sizeof s4, &a, &b), ACPI_ENOENT);
    ck_assert_int_eq(s5(s4, 3, &a, &b), ACPI_ENOENT);
    ck_assert_int_eq(s5(s4, 0, &a, &b), ACPI_ENOENT);
    ck_assert_uint_eq(a, 0x11);                      /* untouched on failure */
    ck_assert_uint_eq(b, 0x22);
    /* A broken definition followed by a good one: the good one is used. */
    static const uint8_t second[] = { 0x08, '_', 'S', '5', '_', 0x0a, 0x01,
                                      0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
    ck_assert_int_eq(s5(second, sizeof second, &a, &b), ACPI_OK);
    ck_assert_uint_eq(a, 5);
}
END_TEST

Suite *acpi_suite(void)
{
    Suite *s = suite_create("acpi");
    TCase *tc = tcase_create("acpi");
    tcase_add_test(tc, finds_tables_through_rsdt);
    tcase_add_test(tc, xsdt_is_preferred_for_revision_2);
    tcase_add_test(tc, bad_rsdp_is_refused);
    tcase_add_test(tc, bad_table_checksums_are_refused);
    tcase_add_test(tc, xen_dom0_xsdt_with_garbage_signature_is_accepted);
    tcase_add_test(tc, bad_table_lengths_are_refused);
    tcase_add_test(tc, valid_copy_after_broken_one_is_found);
    tcase_add_test(tc, dsdt_is_found_through_the_fadt);
    tcase_add_test(tc, fadt_full_revision_prefers_x_fields);
    tcase_add_test(tc, fadt_hardware_reduced);
    tcase_add_test(tc, fadt_short_revisions);
    tcase_add_test(tc, madt_typical);
    tcase_add_test(tc, madt_lapic_override_and_limits);
    tcase_add_test(tc, madt_bad_entry_lengths);
    tcase_add_test(tc, s5_real_firmware_encodings);
    tcase_add_test(tc, s5_wide_values_and_long_pkglength);
    tcase_add_test(tc, s5_malformed);
    tcase_add_test(tc, s5_absent_or_not_a_definition);
    suite_add_tcase(s, tc);
    return s;
}
