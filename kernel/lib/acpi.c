/* ACPI table discovery (see acpi.h). Pure code: no libc.
 *
 * ACPI tables are byte-packed and may sit at any alignment, so every field
 * is decoded byte-wise (little-endian) from offsets given by the ACPI spec,
 * and only after checking that it lies inside the table. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "acpi.h"

#define ACPI_HEADER_SIZE 36u          /* signature, length, revision, checksum, ids */
#define RSDP_V1_SIZE     20u
#define RSDP_V2_MIN_SIZE 36u
#define RSDP_V2_MAX_SIZE 4096u        /* refuse absurd extended RSDP lengths */

/* FADT field offsets (ACPI 6.x, table 5.9) and the HW_REDUCED_ACPI flag. */
enum fadt_offset {
    FADT_DSDT = 40, FADT_SCI_INT = 46, FADT_PM1A_CNT_BLK = 64, FADT_PM1B_CNT_BLK = 68,
    FADT_PM1_CNT_LEN = 89, FADT_FLAGS = 112, FADT_RESET_REG = 116, FADT_RESET_VALUE = 128,
    FADT_X_DSDT = 140, FADT_X_PM1A_CNT_BLK = 172, FADT_X_PM1B_CNT_BLK = 184,
    FADT_SLEEP_CONTROL = 244,
};
#define FADT_HW_REDUCED_ACPI (1u << 20)
#define GAS_SIZE             12u   /* generic address structure */

/* MADT layout (ACPI 6.x, section 5.2.12). */
#define MADT_LAPIC_ADDR      36u
#define MADT_ENTRIES         44u
enum madt_entry_type { MADT_LOCAL_APIC = 0, MADT_IO_APIC = 1, MADT_INT_OVERRIDE = 2, MADT_LOCAL_X2APIC = 9,
                      MADT_LAPIC_OVERRIDE = 5 };

/* AML bytes used by the \_S5 search. */
enum aml_byte {
    AML_ZERO_OP = 0x00, AML_ONE_OP = 0x01, AML_NAME_OP = 0x08, AML_BYTE_PFX = 0x0a,
    AML_WORD_PFX = 0x0b, AML_DWORD_PFX = 0x0c, AML_QWORD_PFX = 0x0e, AML_PACKAGE_OP = 0x12,
    AML_ROOT_CHAR = 0x5c /* '\\' */, AML_PARENT_CHAR = 0x5e /* '^' */, AML_ONES_OP = 0xff,
};

static uint16_t load_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)load_le32(p) | (uint64_t)load_le32(p + 4) << 32;
}

/* True if size bytes at offset off lie within a table of len bytes. */
static bool field_in(uint32_t len, uint32_t off, uint32_t size)
{
    return off <= len && size <= len - off;
}

static bool bytes_equal(const uint8_t *p, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)s[i])
            return false;
    return true;
}

static uint8_t byte_sum(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum;
}

static const uint8_t *read_phys(const struct phys_access *mem, uint64_t paddr, size_t len)
{
    if (len == 0 || (uint64_t)len - 1 > UINT64_MAX - paddr)
        return NULL;
    return mem->read(mem->ctx, paddr, len);
}

/* Reads the table at paddr and checks it: signature sig (4 chars; not
 * checked when sig is NULL), length between the header size and
 * ACPI_MAX_TABLE_LEN, checksum. On success stores a pointer to the whole
 * table and its length. */
static int read_table(const struct phys_access *mem, uint64_t paddr, const char *sig,
                      const uint8_t **table_out, uint32_t *len_out)
{
    if (paddr == 0)
        return ACPI_ENOENT;
    const uint8_t *hdr = read_phys(mem, paddr, ACPI_HEADER_SIZE);
    if (hdr == NULL)
        return ACPI_EUNREADABLE;
    if (sig != NULL && !bytes_equal(hdr, sig, 4))
        return ACPI_EINVAL;
    uint32_t len = load_le32(hdr + 4);
    if (len < ACPI_HEADER_SIZE || len > ACPI_MAX_TABLE_LEN)
        return ACPI_EINVAL;
    const uint8_t *table = read_phys(mem, paddr, len);
    if (table == NULL)
        return ACPI_EUNREADABLE;
    if ((sig != NULL && !bytes_equal(table, sig, 4)) || load_le32(table + 4) != len || byte_sum(table, len) != 0)
        return ACPI_EINVAL;
    *table_out = table;
    *len_out = len;
    return ACPI_OK;
}

