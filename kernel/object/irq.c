/* Interrupt lines (see obj/irq.h). One irq object per line exists (init
 * gets them at boot); bound[] finds the object of a firing line. */
#include "kernel.h"
#include "object.h"
#include "arch/irq.h"
#include "obj/irq.h"
#include "obj/notification.h"

static struct irq_obj *bound[INIT_IRQ_COUNT];

/* Interrupt context: the line is masked until the driver acknowledges. */
static void irq_fired(unsigned line)
{
    if (line < INIT_IRQ_COUNT && bound[line] && bound[line]->ntfn)
        ntfn_signal(bound[line]->ntfn, 1);
}

struct irq_obj *irq_create(uint32_t line)
{
    struct irq_obj *irq = obj_alloc(NULL, sizeof *irq, CAP_IRQ);
    if (irq)
        irq->line = line;
    return irq;
}

void irq_unbind(struct irq_obj *irq)
{
    if (!irq->ntfn)
        return;
    arch_irq_mask(irq->line, true);
    if (bound[irq->line] == irq)
        bound[irq->line] = NULL;
    struct notification *n = irq->ntfn;
    irq->ntfn = NULL;
    cap_unbind(&irq->binding);
    obj_put(&n->obj);
}

long irq_bind(struct cap *ic, struct notification *n)
{
    struct irq_obj *irq = (struct irq_obj *)ic->obj;
    if (irq->line >= INIT_IRQ_COUNT || irq->line >= arch_irq_lines())
        return SYS_ERANGE;
    obj_get(&n->obj);
    irq_unbind(irq);
    if (!arch_irq_route(irq->line, irq_fired)) {
        obj_put(&n->obj);
        return SYS_ERANGE;
    }
    irq->ntfn = n;
    bound[irq->line] = irq;
    cap_bind(&irq->binding, ic);
    return SYS_OK;      /* routed masked: the driver's first ack unmasks it */
}

long irq_ack(struct irq_obj *irq)
{
    if (!irq->ntfn)
        return SYS_EINVAL;
    arch_irq_mask(irq->line, false);
    return SYS_OK;
}

int irq_reap(struct irq_obj *irq)
{
    irq_unbind(irq);
    obj_free(&irq->obj);
    return REAP_FREED;
}
