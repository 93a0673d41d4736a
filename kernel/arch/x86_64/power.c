/* Power-off: carry a test status out through isa-debug-exit when present,
 * else ask Xen, else ACPI S5 (PM1 control on q35/pc, the sleep control
 * register on hardware-reduced platforms such as microvm). */
#include "kernel.h"
#include "cpu.h"
#include "arch/layout.h"
#include "platform.h"
#include "xen.h"

#define DEBUG_EXIT_PORT 0xf4
#define SLP_EN (1u << 13)
#define HW_REDUCED_SLP_EN (1u << 5)

/* QEMU's isa-debug-exit reads as 0; an unclaimed port reads as all ones. */
bool debug_exit_present(void)
{
    return inl(DEBUG_EXIT_PORT) == 0;
}

static void gas_write(const struct acpi_gas_info *g, uint32_t value)
{
    if (!g->address)
        return;
    if (g->space == 1) {
        if (g->bit_width == 8)
            outb((uint16_t)g->address, (uint8_t)value);
        else if (g->bit_width == 32)
            outl((uint16_t)g->address, value);
        else
            outw((uint16_t)g->address, (uint16_t)value);
    } else if (g->space == 0) {
        volatile uint8_t *p = mmio_map(g->address & ~0xfffull, PAGE_SIZE);
        if (p)
            p[g->address & 0xfff] = (uint8_t)value;
    }
}

static void acpi_s5(void)
{
    if (!platform_acpi.have_fadt || !platform_acpi.have_s5)
        return;
    const struct acpi_fadt_info *f = &platform_acpi.fadt;
    if (f->sleep_control.address) {
        gas_write(&f->sleep_control, (uint32_t)(platform_acpi.s5_typa & 7) << 2 | HW_REDUCED_SLP_EN);
    } else {
        gas_write(&f->pm1a_cnt, (uint32_t)(platform_acpi.s5_typa & 7) << 10 | SLP_EN);
        gas_write(&f->pm1b_cnt, (uint32_t)(platform_acpi.s5_typb & 7) << 10 | SLP_EN);
    }
}

_Noreturn void machine_poweroff(enum poweroff_status status)
{
    arch_irq_disable();
    if (debug_exit_present())
        outl(DEBUG_EXIT_PORT, status == POWEROFF_SUCCESS ? 0x10 : 0x11);
    if (hv.kind == HV_XEN)
        xen_shutdown(status == POWEROFF_SUCCESS ? SHUTDOWN_poweroff : SHUTDOWN_crash);
    acpi_s5();
    /* QEMU acts on the ACPI write a little later: give it time before
     * concluding that nothing worked. */
    for (uint64_t start = rdtsc(); rdtsc() - start < 2000000000ull;)
        arch_relax();
    kprintf("poweroff: no power-off method worked; halting\n");
    for (;;)
        cpu_halt();
}
