/* Reads the ACPI tables the kernel needs once, at boot: FADT (power-off
 * registers, DSDT's \_S5 sleep type) and MADT (local and I/O APICs). */
#include "kernel.h"
#include "memory.h"
#include "platform.h"

struct platform_acpi platform_acpi;

static const char *acpi_strerror(int rc)
{
    switch (rc) {
    case ACPI_ENOENT: return "not present";
    case ACPI_EINVAL: return "malformed (bad signature, length or checksum)";
    case ACPI_EUNREADABLE: return "outside readable memory";
    default: return "error";
    }
}

void acpi_platform_init(uint64_t rsdp_paddr)
{
    if (!rsdp_paddr) {
        pr_warn("acpi: no RSDP from the boot loader; no ACPI power-off or I/O APIC");
        return;
    }
    const struct phys_access *mem = &phys_access_kernel;
    uint64_t pa;
    uint32_t len;
    int rc = acpi_find_table(mem, rsdp_paddr, "FACP", &pa, &len);
    if (rc != ACPI_OK) {
        pr_warn("acpi: FADT %s", acpi_strerror(rc));
    } else {
        const void *fadt = mem->read(mem->ctx, pa, len);
        rc = fadt ? acpi_parse_fadt(fadt, len, &platform_acpi.fadt) : ACPI_EUNREADABLE;
        platform_acpi.have_fadt = rc == ACPI_OK;
        if (rc != ACPI_OK)
            pr_warn("acpi: FADT at %#llx (%u bytes) rejected: %s", (unsigned long long)pa, len,
                    acpi_strerror(rc));
    }

    if (platform_acpi.have_fadt) {
        const uint8_t *dsdt = NULL;
        if (acpi_find_table(mem, rsdp_paddr, "DSDT", &pa, &len) == ACPI_OK)
            dsdt = mem->read(mem->ctx, pa, len);
        if (dsdt && acpi_find_s5(dsdt + 36, len - 36, &platform_acpi.s5_typa, &platform_acpi.s5_typb) == ACPI_OK)
            platform_acpi.have_s5 = true;
        else
            pr_warn("acpi: no usable \\_S5 in the DSDT; ACPI power-off unavailable");
        if (dsdt)
            platform_acpi.nmmio = acpi_find_mmio_devices(dsdt + 36, len - 36, "LNRO0005", platform_acpi.mmio,
                                                         ACPI_MAX_MMIO_DEVICES);
    }

    rc = acpi_find_table(mem, rsdp_paddr, "APIC", &pa, &len);
    if (rc != ACPI_OK) {
        pr_warn("acpi: MADT %s", acpi_strerror(rc));
    } else {
        const void *madt = mem->read(mem->ctx, pa, len);
        rc = madt ? acpi_parse_madt(madt, len, &platform_acpi.madt) : ACPI_EUNREADABLE;
        platform_acpi.have_madt = rc == ACPI_OK;
        if (rc != ACPI_OK)
            pr_warn("acpi: MADT at %#llx (%u bytes) rejected: %s", (unsigned long long)pa, len,
                    acpi_strerror(rc));
    }

    rc = acpi_find_table(mem, rsdp_paddr, "MCFG", &pa, &len);
    if (rc == ACPI_OK) {
        const void *mcfg = mem->read(mem->ctx, pa, len);
        rc = mcfg ? acpi_parse_mcfg(mcfg, len, &platform_acpi.mcfg) : ACPI_EUNREADABLE;
        if (rc != ACPI_OK)
            pr_warn("acpi: MCFG at %#llx (%u bytes) rejected: %s; PCI through ports only",
                    (unsigned long long)pa, len, acpi_strerror(rc));
    }

    pr_info("acpi: RSDP %#llx, FADT %s%s, S5 %s, MADT %s (%u CPUs, %u I/O APICs), MCFG %u regions",
            (unsigned long long)rsdp_paddr, platform_acpi.have_fadt ? "yes" : "no",
            platform_acpi.fadt.hw_reduced ? " (hardware-reduced)" : "",
            platform_acpi.have_s5 ? "yes" : "no", platform_acpi.have_madt ? "yes" : "no",
            platform_acpi.madt.ncpus, platform_acpi.madt.nioapics, platform_acpi.mcfg.count);
}
