/* PVH start-info parsing (see bootinfo.h). Pure code: no libc.
 *
 * Every structure the hypervisor points at is read through mem->read and
 * decoded byte-wise (little-endian), so nothing depends on the alignment of
 * untrusted addresses. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/arch-x86/hvm/start_info.h>
#include "bootinfo.h"

typedef unsigned long long ull;

/* Bytes of the start info every version has; version 1 adds the memory map. */
#define START_INFO_V0_SIZE offsetof(struct hvm_start_info, memmap_paddr)
#define START_INFO_V1_SIZE sizeof(struct hvm_start_info)
#define MODLIST_ENTRY_SIZE sizeof(struct hvm_modlist_entry)
#define MEMMAP_ENTRY_SIZE  sizeof(struct hvm_memmap_table_entry)

#define BOOT_DATA_SLOTS (sizeof(((struct boot_info *)0)->boot_data) / sizeof(struct phys_region))

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)load_le32(p) | (uint64_t)load_le32(p + 4) << 32;
}

#define START32(p, field) load_le32((p) + offsetof(struct hvm_start_info, field))
#define START64(p, field) load_le64((p) + offsetof(struct hvm_start_info, field))

/* Reads len bytes at paddr, or NULL if len is 0, the range wraps, or the
 * reader refuses it. */
static const uint8_t *read_phys(const struct phys_access *mem, uint64_t paddr, size_t len)
{
    if (len == 0 || (uint64_t)len - 1 > UINT64_MAX - paddr)
        return NULL;
    return mem->read(mem->ctx, paddr, len);
}

static void zero_bytes(void *p, size_t n)
{
    volatile uint8_t *b = p;  /* volatile: keep the compiler from calling memset */
    for (size_t i = 0; i < n; i++)
        b[i] = 0;
}

/* Records a range the boot data occupies; silently ignores empty ranges and
 * ranges beyond the available slots. */
static void add_boot_data(struct boot_info *bi, uint64_t base, uint64_t size)
{
    if (size == 0 || bi->boot_data_count >= BOOT_DATA_SLOTS)
        return;
    struct phys_region *r = &bi->boot_data[bi->boot_data_count++];
    r->base = base;
    r->size = size;
    r->type = PHYS_RESERVED;
}

enum copy_result { COPY_OK, COPY_TOO_LONG, COPY_UNREADABLE };

/* Copies the NUL-terminated string at paddr into buf (cap >= 1 bytes, always
 * NUL-terminated), one byte at a time so that a string ending just before
 * unreadable memory is still found. *span gets the bytes of physical memory
 * read for it (with the NUL when one was found). */
static enum copy_result copy_string(const struct phys_access *mem, uint64_t paddr, char *buf,
                                    size_t cap, uint64_t *span)
{
    size_t i = 0;
    for (;;) {
        const uint8_t *p = i > UINT64_MAX - paddr ? NULL : read_phys(mem, paddr + i, 1);
        if (p == NULL) {
            buf[i] = '\0';
            *span = i;
            return COPY_UNREADABLE;
        }
        if (*p == 0) {
            buf[i] = '\0';
            *span = i + 1;
            return COPY_OK;
        }
        if (i == cap - 1) {
            buf[i] = '\0';
            *span = i;
            return COPY_TOO_LONG;
        }
        buf[i++] = (char)*p;
    }
}

/* Copies the kernel command line; 0 means there is none. */
static void parse_cmdline(uint64_t paddr, const struct phys_access *mem, const struct diag *d,
                          struct boot_info *out)
{
    if (paddr == 0)
        return;
    uint64_t span;
    switch (copy_string(mem, paddr, out->cmdline, BOOT_CMDLINE_MAX, &span)) {
    case COPY_OK:
        break;
    case COPY_TOO_LONG:
        diag_report(d, "command line longer than %u bytes: truncated", BOOT_CMDLINE_MAX - 1);
        out->cmdline_truncated = true;
        break;
    case COPY_UNREADABLE:
        if (span == 0) {
            diag_report(d, "command line at 0x%llx is unreadable: ignored", (ull)paddr);
        } else {
            diag_report(d, "command line at 0x%llx runs into unreadable memory after %llu "
                        "bytes: truncated", (ull)paddr, (ull)span);
            out->cmdline_truncated = true;
        }
        break;
    }
    add_boot_data(out, paddr, span);
}

