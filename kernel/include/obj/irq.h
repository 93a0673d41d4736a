/* Interrupts as capabilities (kernel/object/irq.c). An interrupt object is
 *  - an I/O APIC line (GSI): init gets one per line at boot;
 *  - an MSI vector: made through the MSI control capability init gets,
 *    which the device manager holds; the driver programs the vector's
 *    message (SYS_IRQ_MSI_INFO) into its device's MSI or MSI-X entry;
 *  - the MSI control capability itself (allocates vectors, nothing else).
 * A driver binds a line or a vector to a notification; the kernel signals
 * bit 0 when it fires. A line is masked when it fires and unmasked by the
 * driver's acknowledgement (SYS_IRQ_ACK), after it has quietened its
 * device; an MSI vector is edge-triggered and needs no acknowledgement.
 * The binding hangs under the capability it was made with, so revoking or
 * deleting a driver's copy (its death included) masks and unbinds it. */
#ifndef OBJ_IRQ_H
#define OBJ_IRQ_H

#include <stdint.h>
#include "object.h"
#include "obj/cap.h"

struct notification;

struct irq_obj {
    struct kobj obj;
    uint8_t kind;               /* SYS_IRQ_KIND_* */
    uint8_t mode;               /* lines: SYS_IRQ_MODE_* applied at bind */
    uint32_t line;              /* the GSI, or the MSI vector */
    struct notification *ntfn;  /* bound notification (holds a reference) */
    struct cap binding;         /* the binding's node under the capability used */
};

/* The object of I/O APIC line `line` (init's, made at boot). */
struct irq_obj *irq_create(uint32_t line);
/* init's MSI control object. */
struct irq_obj *irq_msi_control_create(void);
/* A new MSI vector object charged to q; NULL if q cannot pay or no vector
 * is free (*no_vector tells which). */
struct irq_obj *irq_msi_create(struct quota *q, bool *no_vector);
/* Binds the line or vector of the capability ic to n (replacing a binding). */
long irq_bind(struct cap *ic, struct notification *n);
long irq_ack(struct irq_obj *irq);
/* Sets a line's trigger and polarity (SYS_IRQ_MODE_*), used from its next bind. */
long irq_set_mode(struct irq_obj *irq, uint64_t mode);
/* Removes the binding (tree deletion, or the object's end). */
void irq_unbind(struct irq_obj *irq);
int irq_reap(struct irq_obj *irq);

#endif
