/* libFuzzer harness for kernel/lib/acpi.c.
 *
 * Input: byte 0 = mode, bytes 1-4 = a table signature to look up besides
 * FACP, APIC and DSDT, the rest = guest physical memory with the RSDP at
 * its first byte (the root table and the tables it lists follow wherever
 * the fuzzer points); at its byte 16 when the memory starts at address 0,
 * since RSDP address 0 means "none".
 * Mode bits 0-1: where the memory sits (fuzz_pick_base); bit 2: before the
 * run, fix the checksums of the RSDP and of every table reachable from it
 * (the harness walks the tables leniently), so that mutations get past the
 * checksums and into the parsers behind them.
 *
 * Does what the kernel does at boot (kernel/arch/x86_64/acpi_platform.c):
 * finds FACP, DSDT and APIC through the RSDP, parses the FADT and MADT and
 * searches the DSDT body for \_S5; every table found must lie in memory,
 * carry the signature asked for, its own length and a zero checksum. Then
 * feeds the whole memory to acpi_parse_fadt, acpi_parse_madt,
 * acpi_find_s5, acpi_parse_mcfg (as an MCFG) and acpi_find_mmio_devices
 * (microvm's virtio-mmio _HID) directly. Every buffer handed to a parser is a heap copy of
 * exactly its length. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "acpi.h"
#include "fuzz.h"

#define HEADER 36u

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* Offset of [paddr, paddr + n) in memory, or -1 if it is not all there. */
static long offset_of(const struct fake_phys *fp, uint64_t paddr, uint64_t n)
{
    return fake_phys_contains(fp, paddr, n) ? (long)(paddr - fp->base) : -1;
}

static void fix_table(uint8_t *m, const struct fake_phys *fp, uint64_t paddr)
{
    long off = offset_of(fp, paddr, HEADER);
    if (off < 0)
        return;
    uint32_t len = fuzz_le32(m + off + 4);
    if (len < HEADER || offset_of(fp, paddr, len) < 0)
        return;
    m[off + 9] = 0;
    m[off + 9] = (uint8_t)-sum(m + off, len);
}

/* Makes the checksums right: the DSDT behind each FADT, each listed table,
 * the root tables, then the RSDP (v1 checksum before the extended one). */
static void fix_checksums(uint8_t *mem, const struct fake_phys *fp, size_t rsdp_off)
{
    if (fp->size < rsdp_off + 20)
        return;
    size_t len = fp->size - rsdp_off;
    uint8_t *m = mem + rsdp_off;
    unsigned revision = m[15];
    uint64_t roots[2] = { fuzz_le32(m + 16), revision >= 2 && len >= 36 ? fuzz_le64(m + 24) : 0 };
    for (unsigned r = 0; r < 2; r++) {
        unsigned esize = r == 0 ? 4 : 8;
        long off = offset_of(fp, roots[r], HEADER);
        if (off < 0)
            continue;
        uint32_t rlen = fuzz_le32(mem + off + 4);
        if (rlen < HEADER || offset_of(fp, roots[r], rlen) < 0)
            continue;
        for (uint32_t e = 0; e < (rlen - HEADER) / esize && e < 64; e++) {
            const uint8_t *p = mem + off + HEADER + e * esize;
            uint64_t addr = esize == 8 ? fuzz_le64(p) : fuzz_le32(p);
            long t = offset_of(fp, addr, HEADER);
            if (t < 0)
                continue;
            uint32_t tlen = fuzz_le32(mem + t + 4);
            if (memcmp(mem + t, "FACP", 4) == 0 && offset_of(fp, addr, tlen) >= 0) {
                uint64_t dsdt = tlen >= 148 ? fuzz_le64(mem + t + 140) : 0;
                if (dsdt == 0 && tlen >= 44)
                    dsdt = fuzz_le32(mem + t + 40);
                fix_table(mem, fp, dsdt);
            }
            fix_table(mem, fp, addr);
        }
        fix_table(mem, fp, roots[r]);
    }
    m[8] = 0;
    m[8] = (uint8_t)-sum(m, 20);
    if (revision >= 2 && len >= 36) {
        uint32_t xlen = fuzz_le32(m + 20);
        if (xlen >= 36 && xlen <= len) {
            m[32] = 0;
            m[32] = (uint8_t)-sum(m, xlen);
        }
    }
}

static void check_madt(const struct acpi_madt_info *mi, uint32_t len)
{
    FUZZ_ASSERT(mi->nioapics <= ACPI_MAX_IOAPICS);
    FUZZ_ASSERT(mi->noverrides <= ACPI_MAX_OVERRIDES);
    FUZZ_ASSERT(len < 44 || mi->ncpus <= (len - 44) / 8);
}

static void check_s5(int rc)
{
    FUZZ_ASSERT(rc == ACPI_OK || rc == ACPI_ENOENT || rc == ACPI_EINVAL);
}

/* Looks sig up as the kernel does and checks what comes back; then parses
 * the table the way the kernel does. */