/* Reads and sanitizes the version-1 memory-map table. */
static void parse_memmap(uint64_t paddr, uint32_t entries, const struct phys_access *mem,
                         const struct diag *d, struct boot_info *out)
{
    if (entries == 0) {
        diag_report(d, "start info: no memory map");
        return;
    }
    unsigned n = entries;
    if (entries > MEMMAP_MAX) {
        diag_report(d, "start info: %u memory-map entries, using the first %u", entries,
                    MEMMAP_MAX);
        n = MEMMAP_MAX;
    }
    size_t len = (size_t)n * MEMMAP_ENTRY_SIZE;  /* n <= MEMMAP_MAX: no overflow */
    const uint8_t *table = read_phys(mem, paddr, len);
    if (table == NULL) {
        diag_report(d, "start info: memory-map table [0x%llx, %u entries) is unreadable: "
                    "ignored", (ull)paddr, n);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = table + (size_t)i * MEMMAP_ENTRY_SIZE;
        out->memmap[i].base = load_le64(e + offsetof(struct hvm_memmap_table_entry, addr));
        out->memmap[i].size = load_le64(e + offsetof(struct hvm_memmap_table_entry, size));
        out->memmap[i].type = load_le32(e + offsetof(struct hvm_memmap_table_entry, type));
    }
    add_boot_data(out, paddr, len);
    out->memmap_count = memmap_sanitize(out->memmap, n, MEMMAP_MAX, d);
}

/* Reads the module list and copies each module's command line. */
static void parse_modules(uint64_t paddr, uint32_t count, const struct phys_access *mem,
                          const struct diag *d, struct boot_info *out)
{
    if (count == 0)
        return;
    unsigned n = count;
    if (count > BOOT_MODULES_MAX) {
        diag_report(d, "start info: %u modules, using the first %u", count, BOOT_MODULES_MAX);
        n = BOOT_MODULES_MAX;
    }
    size_t len = (size_t)n * MODLIST_ENTRY_SIZE;  /* n <= BOOT_MODULES_MAX: no overflow */
    const uint8_t *list = read_phys(mem, paddr, len);
    if (list == NULL) {
        diag_report(d, "start info: module list [0x%llx, %u entries) is unreadable: no modules",
                    (ull)paddr, n);
        return;
    }
    add_boot_data(out, paddr, len);
    /* Copy the list out first: reading the command lines may reuse the
     * reader's mapping. */
    uint64_t cmdline_paddr[BOOT_MODULES_MAX];
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = list + (size_t)i * MODLIST_ENTRY_SIZE;
        out->modules[i].paddr = load_le64(e + offsetof(struct hvm_modlist_entry, paddr));
        out->modules[i].size = load_le64(e + offsetof(struct hvm_modlist_entry, size));
        cmdline_paddr[i] = load_le64(e + offsetof(struct hvm_modlist_entry, cmdline_paddr));
    }
    for (unsigned i = 0; i < n; i++) {
        struct boot_module *m = &out->modules[i];
        uint64_t cmd = cmdline_paddr[i];
        m->cmdline[0] = '\0';
        if (cmd == 0)
            continue;
        uint64_t span;
        enum copy_result r = copy_string(mem, cmd, m->cmdline, BOOT_MODCMD_MAX, &span);
        if (r == COPY_TOO_LONG)
            diag_report(d, "module %u command line longer than %u bytes: truncated", i,
                        BOOT_MODCMD_MAX - 1);
        else if (r == COPY_UNREADABLE && span == 0)
            diag_report(d, "module %u command line at 0x%llx is unreadable: ignored", i,
                        (ull)cmd);
        else if (r == COPY_UNREADABLE)
            diag_report(d, "module %u command line at 0x%llx runs into unreadable memory after "
                        "%llu bytes: truncated", i, (ull)cmd, (ull)span);
    }
    out->module_count = n;
}

