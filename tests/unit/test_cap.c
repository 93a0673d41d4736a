/* Tests for kernel/core/cap.c, compiled into the host test binary: slot
 * lookups, install, derive (rights, badges), move, delete and revoke on the
 * derivation tree, reference counts, and random operations checked against
 * a model of the tree. obj_get/obj_put/panic are stubs here: objects are
 * fake ones that count references and record when they would be destroyed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "object.h"
#include "suites.h"

/* --- stubs for what cap.c calls --- */

struct fake_obj {
    struct kobj obj;            /* first, as in every kernel object */
    bool destroyed;
};

void obj_get(struct kobj *o)
{
    CHECK(!((struct fake_obj *)o)->destroyed);      /* no new reference to a dead object */
    o->refs++;
}

void obj_put(struct kobj *o)
{
    struct fake_obj *f = (struct fake_obj *)o;
    CHECK(!f->destroyed);
    CHECK(o->refs > 0);      /* no underflow */
    if (--o->refs == 0)
        f->destroyed = true;
}

/* panic (BUG_ON) returns to expect_panic's caller when one is armed. */
static jmp_buf panic_jmp;
static bool panic_armed;
static char panic_msg[256];

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(panic_msg, sizeof panic_msg, fmt, ap);
    va_end(ap);
    if (panic_armed) {
        panic_armed = false;
        longjmp(panic_jmp, 1);
    }
    ck_abort_msg("unexpected panic: %s", panic_msg);
    abort();
}