/* Checks the RSDP and picks the root table: the XSDT (8-byte entries) when
 * the revision is >= 2 and it names one, else the RSDT (4-byte entries). */
static int find_root_table(const struct phys_access *mem, uint64_t rsdp_paddr,
                           uint64_t *root_out, unsigned *entry_size_out)
{
    if (rsdp_paddr == 0)
        return ACPI_ENOENT;
    const uint8_t *rsdp = read_phys(mem, rsdp_paddr, RSDP_V1_SIZE);
    if (rsdp == NULL)
        return ACPI_EUNREADABLE;
    if (!bytes_equal(rsdp, "RSD PTR ", 8) || byte_sum(rsdp, RSDP_V1_SIZE) != 0)
        return ACPI_EINVAL;
    uint8_t revision = rsdp[15];
    uint64_t rsdt = load_le32(rsdp + 16);

    if (revision >= 2) {
        rsdp = read_phys(mem, rsdp_paddr, RSDP_V2_MIN_SIZE);
        if (rsdp == NULL)
            return ACPI_EUNREADABLE;
        uint32_t len = load_le32(rsdp + 20);
        if (len < RSDP_V2_MIN_SIZE || len > RSDP_V2_MAX_SIZE)
            return ACPI_EINVAL;
        rsdp = read_phys(mem, rsdp_paddr, len);
        if (rsdp == NULL)
            return ACPI_EUNREADABLE;
        if (byte_sum(rsdp, len) != 0)
            return ACPI_EINVAL;
        uint64_t xsdt = load_le64(rsdp + 24);
        if (xsdt != 0) {
            *root_out = xsdt;
            *entry_size_out = 8;
            return ACPI_OK;
        }
    }
    if (rsdt == 0)
        return ACPI_ENOENT;
    *root_out = rsdt;
    *entry_size_out = 4;
    return ACPI_OK;
}

/* Walks the root table for a valid table with signature sig. A matching
 * table that fails its checks is skipped in favour of a later valid copy,
 * but its error is returned if none is found. Root entries are re-read one
 * at a time, so no reader pointer is held across another read. */
static int find_listed_table(const struct phys_access *mem, uint64_t rsdp_paddr, const char *sig,
                             uint64_t *paddr_out, uint32_t *len_out)
{
    uint64_t root;
    unsigned entry_size;
    int rc = find_root_table(mem, rsdp_paddr, &root, &entry_size);
    if (rc != ACPI_OK)
        return rc;
    const uint8_t *root_table;
    uint32_t root_len;
    /* The root table's signature is not checked, as in Linux: Xen 4.17
     * builds a PVH dom0's XSDT with the header copied from the host's XSDT,
     * and on a host whose RSDP is revision 0 (QEMU with SeaBIOS) that copy
     * comes from physical address 0. Length and checksum still are. */
    rc = read_table(mem, root, NULL, &root_table, &root_len);
    if (rc != ACPI_OK)
        return rc;

    uint32_t count = (root_len - ACPI_HEADER_SIZE) / entry_size;
    int result = ACPI_ENOENT;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *entry = read_phys(mem, root + ACPI_HEADER_SIZE + (uint64_t)i * entry_size,
                                         entry_size);
        if (entry == NULL)
            return ACPI_EUNREADABLE;
        uint64_t addr = entry_size == 8 ? load_le64(entry) : load_le32(entry);
        if (addr == 0)
            continue;
        const uint8_t *hdr = read_phys(mem, addr, ACPI_HEADER_SIZE);
        if (hdr == NULL) {
            if (result == ACPI_ENOENT)
                result = ACPI_EUNREADABLE;
            continue;
        }
        if (!bytes_equal(hdr, sig, 4))
            continue;
        const uint8_t *table;
        uint32_t len;
        rc = read_table(mem, addr, sig, &table, &len);
        if (rc == ACPI_OK) {
            *paddr_out = addr;
            *len_out = len;
            return ACPI_OK;
        }
        result = rc;
    }
    return result;
}

