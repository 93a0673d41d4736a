/* Interrupt lines and MSI vectors (see obj/irq.h). One object per line
 * exists (init gets them at boot); bound_line[] finds the object of a
 * firing line, msi_owner[] that of a firing vector. */
#include "kernel.h"
#include "object.h"
#include "arch/irq.h"
#include "obj/irq.h"
#include "obj/notification.h"

#define MSI_TABLE 256
static struct irq_obj *bound_line[INIT_IRQ_COUNT];
static struct irq_obj *msi_owner[MSI_TABLE];     /* by vector: allocated objects */

/* Interrupt context: the line is masked until the driver acknowledges. */
static void line_fired(unsigned line)
{
    if (line < INIT_IRQ_COUNT && bound_line[line] && bound_line[line]->ntfn)
        ntfn_signal(bound_line[line]->ntfn, 1);
}

/* Interrupt context: an allocated vector, bound or not (not: lost, as an
 * edge interrupt nobody listens to is). */
static void msi_fired(unsigned vector)
{
    if (vector < MSI_TABLE && msi_owner[vector] && msi_owner[vector]->ntfn)
        ntfn_signal(msi_owner[vector]->ntfn, 1);
}

struct irq_obj *irq_create(uint32_t line)
{
    struct irq_obj *irq = obj_alloc(NULL, sizeof *irq, CAP_IRQ);
    if (irq) {
        irq->kind = SYS_IRQ_KIND_LINE;
        irq->line = line;
    }
    return irq;
}

struct irq_obj *irq_msi_control_create(void)
{
    struct irq_obj *irq = obj_alloc(NULL, sizeof *irq, CAP_IRQ);
    if (irq)
        irq->kind = SYS_IRQ_KIND_MSI_CONTROL;
    return irq;
}

struct irq_obj *irq_msi_create(struct quota *q, bool *no_vector)
{
    *no_vector = false;
    struct irq_obj *irq = obj_alloc(q, sizeof *irq, CAP_IRQ);
    if (!irq)
        return NULL;
    unsigned vector = arch_msi_alloc(msi_fired);
    if (!vector || vector >= MSI_TABLE) {
        *no_vector = true;
        irq->obj.refs = 0;
        obj_free(&irq->obj);
        return NULL;
    }
    irq->kind = SYS_IRQ_KIND_MSI;
    irq->line = vector;
    msi_owner[vector] = irq;
    return irq;
}

void irq_unbind(struct irq_obj *irq)
{
    if (!irq->ntfn)
        return;
    if (irq->kind == SYS_IRQ_KIND_LINE) {
        arch_irq_unroute(irq->line);
        if (bound_line[irq->line] == irq)
            bound_line[irq->line] = NULL;
    }
    struct notification *n = irq->ntfn;
    irq->ntfn = NULL;
    cap_unbind(&irq->binding);
    obj_put(&n->obj);
}

long irq_bind(struct cap *ic, struct notification *n)
{
    struct irq_obj *irq = (struct irq_obj *)ic->obj;
    if (irq->kind == SYS_IRQ_KIND_MSI_CONTROL)
        return SYS_EINVAL;
    if (irq->kind == SYS_IRQ_KIND_LINE &&
        (irq->line >= INIT_IRQ_COUNT || irq->line >= arch_irq_lines()))
        return SYS_ERANGE;
    obj_get(&n->obj);
    irq_unbind(irq);
    if (irq->kind == SYS_IRQ_KIND_LINE) {
        if (!arch_irq_route(irq->line, irq->mode, line_fired)) {
            obj_put(&n->obj);
            return SYS_ERANGE;
        }
        bound_line[irq->line] = irq;
    }
    irq->ntfn = n;
    cap_bind(&irq->binding, ic);
    return SYS_OK;      /* a line is routed masked: the driver's first ack unmasks it */
}

long irq_ack(struct irq_obj *irq)
{
    if (!irq->ntfn)
        return SYS_EINVAL;
    if (irq->kind == SYS_IRQ_KIND_LINE)
        arch_irq_mask(irq->line, false);
    return SYS_OK;
}

long irq_set_mode(struct irq_obj *irq, uint64_t mode)
{
    const uint64_t all = SYS_IRQ_MODE_EDGE | SYS_IRQ_MODE_LEVEL | SYS_IRQ_MODE_HIGH | SYS_IRQ_MODE_LOW;
    if (irq->kind != SYS_IRQ_KIND_LINE || (mode & ~all) ||
        (mode & (SYS_IRQ_MODE_EDGE | SYS_IRQ_MODE_LEVEL)) == (SYS_IRQ_MODE_EDGE | SYS_IRQ_MODE_LEVEL) ||
        (mode & (SYS_IRQ_MODE_HIGH | SYS_IRQ_MODE_LOW)) == (SYS_IRQ_MODE_HIGH | SYS_IRQ_MODE_LOW))
        return SYS_EINVAL;
    irq->mode = (uint8_t)mode;
    return SYS_OK;
}

int irq_reap(struct irq_obj *irq)
{
    irq_unbind(irq);
    if (irq->kind == SYS_IRQ_KIND_MSI) {
        msi_owner[irq->line] = NULL;
        arch_msi_free(irq->line);
    }
    obj_free(&irq->obj);
    return REAP_FREED;
}
