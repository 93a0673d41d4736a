/* What the platform tells init about its devices (arch/x86_64/devices.c):
 * the device-memory windows, PCI ECAM regions, the ACPI root pointer and
 * the kind of machine. Filled once at boot, after ACPI and the memory map. */
#ifndef ARCH_DEVICES_H
#define ARCH_DEVICES_H

#include "uapi/abi.h"

/* Fills the device part of init's boot information (rsdp_paddr, ndevmem,
 * devmem[], necam, ecam[], platform_flags) and logs one line per window. */
void arch_describe_devices(struct init_bootinfo *info);

#endif