#define EXPECT_PANIC(stmt)                                                     \
    do {                                                                       \
        panic_msg[0] = 0;                                                      \
        if (setjmp(panic_jmp) == 0) {                                          \
            panic_armed = true;                                                \
            stmt;                                                              \
            panic_armed = false;                                               \
            ck_abort_msg("no panic from " #stmt);                              \
        }                                                                      \
        ck_assert_ptr_nonnull(strstr(panic_msg, "BUG at"));                    \
    } while (0)

/* --- fixtures --- */

static struct fake_obj *obj_new(unsigned type)
{
    struct fake_obj *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    f->obj.type = type;
    return f;
}

static struct process *proc_new(void)
{
    struct process *p = calloc(1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    p->caps = calloc(SYS_CAP_SLOTS, sizeof(struct cap));
    ck_assert_ptr_nonnull(p->caps);
    for (unsigned i = 0; i < SYS_CAP_SLOTS; i++) {
        p->caps[i].slot = i;
        p->caps[i].owner = p;
    }
    return p;
}

static void proc_free(struct process *p)
{
    free(p->caps);
    free(p);
}

static bool empty(const struct cap *c)
{
    return c->type == CAP_NULL && c->rights == 0 && c->badge == 0 && c->obj == NULL &&
           c->parent == NULL && c->first_child == NULL && c->next_sibling == NULL &&
           c->prev_sibling == NULL;
}

static unsigned nchildren(const struct cap *c)
{
    unsigned n = 0;
    for (const struct cap *k = c->first_child; k; k = k->next_sibling)
        n++;
    return n;
}

static bool is_child(const struct cap *parent, const struct cap *c)
{
    for (const struct cap *k = parent->first_child; k; k = k->next_sibling)
        if (k == c)
            return true;
    return false;
}

/* The children of c, in list order, are want[0..n), with consistent links. */
static void check_children(const struct cap *c, struct cap *const *want, unsigned n)
{
    const struct cap *k = c->first_child, *prev = NULL;
    for (unsigned i = 0; i < n; i++) {
        CHECK_EQ(k, want[i]);
        CHECK_EQ(k->parent, c);
        CHECK_EQ(k->prev_sibling, prev);
        prev = k;
        k = k->next_sibling;
    }
    CHECK(k == NULL);
}

/* --- lookups --- */

START_TEST(test_lookup_errors)
{
    struct process *p = proc_new();
    struct fake_obj *ep = obj_new(CAP_ENDPOINT);
    cap_install(&p->caps[5], &ep->obj, CAP_R_READ | CAP_R_WRITE, 0);

    struct cap *out = (struct cap *)(uintptr_t)0x1234;
    ck_assert_int_eq(cap_lookup(p, 0, CAP_NULL, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, SYS_CAP_SLOTS, CAP_NULL, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, SYS_CAP_SLOTS + 1, CAP_NULL, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, UINT64_MAX, CAP_NULL, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, 1ull << 32, CAP_NULL, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, 4, CAP_NULL, 0, &out), SYS_ENOCAP);            /* empty */
    ck_assert_int_eq(cap_lookup(p, SYS_CAP_SLOTS - 1, CAP_NULL, 0, &out), SYS_ENOCAP);
    ck_assert_int_eq(cap_lookup(p, 5, CAP_NOTIFICATION, 0, &out), SYS_ENOCAP);    /* wrong type */
    ck_assert_int_eq(cap_lookup(p, 5, CAP_ENDPOINT, CAP_R_GRANT, &out), SYS_ERIGHTS);
    ck_assert_int_eq(cap_lookup(p, 5, CAP_ENDPOINT, CAP_R_WRITE | CAP_R_GRANT, &out),
                     SYS_ERIGHTS);
    ck_assert_int_eq(cap_lookup(p, 5, CAP_NULL, CAP_R_EXEC, &out), SYS_ERIGHTS);
    /* Type is checked before rights. */
    ck_assert_int_eq(cap_lookup(p, 5, CAP_FRAME, CAP_R_GRANT, &out), SYS_ENOCAP);
    ck_assert_ptr_eq(out, (struct cap *)(uintptr_t)0x1234);     /* untouched on errors */

    ck_assert_int_eq(cap_lookup(p, 5, CAP_ENDPOINT, CAP_R_READ | CAP_R_WRITE, &out), SYS_OK);
    ck_assert_ptr_eq(out, &p->caps[5]);
    out = NULL;
    ck_assert_int_eq(cap_lookup(p, 5, CAP_NULL, 0, &out), SYS_OK);     /* any type */
    ck_assert_ptr_eq(out, &p->caps[5]);
    out = NULL;
    ck_assert_int_eq(cap_lookup(p, 5, CAP_ENDPOINT, CAP_R_WRITE, &out), SYS_OK);
    ck_assert_ptr_eq(out, &p->caps[5]);

    /* The last slot works like any other. */
    cap_install(&p->caps[SYS_CAP_SLOTS - 1], &ep->obj, CAP_R_ALL, 0);
    ck_assert_int_eq(cap_lookup(p, SYS_CAP_SLOTS - 1, CAP_ENDPOINT, CAP_R_ALL, &out), SYS_OK);
    ck_assert_ptr_eq(out, &p->caps[SYS_CAP_SLOTS - 1]);

    /* A cap with no rights passes a lookup that needs none. */
    cap_install(&p->caps[6], &ep->obj, 0, 0);
    ck_assert_int_eq(cap_lookup(p, 6, CAP_ENDPOINT, 0, &out), SYS_OK);
    ck_assert_int_eq(cap_lookup(p, 6, CAP_ENDPOINT, CAP_R_READ, &out), SYS_ERIGHTS);

    cap_table_destroy(p);
    ck_assert(ep->destroyed);
    proc_free(p);
    free(ep);
}
END_TEST

START_TEST(test_empty_slot)
{
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_FRAME);
    struct cap *out = NULL;
    ck_assert_int_eq(cap_empty_slot(p, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_empty_slot(p, SYS_CAP_SLOTS, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_empty_slot(p, UINT64_MAX, &out), SYS_ERANGE);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(cap_empty_slot(p, 7, &out), SYS_OK);
    ck_assert_ptr_eq(out, &p->caps[7]);
    cap_install(out, &o->obj, CAP_R_READ, 0);
    out = NULL;
    ck_assert_int_eq(cap_empty_slot(p, 7, &out), SYS_EEXIST);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(cap_empty_slot(p, SYS_CAP_SLOTS - 1, &out), SYS_OK);
    ck_assert_ptr_eq(out, &p->caps[SYS_CAP_SLOTS - 1]);
    cap_delete(&p->caps[7]);
    ck_assert_int_eq(cap_empty_slot(p, 7, &out), SYS_OK);
    ck_assert(o->destroyed);
    proc_free(p);
    free(o);
}
END_TEST

/* --- install and derive --- */

START_TEST(test_install)
{
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_NOTIFICATION);
    o->obj.refs = 1;            /* the creator's */
    struct cap *c = &p->caps[3];
    cap_install(c, &o->obj, 0xff, 0xbadull);
    ck_assert_uint_eq(c->type, CAP_NOTIFICATION);   /* from the object */
    ck_assert_uint_eq(c->rights, CAP_R_ALL);        /* masked to the defined rights */
    ck_assert_uint_eq(c->badge, 0xbadull);
    ck_assert_ptr_eq(c->obj, &o->obj);
    ck_assert_ptr_null(c->parent);
    ck_assert_ptr_null(c->first_child);
    ck_assert_ptr_null(c->next_sibling);
    ck_assert_ptr_null(c->prev_sibling);
    ck_assert_uint_eq(c->slot, 3);                  /* not cap.c's business */
    ck_assert_ptr_eq(c->owner, p);
    ck_assert_uint_eq(o->obj.refs, 2);

    /* Stale tree pointers in an empty slot are cleared by install. */
    struct cap *d = &p->caps[4];
    d->parent = d->first_child = d->next_sibling = d->prev_sibling = c;
    cap_install(d, &o->obj, CAP_R_READ | 0x30, 0);
    ck_assert_uint_eq(d->rights, CAP_R_READ);
    ck_assert_ptr_null(d->parent);
    ck_assert_ptr_null(d->first_child);
    ck_assert_ptr_null(d->next_sibling);
    ck_assert_ptr_null(d->prev_sibling);
    ck_assert_uint_eq(o->obj.refs, 3);
    ck_assert_ptr_null(c->first_child);             /* roots are independent */

    /* Installing into a full slot is a kernel bug. */
    EXPECT_PANIC(cap_install(c, &o->obj, CAP_R_ALL, 0));
    ck_assert_uint_eq(o->obj.refs, 3);
    ck_assert_uint_eq(c->badge, 0xbadull);

    cap_delete(c);
    cap_delete(d);
    ck_assert_uint_eq(o->obj.refs, 1);
    ck_assert(!o->destroyed);
    obj_put(&o->obj);
    ck_assert(o->destroyed);
    proc_free(p);
    free(o);
}
END_TEST

START_TEST(test_derive_rights_and_badges)
{
    struct process *p = proc_new(), *q = proc_new();
    struct fake_obj *o = obj_new(CAP_ENDPOINT);
    struct cap *root = &p->caps[1];
    cap_install(root, &o->obj, CAP_R_READ | CAP_R_WRITE | CAP_R_GRANT, 0);

    /* Rights are masked by the source's: never amplified. */
    struct cap *a = &p->caps[2];
    cap_derive(a, root, CAP_R_WRITE | CAP_R_EXEC, 7);
    ck_assert_uint_eq(a->type, CAP_ENDPOINT);
    ck_assert_uint_eq(a->rights, CAP_R_WRITE);
    ck_assert_ptr_eq(a->obj, &o->obj);
    ck_assert_uint_eq(a->badge, 7);                 /* unbadged source: the badge given */
    ck_assert_ptr_eq(a->parent, root);

    struct cap *b = &q->caps[9];                    /* across tables */
    cap_derive(b, a, CAP_R_ALL, 99);
    ck_assert_uint_eq(b->rights, CAP_R_WRITE);      /* all of a's, no more */
    ck_assert_uint_eq(b->badge, 7);                 /* a badged source keeps its badge */
    ck_assert_ptr_eq(b->parent, a);

    struct cap *c = &q->caps[10];
    cap_derive(c, a, 0, 0);
    ck_assert_uint_eq(c->rights, 0);
    ck_assert_uint_eq(c->badge, 7);                 /* even when 0 is asked for */

    struct cap *d = &p->caps[3];
    cap_derive(d, root, CAP_R_ALL, 0);
    ck_assert_uint_eq(d->rights, CAP_R_READ | CAP_R_WRITE | CAP_R_GRANT);
    ck_assert_uint_eq(d->badge, 0);                 /* unbadged stays unbadged with 0 */
    struct cap *e = &p->caps[4];
    cap_derive(e, d, CAP_R_READ, 0x8000000000000001ull);
    ck_assert_uint_eq(e->rights, CAP_R_READ);
    ck_assert_uint_eq(e->badge, 0x8000000000000001ull);

    /* Newest child first, with consistent sibling links. */
    struct cap *root_kids[] = { d, a };
    check_children(root, root_kids, 2);
    struct cap *a_kids[] = { c, b };
    check_children(a, a_kids, 2);
    struct cap *d_kids[] = { e };
    check_children(d, d_kids, 1);
    ck_assert_uint_eq(o->obj.refs, 6);

    /* A derivation into a full slot is a kernel bug, and changes nothing. */
    EXPECT_PANIC(cap_derive(a, root, CAP_R_ALL, 0));
    ck_assert_uint_eq(o->obj.refs, 6);
    check_children(root, root_kids, 2);

    cap_table_destroy(p);
    cap_table_destroy(q);
    ck_assert(o->destroyed);
    proc_free(p);
    proc_free(q);
    free(o);
}
END_TEST

/* --- move --- */

START_TEST(test_move_keeps_tree)
{
    /* root -> { x, m, y } (listed newest first: y, m, x), m -> { k1, k2 }.
     * Move m, a middle sibling with children, to another slot. */
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_FRAME);
    struct cap *root = &p->caps[1], *x = &p->caps[2], *m = &p->caps[3], *y = &p->caps[4];
    struct cap *k1 = &p->caps[5], *k2 = &p->caps[6], *dst = &p->caps[200];
    cap_install(root, &o->obj, CAP_R_ALL, 0);
    cap_derive(x, root, CAP_R_ALL, 0);
    cap_derive(m, root, CAP_R_READ | CAP_R_WRITE, 5);
    cap_derive(y, root, CAP_R_ALL, 0);
    cap_derive(k1, m, CAP_R_READ, 0);
    cap_derive(k2, m, CAP_R_READ, 0);
    struct cap *root_kids[] = { y, m, x };
    check_children(root, root_kids, 3);
    unsigned refs = o->obj.refs;

    cap_move(dst, m);
    ck_assert(empty(m));
    ck_assert_uint_eq(dst->type, CAP_FRAME);
    ck_assert_uint_eq(dst->rights, CAP_R_READ | CAP_R_WRITE);
    ck_assert_uint_eq(dst->badge, 5);
    ck_assert_ptr_eq(dst->obj, &o->obj);
    ck_assert_uint_eq(dst->slot, 200);              /* the slot keeps its own index */
    ck_assert_uint_eq(o->obj.refs, refs);           /* the reference moved with it */
    struct cap *root_kids2[] = { y, dst, x };
    check_children(root, root_kids2, 3);
    struct cap *dst_kids[] = { k2, k1 };
    check_children(dst, dst_kids, 2);               /* children re-parented */

    /* Move the first child (the parent's first_child changes) and the last. */
    struct cap *y2 = &p->caps[201], *x2 = &p->caps[202];
    cap_move(y2, y);
    cap_move(x2, x);
    struct cap *root_kids3[] = { y2, dst, x2 };
    check_children(root, root_kids3, 3);

    /* Move a root with children: it stays a root. */
    struct cap *root2 = &p->caps[100];
    cap_move(root2, root);
    ck_assert_ptr_null(root2->parent);
    ck_assert_ptr_null(root2->next_sibling);
    ck_assert_ptr_null(root2->prev_sibling);
    check_children(root2, root_kids3, 3);

    /* Move a leaf; then a revoke from the moved root still reaches everything. */
    cap_move(&p->caps[105], k1);
    ck_assert_uint_eq(nchildren(dst), 2);
    ck_assert(is_child(dst, &p->caps[105]));
    ck_assert_uint_eq(cap_revoke(root2), 5);
    ck_assert_ptr_null(root2->first_child);
    ck_assert_uint_eq(o->obj.refs, 1);

    /* Moving into a full slot or from an empty one is a kernel bug. */
    cap_install(&p->caps[50], &o->obj, CAP_R_READ, 0);
    EXPECT_PANIC(cap_move(&p->caps[50], root2));
    EXPECT_PANIC(cap_move(&p->caps[51], &p->caps[52]));
    ck_assert(empty(&p->caps[51]));
    ck_assert_uint_eq(o->obj.refs, 2);

    cap_table_destroy(p);
    ck_assert(o->destroyed);
    proc_free(p);
    free(o);
}
END_TEST

/* --- delete --- */

START_TEST(test_delete_moves_children_up)
{
    /* root -> a -> { b, c }, b -> d; delete a: b and c become root's
     * children; delete root: b and c become roots. */
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_ENDPOINT);
    struct cap *root = &p->caps[1], *a = &p->caps[2], *b = &p->caps[3], *c = &p->caps[4];
    struct cap *d = &p->caps[5], *s = &p->caps[6];
    cap_install(root, &o->obj, CAP_R_ALL, 0);
    cap_derive(a, root, CAP_R_ALL, 0);
    cap_derive(s, root, CAP_R_ALL, 0);              /* a sibling of a */
    cap_derive(b, a, CAP_R_ALL, 0);
    cap_derive(c, a, CAP_R_ALL, 0);
    cap_derive(d, b, CAP_R_ALL, 0);
    ck_assert_uint_eq(o->obj.refs, 6);

    cap_delete(a);
    ck_assert(empty(a));
    ck_assert_uint_eq(o->obj.refs, 5);
    ck_assert_uint_eq(nchildren(root), 3);
    ck_assert(is_child(root, b));
    ck_assert(is_child(root, c));
    ck_assert(is_child(root, s));
    ck_assert_ptr_eq(b->parent, root);
    ck_assert_ptr_eq(c->parent, root);
    struct cap *b_kids[] = { d };
    check_children(b, b_kids, 1);                   /* grandchildren stay put */

    /* Deleting an empty slot does nothing (and puts no reference). */
    cap_delete(a);
    ck_assert_uint_eq(o->obj.refs, 5);

    /* Delete a leaf. */
    cap_delete(s);
    ck_assert_uint_eq(nchildren(root), 2);
    ck_assert(!is_child(root, s));

    /* Delete the root: its children become roots. */
    cap_delete(root);
    ck_assert(empty(root));
    ck_assert_ptr_null(b->parent);
    ck_assert_ptr_null(b->next_sibling);
    ck_assert_ptr_null(b->prev_sibling);
    ck_assert_ptr_null(c->parent);
    ck_assert_ptr_null(c->next_sibling);
    ck_assert_ptr_null(c->prev_sibling);
    check_children(b, b_kids, 1);
    ck_assert_uint_eq(o->obj.refs, 3);

    /* Revoking a promoted root still reaches its subtree. */
    ck_assert_uint_eq(cap_revoke(b), 1);
    ck_assert(empty(d));
    ck_assert_uint_eq(o->obj.refs, 2);
    cap_table_destroy(p);
    ck_assert(o->destroyed);
    proc_free(p);
    free(o);
}
END_TEST

