/* PVH start-info parsing (kernel/lib/bootinfo.c). Pure code.
 *
 * struct hvm_start_info (xen/arch-x86/hvm/start_info.h) comes from the
 * hypervisor and is untrusted: every address in it is read through a
 * phys_access, every count and length is bounded, every string is copied
 * with a limit. Problems are reported through a diag, with a clear message,
 * and the parser carries on where it safely can. */
#ifndef BOOTINFO_H
#define BOOTINFO_H

#include <stdbool.h>
#include "memmap.h"
#include "phys.h"

#define BOOT_CMDLINE_MAX   1024   /* including the NUL */
#define BOOT_MODULES_MAX   16
#define BOOT_MODCMD_MAX    128

enum bootinfo_error {
    BOOTINFO_OK = 0,
    BOOTINFO_EUNREADABLE = -1,  /* start info itself not readable */
    BOOTINFO_EMAGIC = -2,       /* wrong magic value */
};

struct boot_module {
    uint64_t paddr;
    uint64_t size;
    char cmdline[BOOT_MODCMD_MAX];
};

struct boot_info {
    uint64_t start_info_paddr;
    uint32_t version;
    uint32_t flags;
    uint64_t rsdp_paddr;                  /* 0 if none */

    char cmdline[BOOT_CMDLINE_MAX];       /* "" if none */
    bool cmdline_truncated;

    /* Memory map from the start info (version >= 1), sanitized. 0 entries
     * when absent: the kernel then asks the hypervisor (Xen). */
    struct phys_region memmap[MEMMAP_MAX];
    unsigned memmap_count;

    struct boot_module modules[BOOT_MODULES_MAX];
    unsigned module_count;

    /* Ranges the boot data itself occupies, so the frame allocator can keep
     * them: start info, module list, memory-map table, command line. */
    struct phys_region boot_data[4];
    unsigned boot_data_count;
};

/* Reads and checks the start info at start_info_paddr into *out.
 *  - Magic must be XEN_HVM_START_MAGIC_VALUE, else BOOTINFO_EMAGIC.
 *  - Version 0 has no memory-map fields; they are not read.
 *  - The command line is copied up to BOOT_CMDLINE_MAX - 1 bytes; a longer
 *    or unterminated one is truncated and reported (cmdline_truncated).
 *  - The memory map: more than MEMMAP_MAX entries is reported and cut to
 *    MEMMAP_MAX; an unreadable table is reported and treated as absent;
 *    a version-1 start info with 0 entries is reported as "no memory map".
 *    The result is sanitized with memmap_sanitize.
 *  - Modules: more than BOOT_MODULES_MAX are reported and ignored; an
 *    unreadable module list is reported and treated as empty. Module command
 *    lines are copied with a limit. Modules are NOT yet checked against RAM
 *    (the map may come later from the hypervisor): see bootinfo_check_modules.
 * Returns BOOTINFO_OK or a negative bootinfo_error. */
int bootinfo_parse(uint64_t start_info_paddr, const struct phys_access *mem,
                   const struct diag *d, struct boot_info *out);

/* Drops (with a report) every module that is empty, wraps around, or does
 * not lie entirely in RAM according to map, and every module that overlaps
 * another one. Returns the number of modules dropped. */
unsigned bootinfo_check_modules(struct boot_info *bi, const struct phys_region *map, unsigned n,
                                const struct diag *d);

#ifdef KERNEL
/* The kernel's parsed copy (kernel/core/main.c). */
struct boot_info *boot_info_get(void);
#endif

#endif
