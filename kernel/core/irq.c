/* Interrupt lines as capabilities: a driver binds its line (GSI) to a
 * notification; the kernel masks the line and signals bit 0 when it fires;
 * the driver acknowledges after handling it, which unmasks the line. */
#include "kernel.h"
#include "kmem.h"
#include "object.h"
#include "platform.h"

#define IRQ_VECTOR_BASE 0x40

static struct irq_obj *bound[INIT_IRQ_COUNT];

static void irq_fired(uint8_t vector)
{
    unsigned gsi = vector - IRQ_VECTOR_BASE;
    lapic_eoi();
    if (gsi >= INIT_IRQ_COUNT || !bound[gsi] || !bound[gsi]->ntfn)
        return;
    ioapic_mask(gsi, true);
    ntfn_signal(bound[gsi]->ntfn, 1);
}

int irq_bind(struct irq_obj *irq, struct notification *n)
{
    if (irq->gsi >= INIT_IRQ_COUNT || irq->gsi >= ioapic_gsi_count())
        return SYS_ERANGE;
    if (irq->ntfn)
        obj_put(&irq->ntfn->obj);
    obj_get(&n->obj);
    irq->ntfn = n;
    bound[irq->gsi] = irq;
    uint8_t vector = (uint8_t)(IRQ_VECTOR_BASE + irq->gsi);
    irq_set_handler(vector, irq_fired);
    return ioapic_route(irq->gsi, vector) ? SYS_OK : SYS_ERANGE;
}

int irq_ack(struct irq_obj *irq)
{
    if (!irq->ntfn)
        return SYS_EINVAL;
    ioapic_mask(irq->gsi, false);
    return SYS_OK;
}

/* An interrupt line capability for GSI gsi (init gets one per line). */
struct irq_obj *irq_create(uint32_t gsi)
{
    struct irq_obj *irq = kmem_alloc(sizeof *irq);
    if (irq) {
        irq->obj.type = CAP_IRQ;
        irq->gsi = gsi;
    }
    return irq;
}

/* The last capability is gone: the line is masked and unbound. */
void irq_destroy(struct irq_obj *irq)
{
    if (irq->gsi < INIT_IRQ_COUNT && bound[irq->gsi] == irq) {
        ioapic_mask(irq->gsi, true);
        bound[irq->gsi] = NULL;
    }
    if (irq->ntfn)
        obj_put(&irq->ntfn->obj);
    kmem_free(irq, sizeof *irq);
}
