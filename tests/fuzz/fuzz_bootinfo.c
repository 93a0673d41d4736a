/* libFuzzer harness for kernel/lib/bootinfo.c (and the memmap_sanitize it
 * calls).
 *
 * Input: byte 0 = mode, the rest = guest physical memory, with the start
 * info at its first byte, so the module list, memory-map table and command
 * lines the fuzzer points at can follow it in the same buffer.
 * Mode bits 0-1: where the memory sits (fuzz_pick_base: 0x100000, 0, the
 * end of the 32-bit space, the top of the 64-bit space); bit 2: no diag.
 *
 * Calls bootinfo_parse, then bootinfo_check_modules with the parsed map and
 * with a map that is RAM everywhere, and checks the results against the
 * bytes in memory: fields copied, strings NUL-terminated, equal to memory
 * and truncated exactly when promised, the memory map equal to
 * memmap_sanitize of the table, the boot-data ranges inside memory, and
 * the kept modules non-empty, in RAM and pairwise disjoint. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/arch-x86/hvm/start_info.h>
#include "bootinfo.h"
#include "fuzz.h"

#define V0_SIZE offsetof(struct hvm_start_info, memmap_paddr)
#define V1_SIZE sizeof(struct hvm_start_info)
#define SI32(p, f) fuzz_le32((p) + offsetof(struct hvm_start_info, f))
#define SI64(p, f) fuzz_le64((p) + offsetof(struct hvm_start_info, f))

/* What copying the string at paddr with a buffer of cap bytes must give:
 * the bytes up to the NUL, the end of memory or cap - 1 bytes. */
static void expected_string(const struct fake_phys *fp, uint64_t paddr, size_t cap, char *buf,
                            bool *truncated)
{
    size_t i = 0;
    *truncated = false;
    if (fake_phys_contains(fp, paddr, 1)) {
        const uint8_t *s = fp->bytes + (paddr - fp->base);
        size_t avail = fp->size - (paddr - fp->base);
        while (i < avail && i < cap - 1 && s[i] != 0) {
            buf[i] = (char)s[i];
            i++;
        }
        /* As copy_string: unreadable memory first, then the NUL, then cap. */
        *truncated = i > 0 && (i == avail || (i == cap - 1 && s[i] != 0));
    }
    buf[i] = '\0';
}

