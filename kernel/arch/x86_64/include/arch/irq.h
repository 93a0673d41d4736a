/* Interrupt lines and the one-shot timer, as core code sees them. */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include <stdbool.h>
#include <stdint.h>

/* Interrupt lines (GSIs) the interrupt controllers have. */
unsigned arch_irq_lines(void);
/* Routes line to fn (called in interrupt context with the line number,
 * the line already acknowledged at the local controller and masked), with
 * mode (SYS_IRQ_MODE_* trigger | polarity; 0: the platform's default).
 * False if the line cannot be routed. */
bool arch_irq_route(unsigned line, unsigned mode, void (*fn)(unsigned line));
/* Stops routing line (masked, its handler gone: a later interrupt on it is
 * reported as unexpected). */
void arch_irq_unroute(unsigned line);

/* MSI vectors: a free vector delivered to fn (interrupt context, already
 * acknowledged at the local APIC), or 0 if none is free. */
unsigned arch_msi_alloc(void (*fn)(unsigned vector));
void arch_msi_free(unsigned vector);
/* The message a device sends to raise vector (MSI address and data). */
void arch_msi_message(unsigned vector, uint64_t *address, uint32_t *data);
/* Masks or unmasks line at the I/O controller. */
void arch_irq_mask(unsigned line, bool masked);

/* The last device interrupt (line or MSI): the TSC when its handler
 * started and its vector (benchmarks: interrupt-to-driver latency). */
struct arch_last_irq {
    uint64_t tsc;
    uint64_t vector;
};
extern struct arch_last_irq arch_last_irq;

/* The kernel timer: one interrupt ns from now (replacing any pending one),
 * or none. The handler was given at boot (ktimer.c's ktimer_interrupt). */
void arch_timer_oneshot_ns(uint64_t ns);
void arch_timer_stop(void);

#endif
