/* Interrupt lines, MSI vectors and the kernel timer as core code sees them
 * (see arch/irq.h): each I/O APIC line (GSI) n gets vector
 * IRQ_VECTOR_BASE + n; MSI vectors come from [MSI_VECTOR_FIRST,
 * MSI_VECTOR_LAST]. Without interrupt remapping a device can send any
 * vector: one nobody allocated lands in trap.c as an unexpected interrupt,
 * reported and ignored. */
#include "kernel.h"
#include "cpu.h"
#include "platform.h"
#include "arch/cpu.h"
#include "arch/irq.h"
#include "uapi/abi.h"

#define IRQ_VECTOR_BASE 0x40
#define MSI_VECTOR_FIRST 0x80
#define MSI_VECTOR_LAST  0xdf
#define MSI_VECTORS (MSI_VECTOR_LAST - MSI_VECTOR_FIRST + 1)

static void (*line_handler[INIT_IRQ_COUNT])(unsigned line);

struct arch_last_irq arch_last_irq;

/* Masked before the EOI: a level-triggered line is still asserted until
 * the driver quietens its device, and an EOI first would have the I/O APIC
 * send it again at once. */
static void line_interrupt(uint8_t vector)
{
    arch_last_irq = (struct arch_last_irq){ rdtsc(), vector };
    unsigned line = vector - IRQ_VECTOR_BASE;
    bool routed = line < INIT_IRQ_COUNT && line_handler[line];
    if (routed)
        ioapic_mask(line, true);
    lapic_eoi();
    if (routed)
        line_handler[line](line);
}

unsigned arch_irq_lines(void)
{
    return ioapic_gsi_count();
}

bool arch_irq_route(unsigned line, unsigned mode, void (*fn)(unsigned line))
{
    if (line >= INIT_IRQ_COUNT || line >= ioapic_gsi_count())
        return false;
    line_handler[line] = fn;
    irq_set_handler((uint8_t)(IRQ_VECTOR_BASE + line), line_interrupt);
    return ioapic_route(line, (uint8_t)(IRQ_VECTOR_BASE + line), mode);
}

void arch_irq_unroute(unsigned line)
{
    if (line >= INIT_IRQ_COUNT)
        return;
    ioapic_mask(line, true);
    line_handler[line] = NULL;
    irq_set_handler((uint8_t)(IRQ_VECTOR_BASE + line), NULL);
}

static void (*msi_handler[MSI_VECTORS])(unsigned vector);

static void msi_interrupt(uint8_t vector)
{
    arch_last_irq = (struct arch_last_irq){ rdtsc(), vector };
    lapic_eoi();
    unsigned i = vector - MSI_VECTOR_FIRST;
    if (i < MSI_VECTORS && msi_handler[i])
        msi_handler[i](vector);
}

unsigned arch_msi_alloc(void (*fn)(unsigned vector))
{
    for (unsigned i = 0; i < MSI_VECTORS; i++) {
        if (!msi_handler[i]) {
            msi_handler[i] = fn;
            irq_set_handler((uint8_t)(MSI_VECTOR_FIRST + i), msi_interrupt);
            return MSI_VECTOR_FIRST + i;
        }
    }
    return 0;
}

void arch_msi_free(unsigned vector)
{
    unsigned i = vector - MSI_VECTOR_FIRST;
    if (i >= MSI_VECTORS)
        return;
    msi_handler[i] = NULL;
    irq_set_handler((uint8_t)vector, NULL);
}

/* Fixed delivery, edge, physical destination: the boot CPU's local APIC. */
void arch_msi_message(unsigned vector, uint64_t *address, uint32_t *data)
{
    *address = 0xfee00000ull | ((uint64_t)(lapic_id() & 0xff) << 12);
    *data = vector & 0xff;
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