static void find_and_parse(const struct phys_access *mem, struct fake_phys *fp, uint64_t rsdp,
                           const char *sig)
{
    uint64_t pa = 0;
    uint32_t len = 0;
    int rc = acpi_find_table(mem, rsdp, sig, &pa, &len);
    FUZZ_ASSERT(rc == ACPI_OK || rc == ACPI_ENOENT || rc == ACPI_EINVAL || rc == ACPI_EUNREADABLE);
    if (fuzz_verbose())
        fprintf(stderr, "acpi: %.4s: %d at 0x%llx, %u bytes\n", sig, rc, (unsigned long long)pa, len);
    if (rc != ACPI_OK)
        return;
    FUZZ_ASSERT(len >= HEADER && len <= ACPI_MAX_TABLE_LEN);
    FUZZ_ASSERT(fake_phys_contains(fp, pa, len));
    const uint8_t *t = fp->bytes + (pa - fp->base);
    FUZZ_ASSERT(memcmp(t, sig, 4) == 0);
    FUZZ_ASSERT(fuzz_le32(t + 4) == len);
    FUZZ_ASSERT(sum(t, len) == 0);

    const uint8_t *table = mem->read(mem->ctx, pa, len);
    FUZZ_ASSERT(table != NULL);
    if (memcmp(sig, "FACP", 4) == 0) {
        struct acpi_fadt_info fi;
        FUZZ_ASSERT(acpi_parse_fadt(table, len, &fi) == ACPI_OK);
        if (fuzz_verbose())
            fprintf(stderr, "acpi: FADT dsdt 0x%llx sci %u hw_reduced %d\n",
                    (unsigned long long)fi.dsdt_paddr, fi.sci_irq, fi.hw_reduced);
    } else if (memcmp(sig, "APIC", 4) == 0) {
        struct acpi_madt_info mi;
        rc = acpi_parse_madt(table, len, &mi);
        FUZZ_ASSERT(rc == ACPI_OK || rc == ACPI_EINVAL);
        check_madt(&mi, len);
        if (fuzz_verbose())
            fprintf(stderr, "acpi: MADT %d: %u cpus, %u I/O APICs, %u overrides\n", rc, mi.ncpus,
                    mi.nioapics, mi.noverrides);
    } else if (memcmp(sig, "DSDT", 4) == 0) {
        uint8_t a = 0, b = 0;
        rc = acpi_find_s5(table + HEADER, len - HEADER, &a, &b);
        check_s5(rc);
        if (fuzz_verbose())
            fprintf(stderr, "acpi: \\_S5 %d: %u %u\n", rc, a, b);
    }
}

/* A heap copy of exactly len bytes, its first four replaced by sig. */
static uint8_t *copy_as(const uint8_t *m, size_t len, const char *sig)
{
    uint8_t *c = malloc(len != 0 ? len : 1);
    FUZZ_ASSERT(c != NULL);
    memcpy(c, m, len);
    if (sig != NULL && len >= 4)
        memcpy(c, sig, 4);
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    unsigned mode = data[0];
    char sig[5];
    memcpy(sig, data + 1, 4);
    sig[4] = '\0';
    size_t len = size - 5;
    uint8_t *m = copy_as(data + 5, len, NULL);
    uint64_t base = fuzz_pick_base(mode, len);

    struct fake_phys fp;
    struct phys_access mem;
    fake_phys_init(&fp, base, m, len, &mem);
    size_t rsdp_off = base == 0 ? 16 : 0;
    if (mode & 4)
        fix_checksums(m, &fp, rsdp_off);

    static const char *const sigs[] = { "FACP", "DSDT", "APIC" };
    for (unsigned i = 0; i < 3; i++)
        find_and_parse(&mem, &fp, base + rsdp_off, sigs[i]);
    find_and_parse(&mem, &fp, base + rsdp_off, sig);
    fake_phys_done(&fp);

    /* The parsers on their own, over the whole memory. */
    uint8_t *c = copy_as(m, len, "FACP");
    struct acpi_fadt_info fi;
    int rc = acpi_parse_fadt(c, (uint32_t)len, &fi);
    FUZZ_ASSERT(rc == (len >= HEADER ? ACPI_OK : ACPI_EINVAL));
    free(c);

    c = copy_as(m, len, "APIC");
    struct acpi_madt_info mi;
    rc = acpi_parse_madt(c, (uint32_t)len, &mi);
    FUZZ_ASSERT(rc == ACPI_OK || rc == ACPI_EINVAL);
    check_madt(&mi, (uint32_t)len);
    free(c);

    c = copy_as(m, len, NULL);
    uint8_t a, b;
    check_s5(acpi_find_s5(c, (uint32_t)len, &a, &b));
    free(c);

    c = copy_as(m, len, "MCFG");
    struct acpi_mcfg_info ci;
    rc = acpi_parse_mcfg(c, (uint32_t)len, &ci);
    FUZZ_ASSERT(rc == ACPI_OK || rc == ACPI_EINVAL);
    FUZZ_ASSERT(ci.count <= ACPI_MAX_ECAM);
    FUZZ_ASSERT(len >= 44 || (rc == ACPI_EINVAL && ci.count == 0));
    for (unsigned i = 0; i < ci.count; i++) {
        FUZZ_ASSERT(ci.ecam[i].bus_start <= ci.ecam[i].bus_end);
        FUZZ_ASSERT(ci.ecam[i].paddr != 0 && (ci.ecam[i].paddr & 0xfffffull) == 0);
    }
    free(c);

    c = copy_as(m, len, NULL);
    struct acpi_mmio_device dev[9];
    memset(dev, 0x5a, sizeof dev);
    unsigned cap = mode >> 4 & 7;       /* 0..7 of the 9 */
    unsigned nd = acpi_find_mmio_devices(c, (uint32_t)len, "LNRO0005", dev, cap);
    FUZZ_ASSERT(nd <= cap);
    /* Each device needs its _HID (10 bytes) and a 21-byte _CRS. */
    FUZZ_ASSERT(nd * 31 <= len);
    for (unsigned i = 0; i < nd; i++)
        FUZZ_ASSERT(dev[i].size != 0);
    for (unsigned i = cap; i < 9; i++)
        FUZZ_ASSERT(dev[i].gsi == 0x5a5a5a5au && dev[i].size == 0x5a5a5a5au);
    free(c);

    free(m);
    return 0;
}
