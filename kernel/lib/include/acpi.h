/* ACPI table discovery (kernel/lib/acpi.c). Pure code.
 * Tables come from the hypervisor's firmware and are untrusted: every table
 * is read through a phys_access, its length bounded and its checksum
 * verified before use. Only what the kernel needs is extracted: FADT power
 * registers and the \_S5 sleep type for power-off, MADT interrupt
 * controllers.
 * acpi_find_table(..., "DSDT", ...) follows the FADT (X_DSDT, else DSDT),
 * since the DSDT is not listed in the root table. */
#ifndef ACPI_H
#define ACPI_H

#include <stdbool.h>
#include <stdint.h>
#include "phys.h"

enum acpi_error {
    ACPI_OK = 0,
    ACPI_ENOENT = -1,    /* table or object not present */
    ACPI_EINVAL = -2,    /* malformed: bad signature, checksum, length */
    ACPI_EUNREADABLE = -3,
};

#define ACPI_MAX_TABLE_LEN (1u << 20)   /* refuse absurd table lengths */

/* Generic address structure, as in the FADT. */
struct acpi_gas_info {
    uint8_t space;      /* 0 = system memory, 1 = system I/O */
    uint8_t bit_width;
    uint64_t address;   /* 0 if absent */
};

struct acpi_fadt_info {
    uint64_t dsdt_paddr;                 /* 0 if absent */
    bool hw_reduced;                     /* FADT flag HW_REDUCED_ACPI */
    struct acpi_gas_info pm1a_cnt;       /* from X_PM1a_CNT_BLK or PM1a_CNT_BLK */
    struct acpi_gas_info pm1b_cnt;
    struct acpi_gas_info sleep_control;  /* hardware-reduced ACPI (FADT >= 5) */
    struct acpi_gas_info reset_reg;
    uint8_t reset_value;
    uint16_t sci_irq;
};

#define ACPI_MAX_IOAPICS   8
#define ACPI_MAX_OVERRIDES 16

struct acpi_madt_info {
    uint64_t lapic_paddr;
    unsigned ncpus;                      /* enabled local APIC and x2APIC entries */
    unsigned nioapics;
    struct { uint8_t id; uint64_t paddr; uint32_t gsi_base; } ioapic[ACPI_MAX_IOAPICS];
    unsigned noverrides;
    struct { uint8_t irq; uint32_t gsi; uint16_t flags; } override[ACPI_MAX_OVERRIDES];
};

/* Finds the table with signature sig (4 chars, e.g. "FACP") through the
 * RSDP at rsdp_paddr: the XSDT when the RSDP revision is >= 2 and it has
 * one, else the RSDT. Checks the RSDP checksum (and extended checksum), the
 * root table's and the found table's signature, length and checksum.
 * On success stores its physical address and length. */
int acpi_find_table(const struct phys_access *mem, uint64_t rsdp_paddr, const char *sig,
                    uint64_t *paddr_out, uint32_t *len_out);

/* Parses the FADT of len bytes at fadt (already checked by acpi_find_table). */
int acpi_parse_fadt(const void *fadt, uint32_t len, struct acpi_fadt_info *out);

/* Parses the MADT of len bytes at madt. Entries with bad lengths stop the walk
 * with ACPI_EINVAL (what was parsed so far is kept in *out). */
int acpi_parse_madt(const void *madt, uint32_t len, struct acpi_madt_info *out);

#define ACPI_MAX_ECAM 4

/* PCI Express memory-mapped configuration regions (MCFG). */
struct acpi_mcfg_info {
    unsigned count;
    struct {
        uint64_t paddr;             /* config space of bus_start (base + bus_start << 20) */
        uint16_t segment;
        uint8_t bus_start, bus_end;
    } ecam[ACPI_MAX_ECAM];
};

/* Parses the MCFG of len bytes: every allocation entry (at most
 * ACPI_MAX_ECAM kept). An entry with end bus below start bus, or a base
 * that is 0 or not 1 MiB aligned, is ACPI_EINVAL. */
int acpi_parse_mcfg(const void *mcfg, uint32_t len, struct acpi_mcfg_info *out);

/* A memory-mapped device described in the DSDT by its _HID and a _CRS of
 * one Memory32Fixed and one Extended Interrupt (microvm's virtio-mmio
 * slots: _HID "LNRO0005"). */
struct acpi_mmio_device {
    uint64_t paddr;
    uint32_t size;
    uint32_t gsi;
    bool edge, active_low;
};

/* Scans an AML byte stream for string _HIDs equal to hid, each followed
 * within 128 bytes by such a _CRS; fills out[0..cap) and returns how many.
 * Never reads outside aml[0..len). */
unsigned acpi_find_mmio_devices(const uint8_t *aml, uint32_t len, const char *hid,
                                struct acpi_mmio_device *out, unsigned cap);

/* Finds the \_S5_ object in an AML byte stream (the DSDT body) and extracts
 * its first two package elements, SLP_TYPa and SLP_TYPb. Handles the
 * encodings firmware uses: NameOp "_S5_" (optionally with a root/parent
 * prefix) followed by PackageOp, PkgLength (1-4 bytes), NumElements, then
 * each element as ZeroOp, OneOp, BytePrefix+byte, or a WordPrefix /
 * DWordPrefix value (truncated to 8 bits). Never reads outside
 * aml[0..len). */
int acpi_find_s5(const uint8_t *aml, uint32_t len, uint8_t *slp_typa, uint8_t *slp_typb);

#endif