/* The DSDT is not listed in the root table: it is found through the FADT. */
static int find_dsdt(const struct phys_access *mem, uint64_t rsdp_paddr, uint64_t *paddr_out,
                     uint32_t *len_out)
{
    uint64_t fadt_paddr;
    uint32_t fadt_len;
    int rc = find_listed_table(mem, rsdp_paddr, "FACP", &fadt_paddr, &fadt_len);
    if (rc != ACPI_OK)
        return rc;
    const uint8_t *fadt;
    rc = read_table(mem, fadt_paddr, "FACP", &fadt, &fadt_len);
    if (rc != ACPI_OK)
        return rc;
    struct acpi_fadt_info info;
    rc = acpi_parse_fadt(fadt, fadt_len, &info);
    if (rc != ACPI_OK)
        return rc;
    const uint8_t *dsdt;
    uint32_t dsdt_len;
    rc = read_table(mem, info.dsdt_paddr, "DSDT", &dsdt, &dsdt_len);
    if (rc != ACPI_OK)
        return rc;
    *paddr_out = info.dsdt_paddr;
    *len_out = dsdt_len;
    return ACPI_OK;
}

/* Also accepts sig "DSDT", which it follows through the FADT. */
int acpi_find_table(const struct phys_access *mem, uint64_t rsdp_paddr, const char *sig,
                    uint64_t *paddr_out, uint32_t *len_out)
{
    if (mem == NULL || mem->read == NULL || sig == NULL || paddr_out == NULL || len_out == NULL)
        return ACPI_EINVAL;
    for (unsigned i = 0; i < 4; i++)
        if (sig[i] == '\0')
            return ACPI_EINVAL;
    if (bytes_equal((const uint8_t *)sig, "DSDT", 4))
        return find_dsdt(mem, rsdp_paddr, paddr_out, len_out);
    return find_listed_table(mem, rsdp_paddr, sig, paddr_out, len_out);
}

static struct acpi_gas_info decode_gas(const uint8_t *p)
{
    struct acpi_gas_info gas = { .space = p[0], .bit_width = p[1], .address = load_le64(p + 4) };
    return gas;
}

/* A PM1 control block: the X_ GAS when present and non-zero, else the legacy
 * 32-bit I/O port with the width PM1_CNT_LEN gives (16 bits if unusable). */
static struct acpi_gas_info pm1_cnt_block(const uint8_t *f, uint32_t len, uint32_t x_off,
                                          uint32_t legacy_off)
{
    if (field_in(len, x_off, GAS_SIZE)) {
        struct acpi_gas_info gas = decode_gas(f + x_off);
        if (gas.address != 0)
            return gas;
    }
    struct acpi_gas_info legacy = { .space = 1, .bit_width = 0, .address = 0 };
    if (field_in(len, legacy_off, 4))
        legacy.address = load_le32(f + legacy_off);
    if (legacy.address == 0)
        return legacy;
    uint8_t cnt_len = field_in(len, FADT_PM1_CNT_LEN, 1) ? f[FADT_PM1_CNT_LEN] : 0;
    legacy.bit_width = cnt_len >= 1 && cnt_len <= 31 ? (uint8_t)(cnt_len * 8) : 16;
    return legacy;
}

/* Reads only the fields that lie within len, so short FADTs of old
 * revisions leave later fields zero. */