int bootinfo_parse(uint64_t start_info_paddr, const struct phys_access *mem,
                   const struct diag *d, struct boot_info *out)
{
    if (out == NULL)
        return BOOTINFO_EUNREADABLE;
    zero_bytes(out, sizeof *out);
    out->start_info_paddr = start_info_paddr;
    if (mem == NULL || mem->read == NULL)
        return BOOTINFO_EUNREADABLE;

    const uint8_t *si = read_phys(mem, start_info_paddr, START_INFO_V0_SIZE);
    if (si == NULL) {
        diag_report(d, "start info at 0x%llx is unreadable", (ull)start_info_paddr);
        return BOOTINFO_EUNREADABLE;
    }
    uint32_t magic = START32(si, magic);
    if (magic != XEN_HVM_START_MAGIC_VALUE) {
        diag_report(d, "start info at 0x%llx: bad magic 0x%08x (expected 0x%08x)",
                    (ull)start_info_paddr, magic, XEN_HVM_START_MAGIC_VALUE);
        return BOOTINFO_EMAGIC;
    }
    out->version = START32(si, version);
    out->flags = START32(si, flags);
    out->rsdp_paddr = START64(si, rsdp_paddr);
    uint32_t nr_modules = START32(si, nr_modules);
    uint64_t modlist_paddr = START64(si, modlist_paddr);
    uint64_t cmdline_paddr = START64(si, cmdline_paddr);

    /* Version 0 ends before the memory-map fields: they must not be read.
     * Fields are copied out before any other read, so a reader that reuses
     * one mapping window is fine. */
    bool have_memmap_fields = false;
    uint64_t memmap_paddr = 0;
    uint32_t memmap_entries = 0;
    if (out->version >= 1) {
        const uint8_t *si_v1 = read_phys(mem, start_info_paddr, START_INFO_V1_SIZE);
        if (si_v1 == NULL) {
            diag_report(d, "start info version %u: memory-map fields are unreadable: "
                        "no memory map", out->version);
        } else {
            have_memmap_fields = true;
            memmap_paddr = START64(si_v1, memmap_paddr);
            memmap_entries = START32(si_v1, memmap_entries);
        }
    }
    add_boot_data(out, start_info_paddr,
                  have_memmap_fields ? START_INFO_V1_SIZE : START_INFO_V0_SIZE);

    parse_modules(modlist_paddr, nr_modules, mem, d, out);
    if (have_memmap_fields)
        parse_memmap(memmap_paddr, memmap_entries, mem, d, out);
    parse_cmdline(cmdline_paddr, mem, d, out);
    return BOOTINFO_OK;
}

/* Whether module m is usable on its own: non-empty, not wrapping, in RAM.
 * Reports why not. */
static bool module_is_usable(unsigned idx, const struct boot_module *m,
                             const struct phys_region *map, unsigned n, const struct diag *d)
{
    if (m->size == 0) {
        diag_report(d, "module %u at 0x%llx is empty: ignored", idx, (ull)m->paddr);
        return false;
    }
    if (m->size > UINT64_MAX - m->paddr) {
        diag_report(d, "module %u [0x%llx, size 0x%llx) wraps around the address space: "
                    "ignored", idx, (ull)m->paddr, (ull)m->size);
        return false;
    }
    if (!memmap_range_is_ram(map, n, m->paddr, m->size)) {
        diag_report(d, "module %u [0x%llx-0x%llx) is not in RAM: ignored", idx, (ull)m->paddr,
                    (ull)(m->paddr + m->size));
        return false;
    }
    return true;
}

static bool modules_overlap(const struct boot_module *a, const struct boot_module *b)
{
    return a->paddr < b->paddr + b->size && b->paddr < a->paddr + a->size;
}

unsigned bootinfo_check_modules(struct boot_info *bi, const struct phys_region *map, unsigned n,
                                const struct diag *d)
{
    if (bi == NULL)
        return 0;
    unsigned count = bi->module_count > BOOT_MODULES_MAX ? BOOT_MODULES_MAX : bi->module_count;
    bool usable[BOOT_MODULES_MAX];
    bool keep[BOOT_MODULES_MAX];
    for (unsigned i = 0; i < count; i++) {
        usable[i] = module_is_usable(i, &bi->modules[i], map, n, d);
        keep[i] = usable[i];
    }
    /* Overlaps are judged among usable modules only; both parties go. */
    for (unsigned i = 0; i < count; i++) {
        for (unsigned j = 0; j < count && usable[i]; j++) {
            if (j == i || !usable[j] || !modules_overlap(&bi->modules[i], &bi->modules[j]))
                continue;
            const struct boot_module *m = &bi->modules[i];
            diag_report(d, "module %u [0x%llx-0x%llx) overlaps module %u: ignored", i,
                        (ull)m->paddr, (ull)(m->paddr + m->size), j);
            keep[i] = false;
            break;
        }
    }
    unsigned kept = 0;
    for (unsigned i = 0; i < count; i++) {
        if (!keep[i])
            continue;
        if (kept != i) {
            struct boot_module *dst = &bi->modules[kept], *src = &bi->modules[i];
            dst->paddr = src->paddr;
            dst->size = src->size;
            for (size_t k = 0; k < BOOT_MODCMD_MAX; k++)
                dst->cmdline[k] = src->cmdline[k];
        }
        kept++;
    }
    unsigned dropped = bi->module_count - kept;
    bi->module_count = kept;
    return dropped;
}