START_TEST(test_revoke_after_middle_delete)
{
    /* root -> a -> b -> c; deleting a keeps b (and c) under root, so revoking
     * root still finds them. */
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_FRAME);
    struct cap *root = &p->caps[1], *a = &p->caps[2], *b = &p->caps[3], *c = &p->caps[4];
    cap_install(root, &o->obj, CAP_R_ALL, 0);
    cap_derive(a, root, CAP_R_ALL, 0);
    cap_derive(b, a, CAP_R_ALL, 0);
    cap_derive(c, b, CAP_R_ALL, 0);
    cap_delete(a);
    ck_assert_ptr_eq(b->parent, root);
    ck_assert_uint_eq(cap_revoke(root), 2);
    ck_assert(empty(b));
    ck_assert(empty(c));
    ck_assert_uint_eq(o->obj.refs, 1);
    ck_assert_uint_eq(root->type, CAP_FRAME);       /* revoke keeps the cap itself */
    cap_delete(root);
    ck_assert(o->destroyed);
    proc_free(p);
    free(o);
}
END_TEST

/* --- revoke --- */

START_TEST(test_revoke_subtree_only)
{
    /* root -> { a, s }, a -> { a1, a2 -> a21 }, s -> s1. Revoke a: a1, a2,
     * a21 go; root, a, s, s1 stay. */
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_ENDPOINT);
    struct cap *root = &p->caps[1], *a = &p->caps[2], *s = &p->caps[3];
    struct cap *a1 = &p->caps[4], *a2 = &p->caps[5], *a21 = &p->caps[6], *s1 = &p->caps[7];
    cap_install(root, &o->obj, CAP_R_ALL, 0);
    cap_derive(a, root, CAP_R_ALL, 0);
    cap_derive(s, root, CAP_R_ALL, 0);
    cap_derive(a1, a, CAP_R_ALL, 0);
    cap_derive(a2, a, CAP_R_ALL, 0);
    cap_derive(a21, a2, CAP_R_ALL, 0);
    cap_derive(s1, s, CAP_R_ALL, 0);
    ck_assert_uint_eq(o->obj.refs, 7);

    ck_assert_uint_eq(cap_revoke(a), 3);
    ck_assert(empty(a1));
    ck_assert(empty(a2));
    ck_assert(empty(a21));
    ck_assert_ptr_null(a->first_child);
    ck_assert_ptr_eq(a->parent, root);
    ck_assert_uint_eq(o->obj.refs, 4);
    struct cap *s_kids[] = { s1 };
    check_children(s, s_kids, 1);
    struct cap *root_kids[] = { s, a };
    check_children(root, root_kids, 2);

    ck_assert_uint_eq(cap_revoke(a), 0);            /* nothing left to revoke */
    ck_assert_uint_eq(cap_revoke(s1), 0);
    ck_assert_uint_eq(cap_revoke(root), 3);
    ck_assert_uint_eq(o->obj.refs, 1);
    ck_assert(!o->destroyed);
    cap_delete(root);
    ck_assert(o->destroyed);
    proc_free(p);
    free(o);
}
END_TEST