int acpi_parse_fadt(const void *fadt, uint32_t len, struct acpi_fadt_info *out)
{
    if (out == NULL)
        return ACPI_EINVAL;
    *out = (struct acpi_fadt_info){ .hw_reduced = false };
    const uint8_t *f = fadt;
    if (f == NULL || len < ACPI_HEADER_SIZE || !bytes_equal(f, "FACP", 4))
        return ACPI_EINVAL;

    if (field_in(len, FADT_X_DSDT, 8))
        out->dsdt_paddr = load_le64(f + FADT_X_DSDT);
    if (out->dsdt_paddr == 0 && field_in(len, FADT_DSDT, 4))
        out->dsdt_paddr = load_le32(f + FADT_DSDT);
    if (field_in(len, FADT_SCI_INT, 2))
        out->sci_irq = load_le16(f + FADT_SCI_INT);
    out->pm1a_cnt = pm1_cnt_block(f, len, FADT_X_PM1A_CNT_BLK, FADT_PM1A_CNT_BLK);
    out->pm1b_cnt = pm1_cnt_block(f, len, FADT_X_PM1B_CNT_BLK, FADT_PM1B_CNT_BLK);
    if (field_in(len, FADT_FLAGS, 4))
        out->hw_reduced = (load_le32(f + FADT_FLAGS) & FADT_HW_REDUCED_ACPI) != 0;
    if (field_in(len, FADT_RESET_REG, GAS_SIZE))
        out->reset_reg = decode_gas(f + FADT_RESET_REG);
    if (field_in(len, FADT_RESET_VALUE, 1))
        out->reset_value = f[FADT_RESET_VALUE];
    if (field_in(len, FADT_SLEEP_CONTROL, GAS_SIZE))
        out->sleep_control = decode_gas(f + FADT_SLEEP_CONTROL);
    return ACPI_OK;
}

/* Walks the MADT's interrupt controller structures; an entry shorter than
 * its type needs, shorter than 2 bytes or running past len is an error. */
int acpi_parse_madt(const void *madt, uint32_t len, struct acpi_madt_info *out)
{
    if (out == NULL)
        return ACPI_EINVAL;
    *out = (struct acpi_madt_info){ .ncpus = 0 };
    const uint8_t *m = madt;
    if (m == NULL || len < MADT_ENTRIES || !bytes_equal(m, "APIC", 4))
        return ACPI_EINVAL;
    out->lapic_paddr = load_le32(m + MADT_LAPIC_ADDR);

    for (uint32_t off = MADT_ENTRIES; off < len;) {
        if (len - off < 2)
            return ACPI_EINVAL;
        const uint8_t *e = m + off;
        uint8_t type = e[0], elen = e[1];
        if (elen < 2 || elen > len - off)
            return ACPI_EINVAL;
        switch (type) {
        case MADT_LOCAL_APIC:
            if (elen < 8)
                return ACPI_EINVAL;
            if (load_le32(e + 4) & 3u)  /* enabled or online-capable */
                out->ncpus++;
            break;
        case MADT_LOCAL_X2APIC:
            if (elen < 16)
                return ACPI_EINVAL;
            if (load_le32(e + 8) & 3u)  /* enabled or online-capable */
                out->ncpus++;
            break;
        case MADT_IO_APIC:
            if (elen < 12)
                return ACPI_EINVAL;
            if (out->nioapics < ACPI_MAX_IOAPICS) {
                out->ioapic[out->nioapics].id = e[2];
                out->ioapic[out->nioapics].paddr = load_le32(e + 4);
                out->ioapic[out->nioapics].gsi_base = load_le32(e + 8);
                out->nioapics++;
            }
            break;
        case MADT_INT_OVERRIDE:
            if (elen < 10)
                return ACPI_EINVAL;
            if (out->noverrides < ACPI_MAX_OVERRIDES) {
                out->override[out->noverrides].irq = e[3];
                out->override[out->noverrides].gsi = load_le32(e + 4);
                out->override[out->noverrides].flags = load_le16(e + 8);
                out->noverrides++;
            }
            break;
        case MADT_LAPIC_OVERRIDE:
            if (elen < 12)
                return ACPI_EINVAL;
            out->lapic_paddr = load_le64(e + 4);
            break;
        default:
            break;
        }
        off += elen;
    }
    return ACPI_OK;
}

/* Decodes one integer package element at *pos, never reading at or past
 * end. Returns false for anything else (or a truncated element). */
