/* Capability tables and the derivation tree (see obj/cap.h for the rules).
 * Pure enough to be unit-tested on the host (tests/unit/test_cap.c), with
 * obj_get/obj_put, binding_remove and the interrupt window stubbed. */
#include "kernel.h"
#include "object.h"
#include "obj/cap.h"
#include "obj/process.h"
#include "arch/cpu.h"

static inline struct cap *cap_of(struct dlist *sibling_link)
{
    return container_of(sibling_link, struct cap, sibling);
}

int cap_lookup(struct process *p, uint64_t slot, unsigned type, unsigned rights, struct cap **out)
{
    if (slot == 0 || slot >= SYS_CAP_SLOTS)
        return SYS_ERANGE;
    struct cap *c = &p->caps[slot];
    if (c->type == CAP_NULL || (type != CAP_NULL && c->type != type))
        return SYS_ENOCAP;
    if ((c->rights & rights) != rights)
        return SYS_ERIGHTS;
    *out = c;
    return SYS_OK;
}

int cap_empty_slot(struct process *p, uint64_t slot, struct cap **out)
{
    if (slot == 0 || slot >= SYS_CAP_SLOTS)
        return SYS_ERANGE;
    if (p->caps[slot].type != CAP_NULL)
        return SYS_EEXIST;
    *out = &p->caps[slot];
    return SYS_OK;
}

static void clear(struct cap *c)
{
    *c = (struct cap){ .type = CAP_NULL };
}

void cap_table_init(struct cap *table)
{
    for (unsigned i = 0; i < SYS_CAP_SLOTS; i++)
        clear(&table[i]);
}

/* Fills dst's fields and makes it a node alone in its ring, no children. */
static void fill(struct cap *dst, struct kobj *obj, unsigned rights, uint64_t badge, unsigned flags)
{
    BUG_ON(dst->type != CAP_NULL, "fill an empty slot");
    dst->type = obj->type;
    dst->rights = (uint8_t)(rights & CAP_R_MASK);
    dst->flags = (uint16_t)flags;
    dst->badge = badge;
    dst->obj = obj;
    dlist_init(&dst->sibling);
    dlist_init(&dst->children);
}

void cap_install(struct cap *dst, struct kobj *obj, unsigned rights, uint64_t badge)
{
    fill(dst, obj, rights, badge, 0);
    obj_cap_added(obj, dst);
}

void cap_derive(struct cap *dst, struct cap *src, unsigned rights, uint64_t badge)
{
    cap_derive_badge(dst, src, rights, src->badge ? src->badge : badge);
}

void cap_derive_badge(struct cap *dst, struct cap *src, unsigned rights, uint64_t badge)
{
    fill(dst, src->obj, src->rights & rights, badge, CAPF_COPY);
    obj_get(src->obj);
    obj_cap_added(src->obj, dst);
    dlist_insert_before(&src->children, &dst->sibling);     /* copies at the back */
}

void cap_move(struct cap *dst, struct cap *src)
{
    BUG_ON(dst->type != CAP_NULL || src->type == CAP_NULL, "move from a full slot to an empty one");
    dst->type = src->type;
    dst->rights = src->rights;
    dst->flags = src->flags;
    dst->badge = src->badge;
    dst->obj = src->obj;        /* the reference moves with it */
    dlist_replace(&src->sibling, &dst->sibling);
    dlist_move_head(&dst->children, &src->children);
    clear(src);
}

void cap_bind(struct cap *node, struct cap *src)
{
    *node = (struct cap){ .type = CAP_NULL };
    fill(node, src->obj, src->rights, src->badge, CAPF_BINDING);
    obj_get(src->obj);
    dlist_insert_after(&src->children, &node->sibling);     /* bindings at the front */
}

void cap_bind_root(struct cap *node, struct kobj *obj, unsigned rights)
{
    *node = (struct cap){ .type = CAP_NULL };
    fill(node, obj, rights, 0, CAPF_BINDING);
    obj_get(obj);
}

void cap_unbind(struct cap *node)
{
    BUG_ON(!(node->flags & CAPF_BINDING) || !dlist_empty(&node->children), "unbind a binding node");
    dlist_remove(&node->sibling);
    struct kobj *obj = node->obj;
    clear(node);
    obj_put(obj);
}

/* c's first child if it is a binding, else NULL. */
static struct cap *first_binding(struct cap *c)
{
    if (dlist_empty(&c->children))
        return NULL;
    struct cap *first = cap_of(c->children.next);
    return (first->flags & CAPF_BINDING) ? first : NULL;
}

/* One step of emptying c, adding the units of work done to *work (it stops
 * removing bindings once *work reaches REAP_BUDGET). */
static bool delete_step(struct cap *c, unsigned *work)
{
    if (c->type == CAP_NULL)
        return true;
    BUG_ON(c->flags & CAPF_BINDING, "bindings are removed by their owner");
    /* Bindings are never added to a capability being deleted, so the
     * bounded loop below ends. */
    if ((c->flags & CAPF_COPY) || c->type == CAP_IRQ) {
        /* A copy takes its bindings along, REAP_BUDGET units per step. So
         * does an original interrupt capability: its binding (to a
         * notification) has no other owner, unlike a mapping, which its
         * address space owns. Left behind, it would keep the interrupt
         * object (and an MSI vector), the notification and its quota
         * alive for ever. */
        struct cap *b;
        while (*work < REAP_BUDGET && (b = first_binding(c)))
            *work += binding_remove(b);
        if (first_binding(c))
            return false;
    }
    dlist_replace_with_elements(&c->sibling, &c->children);
    struct kobj *obj = c->obj;
    obj_cap_removed(obj, c);
    clear(c);
    obj_put(obj);
    (*work)++;
    return true;
}

bool cap_delete_step(struct cap *c)
{
    unsigned work = 0;
    return delete_step(c, &work);
}

void cap_delete(struct cap *c)
{
    while (!cap_delete_step(c))
        arch_irq_window();
}

/* Children are taken from the front: c's own bindings first, then each
 * copy (whose bindings go with it, and whose own copies are spliced in its
 * place, to be taken next). Every iteration removes a node or some of a
 * copy's bindings, so the loop ends after O(descendants + bindings). */
unsigned cap_revoke(struct cap *c)
{
    unsigned deleted = 0, work = 0;
    if (c->type == CAP_NULL)
        return 0;       /* an empty slot's links are not a ring */
    while (!dlist_empty(&c->children)) {
        struct cap *x = cap_of(c->children.next);
        if (x->flags & CAPF_BINDING)
            work += binding_remove(x);
        else if (delete_step(x, &work))
            deleted++;
        if (work >= REAP_BUDGET) {
            arch_irq_window();
            work = 0;
        }
    }
    return deleted;
}