#define DEEP 10000

START_TEST(test_deep_chain)
{
    /* 10,000 derivations, each from the previous one. revoke and delete are
     * iterative; a recursive version would need 10,000 frames here. */
    struct cap *caps = calloc(DEEP + 1, sizeof *caps);
    CHECK(caps != NULL);
    struct fake_obj *o = obj_new(CAP_ENDPOINT);
    cap_install(&caps[0], &o->obj, CAP_R_ALL, 0);
    for (unsigned i = 1; i <= DEEP; i++)
        cap_derive(&caps[i], &caps[i - 1], i % 7 ? CAP_R_ALL : CAP_R_ALL & ~CAP_R_GRANT, i);
    CHECK_EQ(o->obj.refs, DEEP + 1);
    CHECK_EQ(caps[DEEP].badge, 1);         /* the first badge sticks */
    CHECK_EQ(caps[DEEP].rights, CAP_R_ALL & ~CAP_R_GRANT);
    for (unsigned i = 1; i <= DEEP; i++)
        CHECK_EQ(caps[i].parent, &caps[i - 1]);

    /* Delete one in the middle: the chain closes up. */
    cap_delete(&caps[DEEP / 2]);
    CHECK_EQ(caps[DEEP / 2 + 1].parent, &caps[DEEP / 2 - 1]);
    CHECK_EQ(caps[DEEP / 2 - 1].first_child, &caps[DEEP / 2 + 1]);

    /* Revoke from a point in the chain, then from the root. */
    CHECK_EQ(cap_revoke(&caps[DEEP - 100]), 100);
    CHECK(caps[DEEP - 100].first_child == NULL);
    CHECK_EQ(o->obj.refs, DEEP + 1 - 1 - 100);
    CHECK_EQ(cap_revoke(&caps[0]), DEEP - 100 - 1);
    for (unsigned i = 1; i <= DEEP; i++)
        CHECK(empty(&caps[i]));
    CHECK_EQ(o->obj.refs, 1);
    CHECK(!o->destroyed);
    cap_delete(&caps[0]);
    CHECK(o->destroyed);

    /* And a deep chain deleted from the root down: each delete promotes one
     * child to root, which must not walk the chain. */
    struct fake_obj *o2 = obj_new(CAP_FRAME);
    cap_install(&caps[0], &o2->obj, CAP_R_ALL, 0);
    for (unsigned i = 1; i <= DEEP; i++)
        cap_derive(&caps[i], &caps[i - 1], CAP_R_ALL, 0);
    for (unsigned i = 0; i <= DEEP; i++) {
        CHECK(!o2->destroyed);
        CHECK(caps[i].parent == NULL);
        cap_delete(&caps[i]);
    }
    CHECK(o2->destroyed);
    free(caps);
    free(o);
    free(o2);
}
END_TEST

