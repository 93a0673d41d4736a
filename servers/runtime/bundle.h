/* Files in the boot bundle, for programs started with run= (pvk-run packs
 * the data files it is given into the bundle beside the programs). */
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

#endif