static bool read_aml_integer(const uint8_t *aml, uint32_t end, uint32_t *pos, uint64_t *value)
{
    if (*pos >= end)
        return false;
    uint8_t op = aml[(*pos)++];
    unsigned nbytes;
    switch (op) {
    case AML_ZERO_OP: *value = 0; return true;
    case AML_ONE_OP: *value = 1; return true;
    case AML_ONES_OP: *value = UINT64_MAX; return true;
    case AML_BYTE_PFX: nbytes = 1; break;
    case AML_WORD_PFX: nbytes = 2; break;
    case AML_DWORD_PFX: nbytes = 4; break;
    case AML_QWORD_PFX: nbytes = 8; break;
    default: return false;
    }
    if (end - *pos < nbytes)
        return false;
    uint64_t v = 0;
    for (unsigned i = 0; i < nbytes; i++)
        v |= (uint64_t)aml[*pos + i] << (8 * i);
    *pos += nbytes;
    *value = v;
    return true;
}

/* Parses "PackageOp PkgLength NumElements elements..." at pos. As ACPICA
 * does, a one-element package holds SLP_TYPa in bits 0-7 and SLP_TYPb in
 * bits 8-15 of its single integer. */
static int parse_s5_package(const uint8_t *aml, uint32_t len, uint32_t pos, uint8_t *slp_typa,
                            uint8_t *slp_typb)
{
    if (pos >= len || aml[pos] != AML_PACKAGE_OP)
        return ACPI_EINVAL;
    pos++;
    if (pos >= len)
        return ACPI_EINVAL;
    uint8_t lead = aml[pos];
    uint32_t follow = lead >> 6;  /* PkgLength bytes after the lead byte */
    uint32_t pkg_len;
    if (follow == 0) {
        pkg_len = lead & 0x3f;
    } else {
        if ((lead & 0x30) != 0 || len - pos - 1 < follow)
            return ACPI_EINVAL;
        pkg_len = lead & 0x0f;
        for (uint32_t k = 1; k <= follow; k++)
            pkg_len |= (uint32_t)aml[pos + k] << (4 + 8 * (k - 1));
    }
    /* PkgLength counts from its own first byte to the end of the package. */
    if (pkg_len > len - pos || pkg_len < follow + 2)
        return ACPI_EINVAL;
    uint32_t end = pos + pkg_len;
    pos += 1 + follow;
    uint8_t num_elements = aml[pos++];
    if (num_elements == 0)
        return ACPI_EINVAL;

    uint64_t a, b;
    if (!read_aml_integer(aml, end, &pos, &a))
        return ACPI_EINVAL;
    if (num_elements >= 2) {
        if (!read_aml_integer(aml, end, &pos, &b))
            return ACPI_EINVAL;
    } else {
        b = a >> 8;
    }
    *slp_typa = (uint8_t)a;
    *slp_typb = (uint8_t)b;
    return ACPI_OK;
}

/* True if the name at aml[i] is the operand of a NameOp: directly, after a
 * root prefix '\', or after one or more parent prefixes '^'. */
static bool follows_name_op(const uint8_t *aml, uint32_t i)
{
    uint32_t j = i;
    if (j > 0 && aml[j - 1] == AML_ROOT_CHAR)
        j--;
    else
        while (j > 0 && aml[j - 1] == AML_PARENT_CHAR)
            j--;
    return j > 0 && aml[j - 1] == AML_NAME_OP;
}

/* Scans for every "_S5_" defined by a NameOp; the first whose package
 * parses wins. ACPI_EINVAL if only malformed definitions were found. */
int acpi_find_s5(const uint8_t *aml, uint32_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
    if (aml == NULL || slp_typa == NULL || slp_typb == NULL)
        return ACPI_EINVAL;
    int result = ACPI_ENOENT;
    for (uint32_t i = 1; len >= 4 && i <= len - 4; i++) {
        if (!bytes_equal(aml + i, "_S5_", 4) || !follows_name_op(aml, i))
            continue;
        if (parse_s5_package(aml, len, i + 4, slp_typa, slp_typb) == ACPI_OK)
            return ACPI_OK;
        result = ACPI_EINVAL;
    }
    return result;
}