START_TEST(test_wide_tree)
{
    /* 10,000 children of one cap: delete of the parent promotes them all to
     * the grandparent; revoke there takes them all. */
    struct cap *caps = calloc(DEEP + 2, sizeof *caps);
    CHECK(caps != NULL);
    struct fake_obj *o = obj_new(CAP_NOTIFICATION);
    struct cap *top = &caps[0], *mid = &caps[1];
    cap_install(top, &o->obj, CAP_R_ALL, 0);
    cap_derive(mid, top, CAP_R_ALL, 0);
    for (unsigned i = 2; i < DEEP + 2; i++)
        cap_derive(&caps[i], mid, CAP_R_ALL, 0);
    CHECK_EQ(nchildren(mid), DEEP);
    cap_delete(mid);
    CHECK_EQ(nchildren(top), DEEP);
    for (unsigned i = 2; i < DEEP + 2; i++)
        CHECK_EQ(caps[i].parent, top);
    CHECK_EQ(cap_revoke(top), DEEP);
    CHECK_EQ(o->obj.refs, 1);
    cap_delete(top);
    CHECK(o->destroyed);
    free(caps);
    free(o);
}
END_TEST

/* --- reference counts --- */

START_TEST(test_refs_reach_zero_with_last_cap)
{
    /* Caps to one object spread over two tables, through install, derive and
     * move; the object is destroyed exactly when the last one goes, whatever
     * the order. */
    for (unsigned order = 0; order < 4; order++) {
        struct process *p = proc_new(), *q = proc_new();
        struct fake_obj *o = obj_new(CAP_ENDPOINT);
        struct fake_obj *other = obj_new(CAP_NOTIFICATION);
        cap_install(&p->caps[1], &o->obj, CAP_R_ALL, 0);
        cap_install(&p->caps[2], &other->obj, CAP_R_ALL, 0);
        cap_derive(&q->caps[1], &p->caps[1], CAP_R_WRITE, 1);
        cap_derive(&q->caps[2], &q->caps[1], CAP_R_WRITE, 0);
        cap_derive(&p->caps[3], &p->caps[1], CAP_R_READ, 2);
        cap_move(&q->caps[3], &p->caps[3]);
        ck_assert_uint_eq(o->obj.refs, 4);
        ck_assert_uint_eq(other->obj.refs, 1);

        struct cap *live[] = { &p->caps[1], &q->caps[1], &q->caps[2], &q->caps[3] };
        switch (order) {
        case 0:     /* delete one by one, root first */
            for (unsigned i = 0; i < 4; i++) {
                ck_assert(!o->destroyed);
                cap_delete(live[i]);
                ck_assert_uint_eq(o->obj.refs, 3 - i);
            }
            break;
        case 1:     /* leaves first */
            for (int i = 3; i >= 0; i--) {
                ck_assert(!o->destroyed);
                cap_delete(live[i]);
            }
            break;
        case 2:     /* revoke, then the root */
            ck_assert_uint_eq(cap_revoke(live[0]), 3);
            ck_assert_uint_eq(o->obj.refs, 1);
            ck_assert(!o->destroyed);
            cap_delete(live[0]);
            break;
        case 3:     /* one table goes, then the other */
            cap_table_destroy(p);
            ck_assert(!o->destroyed);
            ck_assert(other->destroyed);
            ck_assert_uint_eq(o->obj.refs, 3);
            /* q's caps are now roots or children within q */
            ck_assert_ptr_null(q->caps[1].parent);
            ck_assert_ptr_null(q->caps[3].parent);
            ck_assert_ptr_eq(q->caps[2].parent, &q->caps[1]);
            cap_table_destroy(q);
            break;
        }
        ck_assert(o->destroyed);
        ck_assert_uint_eq(o->obj.refs, 0);
        if (order != 3) {
            ck_assert(!other->destroyed);
            cap_delete(&p->caps[2]);
        }
        ck_assert(other->destroyed);
        for (unsigned i = 0; i < SYS_CAP_SLOTS; i++) {
            ck_assert(empty(&p->caps[i]));
            ck_assert(empty(&q->caps[i]));
        }
        proc_free(p);
        proc_free(q);
        free(o);
        free(other);
    }
}
END_TEST

