/* Interrupt lines and the kernel timer as core code sees them (see
 * arch/irq.h): each I/O APIC line (GSI) n gets vector IRQ_VECTOR_BASE + n. */
#include "kernel.h"
#include "platform.h"
#include "arch/irq.h"
#include "uapi/abi.h"

#define IRQ_VECTOR_BASE 0x40

static void (*line_handler[INIT_IRQ_COUNT])(unsigned line);

static void line_interrupt(uint8_t vector)
{
    unsigned line = vector - IRQ_VECTOR_BASE;
    lapic_eoi();
    if (line < INIT_IRQ_COUNT && line_handler[line]) {
        ioapic_mask(line, true);
        line_handler[line](line);
    }
}

unsigned arch_irq_lines(void)
{
    return ioapic_gsi_count();
}

bool arch_irq_route(unsigned line, void (*fn)(unsigned line))
{
    if (line >= INIT_IRQ_COUNT || line >= ioapic_gsi_count())
        return false;
    line_handler[line] = fn;
    irq_set_handler((uint8_t)(IRQ_VECTOR_BASE + line), line_interrupt);
    return ioapic_route(line, (uint8_t)(IRQ_VECTOR_BASE + line));
}

void arch_irq_mask(unsigned line, bool masked)
{
    ioapic_mask(line, masked);
}

void arch_timer_oneshot_ns(uint64_t ns)
{
    lapic_timer_oneshot_ns(ns);
}

void arch_timer_stop(void)
{
    lapic_timer_stop();
}