/* MCFG: a 36-byte header, 8 reserved bytes, then 16-byte allocation
 * entries (base address, segment, start bus, end bus, 4 reserved). */
#define MCFG_ENTRIES 44
#define ACPI_PHYS_LIMIT (1ull << 52)   /* x86-64's largest physical address width */
#define MCFG_ENTRY_LEN 16

int acpi_parse_mcfg(const void *mcfg, uint32_t len, struct acpi_mcfg_info *out)
{
    if (out == NULL)
        return ACPI_EINVAL;
    *out = (struct acpi_mcfg_info){ .count = 0 };
    const uint8_t *m = mcfg;
    if (m == NULL || len < MCFG_ENTRIES || !bytes_equal(m, "MCFG", 4))
        return ACPI_EINVAL;
    for (uint32_t off = MCFG_ENTRIES; len - off >= MCFG_ENTRY_LEN; off += MCFG_ENTRY_LEN) {
        const uint8_t *e = m + off;
        uint64_t base = load_le64(e);
        uint8_t start = e[10], end = e[11];
        if (end < start || (base & 0xfffffull) || base == 0)
            return ACPI_EINVAL;     /* ECAM is 1 MiB per bus, so 1 MiB aligned */
        if (base > ACPI_PHYS_LIMIT - ((uint64_t)end + 1) * (1ull << 20))
            return ACPI_EINVAL;     /* past the 52-bit physical address space (and no wrapping to 0) */
        if (out->count == ACPI_MAX_ECAM)
            break;
        out->ecam[out->count].paddr = base + ((uint64_t)start << 20);
        out->ecam[out->count].segment = load_le16(e + 8);
        out->ecam[out->count].bus_start = start;
        out->ecam[out->count].bus_end = end;
        out->count++;
    }
    return ACPI_OK;
}

/* A Memory32Fixed descriptor (tag 0x86, length 9) and the Extended
 * Interrupt descriptor (tag 0x89) after it, at p with room bytes left:
 * the bytes the two take, or 0 if they are not there. */
static uint32_t parse_mmio_crs(const uint8_t *p, uint32_t room, struct acpi_mmio_device *out)
{
    if (room < 12 || p[0] != 0x86 || p[1] != 0x09 || p[2] != 0x00)
        return 0;
    out->paddr = load_le32(p + 4);
    out->size = load_le32(p + 8);
    const uint8_t *q = p + 12;
    room -= 12;
    if (room < 9 || q[0] != 0x89)
        return 0;
    uint16_t len = load_le16(q + 1);
    if (len < 6 || len > room - 3 || q[4] == 0)
        return 0;
    out->gsi = load_le32(q + 5);
    out->edge = (q[3] & 2) != 0;
    out->active_low = (q[3] & 4) != 0;
    return out->size != 0 ? 12u + 3u + len : 0;
}

#define MMIO_SCAN_WINDOW 128    /* bytes after the _HID searched for its _CRS */

unsigned acpi_find_mmio_devices(const uint8_t *aml, uint32_t len, const char *hid,
                                struct acpi_mmio_device *out, unsigned cap)
{
    unsigned n = 0, hlen = 0;
    while (hid[hlen])
        hlen++;
    if (aml == NULL || hlen == 0 || len < hlen + 2)
        return 0;
    for (uint32_t i = 0; i + hlen + 1 < len && n < cap; i++) {
        /* StringPrefix, the characters, NUL */
        if (aml[i] != 0x0d || !bytes_equal(aml + i + 1, hid, hlen) || aml[i + 1 + hlen] != 0)
            continue;
        uint32_t end = len - i < MMIO_SCAN_WINDOW ? len : i + MMIO_SCAN_WINDOW;
        uint32_t next = i + hlen;
        for (uint32_t j = i + hlen + 2; j < end; j++) {
            uint32_t used = parse_mmio_crs(aml + j, len - j, &out[n]);
            if (used) {
                n++;
                next = j + used - 1;    /* the next _HID after this _CRS: one resource, one device */
                break;
            }
        }
        i = next;
    }
    return n;
}
