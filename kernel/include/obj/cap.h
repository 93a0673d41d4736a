/* Capabilities and the derivation tree (kernel/object/cap.c).
 *
 * Each process has SYS_CAP_SLOTS slots. A copy (cap_copy, cap_give, a
 * transfer in a message) is a child of its source. Bindings made through a
 * capability are children of it too, though they live in no slot: a
 * mapping of a frame, and an interrupt line bound to a notification. So:
 *   - revoke(c) deletes everything derived from c: copies, copies of
 *     copies, and every binding made through c or through any of them;
 *   - delete(c) moves c's copies up to c's parent (a later revoke of the
 *     parent still reaches them); c's bindings go with c if c is itself a
 *     copy (a lent capability takes what was done with it along), and move
 *     up with the copies if c is an original (made by create, or given by
 *     the kernel at boot: the creator may drop its handle and leave the
 *     mapping, as a loader or a heap does).
 *
 * The tree is kept without parent pointers: each node has a ring of
 * children (bindings first, then copies) and sits in its parent's ring, or
 * in a headless ring of former siblings whose parent was deleted. Deleting
 * a node splices its children into its place in O(1); revoking deletes
 * children one at a time, so both are O(1) per node removed and never
 * recurse. Long revocations and deletions (many bindings) open an
 * interrupt window every REAP_BUDGET nodes. */
#ifndef OBJ_CAP_H
#define OBJ_CAP_H

#include <stdbool.h>
#include <stdint.h>
#include "list.h"
#include "uapi/abi.h"

struct kobj;
struct process;

#define CAPF_COPY     1u    /* made by copying another capability */
#define CAPF_BINDING  2u    /* a binding's node (lives in no slot) */

struct cap {
    uint8_t type;               /* enum cap_type; CAP_NULL = empty */
    uint8_t rights;             /* CAP_R_* */
    uint16_t flags;             /* CAPF_* */
    uint32_t reserved;
    uint64_t badge;
    struct kobj *obj;
    struct dlist sibling;       /* in the parent's ring of children, or a headless ring */
    struct dlist children;      /* ring head: bindings first, then copies */
    uint64_t pad;
};
_Static_assert(sizeof(struct cap) == 64, "syscall.S indexes the capability table by shifting");

/* Looks up slot in p's table: the cap must have the type (unless type is
 * CAP_NULL) and all the rights. Returns 0 or SYS_ERANGE/ENOCAP/ERIGHTS. */
int cap_lookup(struct process *p, uint64_t slot, unsigned type, unsigned rights, struct cap **out);
/* Finds the empty slot at the index given (SYS_ERANGE, SYS_EEXIST). */
int cap_empty_slot(struct process *p, uint64_t slot, struct cap **out);
/* An empty table of SYS_CAP_SLOTS slots. */
void cap_table_init(struct cap *table);

/* Fills the empty slot dst with an original capability to obj, taking over
 * a reference the caller holds (obj_alloc's). */
void cap_install(struct cap *dst, struct kobj *obj, unsigned rights, uint64_t badge);
/* Fills the empty dst with a copy of src: rights masked, and the given
 * badge if src has none; dst becomes src's child (new reference). */
void cap_derive(struct cap *dst, struct cap *src, unsigned rights, uint64_t badge);
/* The same with exactly this badge (a device window's part, checked by the
 * caller to lie within src's). */
void cap_derive_badge(struct cap *dst, struct cap *src, unsigned rights, uint64_t badge);
/* Moves src into the empty dst, which takes src's place in the tree. */
void cap_move(struct cap *dst, struct cap *src);

/* A binding node under src (flags CAPF_BINDING; takes a new reference on
 * src's object); the binding's owner removes it with cap_unbind. */
void cap_bind(struct cap *node, struct cap *src);
/* A binding node under no capability (the kernel's own, as for init's
 * image): takes a new reference on obj. */
void cap_bind_root(struct cap *node, struct kobj *obj, unsigned rights);
/* Takes a binding node out of the tree and drops its reference. */
void cap_unbind(struct cap *node);

/* Empties slot c (see the rules above). Bounded: at most REAP_BUDGET
 * bindings are removed per interrupt window. */
void cap_delete(struct cap *c);
/* Deletes everything derived from c. Returns how many capabilities (not
 * bindings) it deleted. */
unsigned cap_revoke(struct cap *c);

/* One bounded step of emptying slot c, for the reaper: false if more
 * remains (call again). */
bool cap_delete_step(struct cap *c);

/* Removes the binding whose node this is (object.c, by the node's type:
 * a mapping, an interrupt line's binding). Returns the units of work it
 * took (pages unmapped, at least 1), counted against REAP_BUDGET. */
unsigned binding_remove(struct cap *node);

#endif
