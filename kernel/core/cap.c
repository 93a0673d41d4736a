/* Capability tables and the derivation tree.
 *
 * Each process has SYS_CAP_SLOTS slots. A copy (cap_copy, cap_give, a
 * transfer in a message) is a child of its source; revoke deletes every
 * descendant; deleting a cap moves its children up to its parent so a
 * later revoke of the parent still reaches them. */
#include "kernel.h"
#include "object.h"

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

void cap_install(struct cap *dst, struct kobj *obj, unsigned rights, uint64_t badge)
{
    BUG_ON(dst->type != CAP_NULL, "install into an empty slot");
    dst->type = (uint8_t)obj->type;
    dst->rights = (uint8_t)(rights & CAP_R_ALL);
    dst->badge = badge;
    dst->obj = obj;
    dst->parent = dst->first_child = dst->next_sibling = dst->prev_sibling = NULL;
    obj_get(obj);
}

static void link_child(struct cap *parent, struct cap *child)
{
    child->parent = parent;
    child->prev_sibling = NULL;
    child->next_sibling = parent->first_child;
    if (parent->first_child)
        parent->first_child->prev_sibling = child;
    parent->first_child = child;
}

void cap_derive(struct cap *dst, struct cap *src, unsigned rights, uint64_t badge)
{
    cap_install(dst, src->obj, src->rights & rights, src->badge ? src->badge : badge);
    link_child(src, dst);
}

/* Moves src's capability into the empty dst, which takes src's place in
 * the derivation tree (parent, siblings and children). */
void cap_move(struct cap *dst, struct cap *src)
{
    BUG_ON(dst->type != CAP_NULL || src->type == CAP_NULL, "move from a full slot to an empty one");
    dst->type = src->type;
    dst->rights = src->rights;
    dst->badge = src->badge;
    dst->obj = src->obj;    /* the reference moves with it */
    dst->parent = src->parent;
    dst->prev_sibling = src->prev_sibling;
    dst->next_sibling = src->next_sibling;
    if (src->prev_sibling)
        src->prev_sibling->next_sibling = dst;
    else if (src->parent)
        src->parent->first_child = dst;
    if (src->next_sibling)
        src->next_sibling->prev_sibling = dst;
    dst->first_child = src->first_child;
    for (struct cap *c = dst->first_child; c; c = c->next_sibling)
        c->parent = dst;
    src->type = CAP_NULL;
    src->rights = 0;
    src->badge = 0;
    src->obj = NULL;
    src->parent = src->first_child = src->next_sibling = src->prev_sibling = NULL;
}

static void unlink(struct cap *c)
{
    if (c->prev_sibling)
        c->prev_sibling->next_sibling = c->next_sibling;
    else if (c->parent)
        c->parent->first_child = c->next_sibling;
    if (c->next_sibling)
        c->next_sibling->prev_sibling = c->prev_sibling;
    c->parent = c->next_sibling = c->prev_sibling = NULL;
}

/* Empties slot c: its children move to c's parent (or become roots), the
 * object loses a reference (and may be destroyed). */
void cap_delete(struct cap *c)
{
    if (c->type == CAP_NULL)
        return;
    struct cap *parent = c->parent;
    unlink(c);
    while (c->first_child) {
        struct cap *child = c->first_child;
        unlink(child);
        if (parent)
            link_child(parent, child);
    }
    struct kobj *obj = c->obj;
    c->type = CAP_NULL;
    c->rights = 0;
    c->badge = 0;
    c->obj = NULL;
    obj_put(obj);
}

/* Deletes every capability derived from c, leaves first, without
 * recursion (derivation chains can be long). Returns how many. */
unsigned cap_revoke(struct cap *c)
{
    unsigned n = 0;
    while (c->first_child) {
        struct cap *leaf = c->first_child;
        while (leaf->first_child)
            leaf = leaf->first_child;
        cap_delete(leaf);
        n++;
    }
    return n;
}

/* Deletes every slot of a dying process's table. */
void cap_table_destroy(struct process *p)
{
    for (unsigned i = 1; i < SYS_CAP_SLOTS; i++)
        cap_delete(&p->caps[i]);
}
