/* What a program can read of how the system was booted: files in the boot
 * bundle, for programs started with run= (pvk-run packs the data files it
 * is given into the bundle beside the programs), and the kernel command
 * line (run= programs, and services with caps=bootinfo). */
#ifndef RT_BUNDLE_H
#define RT_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where rt_bundle_file maps the bundle (read-only) in the caller. */
#define RT_BUNDLE_VA 0x0000500000000000ull

/* Finds the file name in the bundle: *data and *size describe it (read
 * only; it stays mapped for the life of the process). arg is the value
 * main() received (run= programs get the bundle's place there and the
 * bundle in PVK_RUN_SLOT_BUNDLE, pvk/service.h). False, with a log line
 * saying why, if the bundle cannot be mapped or arg does not describe it;
 * false without a line if there is no such file. */
bool rt_bundle_file(uint64_t arg, const char *name, const void **data, size_t *size);

/* Where rt_kernel_cmdline maps the boot information for a moment, and a
 * buffer size that holds all of the command line it can give. */
#define RT_KERNEL_CMDLINE_SIZE (sizeof ((const struct init_bootinfo *)0)->cmdline + 1)
#define RT_BOOTINFO_VA 0x0000500200000000ull

/* Copies the kernel command line (NUL-terminated, cut to size - 1 bytes)
 * from the boot information in PVK_SLOT_BOOTINFO; options are then read
 * with cmdline_get/cmdline_get_u64 (cmdline.h), e.g.
 *   pvk-run --cmdline "myprog.rounds=5" myprog.elf
 *   cmdline_get_u64(line, "myprog.rounds", &rounds);
 * False (buf empty) if the program has no boot information. */
bool rt_kernel_cmdline(char *buf, size_t size);

#endif