/* --- random operations against a model --- */

#define NCAPS 96
#define NOBJS 4

static struct cap rcaps[NCAPS];
static struct fake_obj robjs[NOBJS];
static int mparent[NCAPS];      /* model: parent index, -1 for a root */
static int mobj[NCAPS];         /* model: object index, -1 for an empty slot */
static bool mdead[NOBJS];       /* model: the object's last cap went */
static uint64_t rstate;

static unsigned rnd(unsigned n)
{
    rstate = rstate * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(rstate >> 33) % n;
}

static bool m_descends(int c, int anc)
{
    for (int k = mparent[c]; k >= 0; k = mparent[k])
        if (k == anc)
            return true;
    return false;
}

static void check_model(void)
{
    unsigned refs[NOBJS] = { 0 }, kids[NCAPS] = { 0 };
    for (int j = 0; j < NCAPS; j++)
        if (mobj[j] >= 0 && mparent[j] >= 0)
            kids[mparent[j]]++;
    for (int i = 0; i < NCAPS; i++) {
        struct cap *c = &rcaps[i];
        if (mobj[i] < 0) {
            CHECK(empty(c));
            continue;
        }
        refs[mobj[i]]++;
        CHECK_EQ(c->obj, &robjs[mobj[i]].obj);
        CHECK_EQ(c->type, robjs[mobj[i]].obj.type);
        CHECK_EQ(c->parent, mparent[i] < 0 ? NULL : &rcaps[mparent[i]]);
        if (c->parent)
            CHECK(is_child(c->parent, c));
        else
            CHECK(c->prev_sibling == NULL && c->next_sibling == NULL);
        /* Children: exactly the model's, with consistent links. */
        unsigned n = 0;
        const struct cap *prev = NULL;
        for (const struct cap *k = c->first_child; k; prev = k, k = k->next_sibling) {
            CHECK_EQ(k->prev_sibling, prev);
            CHECK_EQ(k->parent, c);
            n++;
        }
        CHECK_EQ(n, kids[i]);
    }
    for (int k = 0; k < NOBJS; k++) {
        CHECK_EQ(robjs[k].obj.refs, refs[k]);
        CHECK_EQ(robjs[k].destroyed, mdead[k]);
        CHECK_EQ(refs[k] == 0, mdead[k]);
    }
}

