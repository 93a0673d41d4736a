/* Physical memory regions and safe access to memory described by untrusted
 * boot data. Shared by the boot-info, memory-map and ACPI parsers. */
#ifndef PHYS_H
#define PHYS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Region types: the values of XEN_HVM_MEMMAP_TYPE_* / E820. */
enum phys_type {
    PHYS_RAM = 1,
    PHYS_RESERVED = 2,
    PHYS_ACPI = 3,
    PHYS_NVS = 4,
    PHYS_UNUSABLE = 5,
    PHYS_DISABLED = 6,
    PHYS_PMEM = 7,
};

struct phys_region {
    uint64_t base;
    uint64_t size;
    uint32_t type;
};

/* Gives read access to len bytes of physical memory at paddr. Returns NULL
 * if any byte of the range cannot be read (outside what is mapped, or
 * paddr + len overflows). Parsers never dereference a boot-provided address
 * without going through this. */
typedef const void *(*phys_reader)(void *ctx, uint64_t paddr, size_t len);

struct phys_access {
    phys_reader read;
    void *ctx;
};

/* Where parsers report problems with their input, one line per call (no
 * trailing newline in fmt). The kernel prints these to the boot log. */
struct diag {
    void (*report)(void *ctx, const char *fmt, va_list ap);
    void *ctx;
};

void diag_report(const struct diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
