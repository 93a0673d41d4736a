/* I/O APICs from the MADT: every redirection entry masked, ready for
 * device interrupts to be routed by the drivers that come later. */
#include "kernel.h"
#include "cpu.h"
#include "arch/layout.h"
#include "platform.h"
#include "uapi/abi.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))

static unsigned total_gsis;
static struct {
    volatile uint32_t *base;
    uint32_t gsi_base, count;
} chips[ACPI_MAX_IOAPICS];
static unsigned nchips;

static uint32_t ioapic_read(volatile uint32_t *base, uint32_t reg)
{
    base[IOREGSEL / 4] = reg;
    return base[IOWIN / 4];
}

static void ioapic_write(volatile uint32_t *base, uint32_t reg, uint32_t v)
{
    base[IOREGSEL / 4] = reg;
    base[IOWIN / 4] = v;
}

unsigned ioapic_gsi_count(void)
{
    return total_gsis;
}

void ioapic_init(void)
{
    if (!platform_acpi.have_madt || platform_acpi.madt.nioapics == 0) {
        pr_info("ioapic: none described by ACPI");
        return;
    }
    for (unsigned i = 0; i < platform_acpi.madt.nioapics; i++) {
        uint64_t paddr = platform_acpi.madt.ioapic[i].paddr;
        volatile uint32_t *base = mmio_map(paddr, PAGE_SIZE);
        if (!base) {
            pr_err("ioapic: cannot map I/O APIC at %#llx", (unsigned long long)paddr);
            continue;
        }
        uint32_t ver = ioapic_read(base, IOAPIC_VER);
        if (ver == 0xffffffffu) {
            pr_err("ioapic: I/O APIC at %#llx does not answer", (unsigned long long)paddr);
            continue;
        }
        unsigned entries = ((ver >> 16) & 0xff) + 1;
        for (unsigned n = 0; n < entries; n++) {
            ioapic_write(base, IOAPIC_REDTBL(n), 1u << 16);  /* masked */
            ioapic_write(base, IOAPIC_REDTBL(n) + 1, 0);
        }
        total_gsis += entries;
        chips[nchips].base = base;
        chips[nchips].gsi_base = platform_acpi.madt.ioapic[i].gsi_base;
        chips[nchips].count = entries;
        nchips++;
        pr_info("ioapic: id %u at %#llx, GSIs %u-%u, all masked", platform_acpi.madt.ioapic[i].id,
                (unsigned long long)paddr, platform_acpi.madt.ioapic[i].gsi_base,
                platform_acpi.madt.ioapic[i].gsi_base + entries - 1);
    }
}

static bool find_chip(uint32_t gsi, volatile uint32_t **base, uint32_t *pin)
{
    for (unsigned i = 0; i < nchips; i++) {
        if (gsi >= chips[i].gsi_base && gsi < chips[i].gsi_base + chips[i].count) {
            *base = chips[i].base;
            *pin = gsi - chips[i].gsi_base;
            return true;
        }
    }
    return false;
}

/* Routes gsi to vector on the boot CPU, masked. By default ISA lines
 * (0-15) are edge, active high unless the MADT overrides them, others level,
 * active low (PCI); mode (SYS_IRQ_MODE_*) overrides trigger and polarity
 * where it names them (microvm's virtio-mmio lines are level, active high).
 * Returns false if no I/O APIC has the line. */
bool ioapic_route(uint32_t gsi, uint8_t vector, unsigned mode)
{
    volatile uint32_t *base;
    uint32_t pin;
    if (!find_chip(gsi, &base, &pin))
        return false;
    bool level = gsi >= 16, low = gsi >= 16;
    for (unsigned i = 0; i < platform_acpi.madt.noverrides; i++) {
        if (platform_acpi.madt.override[i].gsi != gsi)
            continue;
        uint16_t fl = platform_acpi.madt.override[i].flags;
        if ((fl & 3) == 1) low = false;
        if ((fl & 3) == 3) low = true;
        if (((fl >> 2) & 3) == 1) level = false;
        if (((fl >> 2) & 3) == 3) level = true;
    }
    if (mode & SYS_IRQ_MODE_EDGE) level = false;
    if (mode & SYS_IRQ_MODE_LEVEL) level = true;
    if (mode & SYS_IRQ_MODE_HIGH) low = false;
    if (mode & SYS_IRQ_MODE_LOW) low = true;
    uint32_t lo = vector | (1u << 16) | (level ? 1u << 15 : 0) | (low ? 1u << 13 : 0);
    ioapic_write(base, IOAPIC_REDTBL(pin) + 1, lapic_id() << 24);
    ioapic_write(base, IOAPIC_REDTBL(pin), lo);
    return true;
}

void ioapic_mask(uint32_t gsi, bool masked)
{
    volatile uint32_t *base;
    uint32_t pin;
    if (!find_chip(gsi, &base, &pin))
        return;
    uint32_t lo = ioapic_read(base, IOAPIC_REDTBL(pin));
    lo = masked ? lo | (1u << 16) : lo & ~(1u << 16);
    ioapic_write(base, IOAPIC_REDTBL(pin), lo);
}