START_TEST(test_random_against_model)
{
    memset(rcaps, 0, sizeof rcaps);
    memset(robjs, 0, sizeof robjs);
    for (int k = 0; k < NOBJS; k++)
        robjs[k].obj.type = CAP_ENDPOINT + (unsigned)k;
    for (int i = 0; i < NCAPS; i++)
        mparent[i] = mobj[i] = -1;
    memset(mdead, 0, sizeof mdead);
    rstate = 0xcafe0000u + (uint64_t)_i;
    /* The objects start with no reference: each gets a first cap here. */
    for (int k = 0; k < NOBJS; k++) {
        cap_install(&rcaps[k], &robjs[k].obj, CAP_R_ALL, 0);
        mobj[k] = k;
    }
    for (unsigned step = 0; step < 10000; step++) {
        int a = (int)rnd(NCAPS), b = (int)rnd(NCAPS);
        switch (rnd(6)) {
        case 0: {   /* install a new root */
            if (mobj[a] >= 0)
                break;
            int k = (int)rnd(NOBJS);
            if (mdead[k])                       /* destroyed: cannot come back */
                break;
            cap_install(&rcaps[a], &robjs[k].obj, rnd(16), rnd(3));
            mobj[a] = k;
            mparent[a] = -1;
            break;
        }
        case 1:
        case 2:     /* derive b from a */
            if (mobj[a] < 0 || mobj[b] >= 0)
                break;
            cap_derive(&rcaps[b], &rcaps[a], rnd(16), rnd(3));
            mobj[b] = mobj[a];
            mparent[b] = a;
            break;
        case 3:     /* move a to b */
            if (mobj[a] < 0 || mobj[b] >= 0)
                break;
            cap_move(&rcaps[b], &rcaps[a]);
            mobj[b] = mobj[a];
            mparent[b] = mparent[a];
            for (int j = 0; j < NCAPS; j++)
                if (mobj[j] >= 0 && mparent[j] == a)
                    mparent[j] = b;
            mobj[a] = mparent[a] = -1;
            break;
        case 4: {   /* delete a */
            if (mobj[a] < 0) {
                cap_delete(&rcaps[a]);          /* a no-op */
                break;
            }
            int k = mobj[a];
            for (int j = 0; j < NCAPS; j++)
                if (mobj[j] >= 0 && mparent[j] == a)
                    mparent[j] = mparent[a];
            mobj[a] = mparent[a] = -1;
            mdead[k] = true;
            for (int j = 0; j < NCAPS; j++)
                if (mobj[j] == k)
                    mdead[k] = false;
            cap_delete(&rcaps[a]);
            CHECK_EQ(robjs[k].destroyed, mdead[k]);
            break;
        }
        case 5: {   /* revoke a */
            if (mobj[a] < 0)
                break;
            unsigned want = 0;
            for (int j = 0; j < NCAPS; j++)
                if (mobj[j] >= 0 && m_descends(j, a))
                    want++;
            for (int j = 0; j < NCAPS; j++)
                if (mobj[j] >= 0 && m_descends(j, a))
                    mobj[j] = -2;               /* mark first: the walk needs parents */
            for (int j = 0; j < NCAPS; j++)
                if (mobj[j] == -2)
                    mobj[j] = mparent[j] = -1;
            CHECK_EQ(cap_revoke(&rcaps[a]), want);
            break;
        }
        }
        check_model();
    }
    for (int i = 0; i < NCAPS; i++)
        cap_delete(&rcaps[i]);
    for (int k = 0; k < NOBJS; k++) {
        CHECK_EQ(robjs[k].obj.refs, 0);
        CHECK(robjs[k].destroyed);
    }
}
END_TEST

Suite *cap_suite(void)
{
    Suite *s = suite_create("cap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_lookup_errors);
    tcase_add_test(tc, test_empty_slot);
    tcase_add_test(tc, test_install);
    tcase_add_test(tc, test_derive_rights_and_badges);
    tcase_add_test(tc, test_move_keeps_tree);
    tcase_add_test(tc, test_delete_moves_children_up);
    tcase_add_test(tc, test_revoke_after_middle_delete);
    tcase_add_test(tc, test_revoke_subtree_only);
    tcase_add_test(tc, test_deep_chain);
    tcase_add_test(tc, test_wide_tree);
    tcase_add_test(tc, test_refs_reach_zero_with_last_cap);
    tcase_add_loop_test(tc, test_random_against_model, 0, 3);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
