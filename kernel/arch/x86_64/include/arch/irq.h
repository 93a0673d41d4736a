/* Interrupt lines and the one-shot timer, as core code sees them. */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include <stdbool.h>
#include <stdint.h>

/* Interrupt lines (GSIs) the interrupt controllers have. */
unsigned arch_irq_lines(void);
/* Routes line to fn (called in interrupt context with the line number,
 * the line already acknowledged at the local controller and masked).
 * False if the line cannot be routed. */
bool arch_irq_route(unsigned line, void (*fn)(unsigned line));
/* Masks or unmasks line at the I/O controller. */
void arch_irq_mask(unsigned line, bool masked);

/* The kernel timer: one interrupt ns from now (replacing any pending one),
 * or none. The handler was given at boot (ktimer.c's ktimer_interrupt). */
void arch_timer_oneshot_ns(uint64_t ns);
void arch_timer_stop(void);

#endif
