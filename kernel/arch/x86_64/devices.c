/* The machine's device-memory windows and PCI configuration regions, for
 * init to hand out (see arch/devices.h and lib/devwin.h): every physical
 * range from 1 MiB up to the CPU's physical address limit (at most 16 TiB)
 * that the memory map does not name, plus the ECAM regions the MCFG
 * describes, minus the local APIC and the I/O APICs the kernel drives. */
#include "kernel.h"
#include "cpu.h"
#include "devwin.h"
#include "platform.h"
#include "arch/devices.h"
#include "arch/layout.h"

#define DEVWIN_LOW (1ull << 20)
#define DEVWIN_HIGH_MAX (1ull << 44)   /* a window's page count fits the capability's 32 bits */

static uint64_t phys_limit(void)
{
    unsigned bits = 36;
    if (cpuid(0x80000000, 0).eax >= 0x80000008)
        bits = cpuid(0x80000008, 0).eax & 0xff;
    if (bits < 32 || bits > 52)
        bits = 36;
    uint64_t limit = 1ull << bits;
    return limit > DEVWIN_HIGH_MAX ? DEVWIN_HIGH_MAX : limit;
}

void arch_describe_devices(struct init_bootinfo *info)
{
    unsigned n;
    const struct phys_region *map = boot_memory_map(&n);
    struct devwin allow[INIT_ECAM_MAX], exclude[1 + ACPI_MAX_IOAPICS], win[INIT_DEVMEM_MAX];
    unsigned nallow = 0, nexclude = 0;

    info->rsdp_paddr = boot_rsdp_paddr();
    for (unsigned i = 0; i < platform_acpi.mcfg.count && i < INIT_ECAM_MAX; i++) {
        uint64_t buses = (uint64_t)platform_acpi.mcfg.ecam[i].bus_end - platform_acpi.mcfg.ecam[i].bus_start + 1;
        allow[nallow++] = (struct devwin){ platform_acpi.mcfg.ecam[i].paddr, buses << 20 };
        info->ecam[info->necam].paddr = platform_acpi.mcfg.ecam[i].paddr;
        info->ecam[info->necam].segment = platform_acpi.mcfg.ecam[i].segment;
        info->ecam[info->necam].bus_start = platform_acpi.mcfg.ecam[i].bus_start;
        info->ecam[info->necam].bus_end = platform_acpi.mcfg.ecam[i].bus_end;
        info->necam++;
    }
    exclude[nexclude++] = (struct devwin){ platform_acpi.madt.lapic_paddr ? platform_acpi.madt.lapic_paddr
                                                                          : 0xfee00000ull, PAGE_SIZE };
    for (unsigned i = 0; i < platform_acpi.madt.nioapics; i++)
        exclude[nexclude++] = (struct devwin){ platform_acpi.madt.ioapic[i].paddr, PAGE_SIZE };

    n = devwin_compute(map, n, allow, nallow, exclude, nexclude, DEVWIN_LOW, phys_limit(), win,
                       INIT_DEVMEM_MAX);
    for (unsigned i = 0; i < n; i++) {
        info->devmem[i].paddr = win[i].base;
        info->devmem[i].size = win[i].size;
        pr_debug("devices: device-memory window %u: [%#llx-%#llx)", i, (unsigned long long)win[i].base,
                 (unsigned long long)(win[i].base + win[i].size));
    }
    info->ndevmem = n;
    for (unsigned i = 0; i < platform_acpi.nmmio && i < INIT_MMIO_MAX; i++) {
        const struct acpi_mmio_device *d = &platform_acpi.mmio[i];
        info->mmio[i].paddr = d->paddr;
        info->mmio[i].size = d->size;
        info->mmio[i].gsi = d->gsi;
        info->mmio[i].irq_mode = (d->edge ? SYS_IRQ_MODE_EDGE : SYS_IRQ_MODE_LEVEL) |
                                 (d->active_low ? SYS_IRQ_MODE_LOW : SYS_IRQ_MODE_HIGH);
        info->nmmio++;
    }
    if (hv.kind == HV_XEN)
        info->platform_flags |= INIT_PLATFORM_XEN;
    if (platform_acpi.have_fadt && platform_acpi.fadt.hw_reduced)
        info->platform_flags |= INIT_PLATFORM_MICROVM;
    pr_info("devices: %u device-memory windows, %u PCI ECAM regions, %u virtio-mmio slots%s", n,
            info->necam, info->nmmio,
            info->platform_flags & INIT_PLATFORM_MICROVM ? ", hardware-reduced ACPI (microvm)" : "");
}