static bool nul_within(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_kept_modules(const struct boot_info *bi, unsigned before, unsigned dropped,
                               const struct phys_region *map, unsigned n)
{
    FUZZ_ASSERT(bi->module_count <= before);
    FUZZ_ASSERT(dropped == before - bi->module_count);
    for (unsigned i = 0; i < bi->module_count; i++) {
        const struct boot_module *m = &bi->modules[i];
        FUZZ_ASSERT(m->size != 0);
        FUZZ_ASSERT(m->size <= UINT64_MAX - m->paddr);
        FUZZ_ASSERT(nul_within(m->cmdline, BOOT_MODCMD_MAX));
        /* In RAM: walk the sanitized map. */
        uint64_t cursor = m->paddr, end = m->paddr + m->size;
        for (unsigned k = 0; k < n; k++)
            if (map[k].type == PHYS_RAM && map[k].base <= cursor &&
                cursor - map[k].base < map[k].size)
                cursor = map[k].base + map[k].size;
        FUZZ_ASSERT(cursor >= end);
        for (unsigned j = 0; j < i; j++) {
            const struct boot_module *o = &bi->modules[j];
            FUZZ_ASSERT(m->paddr >= o->paddr + o->size || o->paddr >= m->paddr + m->size);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    const uint8_t *bytes = data + 1;
    size_t len = size - 1;
    uint64_t base = fuzz_pick_base(mode, len);

    struct fake_phys fp;
    struct phys_access mem;
    fake_phys_init(&fp, base, bytes, len, &mem);
    struct fuzz_diag fd;
    struct diag d;
    fuzz_diag_init(&fd, NULL, &d);
    const struct diag *dp = (mode & 4) ? NULL : &d;

    static struct boot_info bi;
    memset(&bi, 0xa5, sizeof bi);   /* everything reported must be initialised */
    int rc = bootinfo_parse(base, &mem, dp, &bi);
    fake_phys_done(&fp);
    FUZZ_ASSERT(bi.start_info_paddr == base);

    if (len < V0_SIZE) {
        FUZZ_ASSERT(rc == BOOTINFO_EUNREADABLE);
        return 0;
    }
    if (SI32(bytes, magic) != XEN_HVM_START_MAGIC_VALUE) {
        FUZZ_ASSERT(rc == BOOTINFO_EMAGIC);
        return 0;
    }
    FUZZ_ASSERT(rc == BOOTINFO_OK);
    FUZZ_ASSERT(bi.version == SI32(bytes, version));
    FUZZ_ASSERT(bi.flags == SI32(bytes, flags));
    FUZZ_ASSERT(bi.rsdp_paddr == SI64(bytes, rsdp_paddr));

    /* Command line. */
    static char want[BOOT_CMDLINE_MAX];
    bool truncated;
    FUZZ_ASSERT(nul_within(bi.cmdline, sizeof bi.cmdline));
    uint64_t cmd = SI64(bytes, cmdline_paddr);
    if (cmd != 0) {
        expected_string(&fp, cmd, BOOT_CMDLINE_MAX, want, &truncated);
        FUZZ_ASSERT(strcmp(bi.cmdline, want) == 0);
        FUZZ_ASSERT(bi.cmdline_truncated == truncated);
    } else {
        FUZZ_ASSERT(bi.cmdline[0] == '\0' && !bi.cmdline_truncated);
    }

    /* Memory map: memmap_sanitize of the table, when it is readable. */
    bool have_v1 = bi.version >= 1 && len >= V1_SIZE;
    FUZZ_ASSERT(bi.memmap_count <= MEMMAP_MAX);
    fuzz_check_sanitized(bi.memmap, bi.memmap_count, MEMMAP_MAX);
    uint32_t entries = have_v1 ? SI32(bytes, memmap_entries) : 0;
    unsigned n = entries > MEMMAP_MAX ? MEMMAP_MAX : entries;
    uint64_t table = have_v1 ? SI64(bytes, memmap_paddr) : 0;
    if (n != 0 && fake_phys_contains(&fp, table, (uint64_t)n * 24)) {
        static struct phys_region ref[MEMMAP_MAX];
        const uint8_t *t = bytes + (table - base);
        for (unsigned i = 0; i < n; i++) {
            ref[i].base = fuzz_le64(t + 24 * i);
            ref[i].size = fuzz_le64(t + 24 * i + 8);
            ref[i].type = fuzz_le32(t + 24 * i + 16);
        }
        unsigned rn = memmap_sanitize(ref, n, MEMMAP_MAX, NULL);
        FUZZ_ASSERT(rn == bi.memmap_count);
        for (unsigned i = 0; i < rn; i++)
            FUZZ_ASSERT(ref[i].base == bi.memmap[i].base && ref[i].size == bi.memmap[i].size &&
                        ref[i].type == bi.memmap[i].type);
    } else {
        FUZZ_ASSERT(bi.memmap_count == 0);
    }

    /* Modules. */
    uint32_t nr = SI32(bytes, nr_modules);
    unsigned nm = nr > BOOT_MODULES_MAX ? BOOT_MODULES_MAX : nr;
    uint64_t list = SI64(bytes, modlist_paddr);
    if (nm != 0 && fake_phys_contains(&fp, list, (uint64_t)nm * 32)) {
        FUZZ_ASSERT(bi.module_count == nm);
        const uint8_t *l = bytes + (list - base);
        for (unsigned i = 0; i < nm; i++) {
            const struct boot_module *m = &bi.modules[i];
            FUZZ_ASSERT(m->paddr == fuzz_le64(l + 32 * i));
            FUZZ_ASSERT(m->size == fuzz_le64(l + 32 * i + 8));
            FUZZ_ASSERT(nul_within(m->cmdline, BOOT_MODCMD_MAX));
            uint64_t mc = fuzz_le64(l + 32 * i + 16);
            if (mc != 0) {
                expected_string(&fp, mc, BOOT_MODCMD_MAX, want, &truncated);
                FUZZ_ASSERT(strcmp(m->cmdline, want) == 0);
            } else {
                FUZZ_ASSERT(m->cmdline[0] == '\0');
            }
        }
    } else {
        FUZZ_ASSERT(bi.module_count == 0);
    }

    /* The recorded boot data was all read, so it lies in memory. */
    FUZZ_ASSERT(bi.boot_data_count <= 4);
    for (unsigned i = 0; i < bi.boot_data_count; i++) {
        FUZZ_ASSERT(bi.boot_data[i].size != 0);
        FUZZ_ASSERT(fake_phys_contains(&fp, bi.boot_data[i].base, bi.boot_data[i].size));
    }

    /* Modules against the parsed map, then against RAM everywhere (only
     * emptiness, wrapping and overlaps matter there). */
    static struct boot_info copy;
    copy = bi;
    unsigned before = bi.module_count;
    unsigned dropped = bootinfo_check_modules(&bi, bi.memmap, bi.memmap_count, dp);
    check_kept_modules(&bi, before, dropped, bi.memmap, bi.memmap_count);

    static const struct phys_region all_ram[] = { { 0, 0xfffffffffffff000ull, PHYS_RAM } };
    dropped = bootinfo_check_modules(&copy, all_ram, 1, dp);
    check_kept_modules(&copy, before, dropped, all_ram, 1);
    return 0;
}
