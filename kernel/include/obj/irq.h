/* Interrupt lines as capabilities (kernel/object/irq.c): a driver binds
 * its line to a notification; the kernel masks the line and signals bit 0
 * when it fires; the driver acknowledges after handling it, which unmasks
 * the line. The binding hangs under the interrupt capability it was made
 * with, so revoking or deleting a driver's copy masks and unbinds the line. */
#ifndef OBJ_IRQ_H
#define OBJ_IRQ_H

#include <stdint.h>
#include "object.h"
#include "obj/cap.h"

struct notification;

struct irq_obj {
    struct kobj obj;
    uint32_t line;
    struct notification *ntfn;  /* bound notification (holds a reference) */
    struct cap binding;         /* the binding's node under the capability used */
};

struct irq_obj *irq_create(uint32_t line);
/* Binds the line of the capability ic to n (replacing a binding). */
long irq_bind(struct cap *ic, struct notification *n);
long irq_ack(struct irq_obj *irq);
/* Removes the binding (tree deletion, or the object's end). */
void irq_unbind(struct irq_obj *irq);
int irq_reap(struct irq_obj *irq);

#endif
