/* Tests for kernel/object/cap.c, compiled into the host test binary: slot
 * lookups, install (which takes over the creator's reference), derive
 * (rights, badges), bindings, move, delete (of a copy and of an original)
 * and revoke on the derivation tree kept in rings without parent pointers,
 * reference and capability counts, the interrupt windows of long deletions
 * and revocations, very deep and very wide trees, and random operations
 * checked against a model of the tree after every operation.
 *
 * What cap.c calls is stubbed here: objects are fake ones that count
 * references and capabilities and record when they would be destroyed;
 * bindings are a fake type embedding a struct cap node, removed through
 * binding_remove; arch_irq_window counts the windows and checks the work
 * done since the previous one; panic returns to EXPECT_PANIC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/cpu.h"
#include "kernel.h"
#include "object.h"
#include "obj/cap.h"
#include "obj/process.h"
#include "suites.h"

/* --- stubs for what cap.c calls --- */

struct fake_obj {
    struct kobj obj;            /* first, as in every kernel object */
    bool destroyed;             /* its last reference went */
};

/* A binding: the node deliberately not first, so a wrong offset shows. */
struct binding {
    uint64_t before[3];
    struct cap node;
    unsigned units;             /* what binding_remove reports (pages unmapped) */
    unsigned removed;           /* times binding_remove took it */
    bool bound;
};

static unsigned windows;        /* arch_irq_window calls */
static unsigned stretch;        /* units of work since the last window (or the operation's start) */
static unsigned units_max = 1;  /* the most units any binding of the test reports */
static unsigned removals;       /* binding_remove calls */
static unsigned caps_removed;   /* obj_cap_removed calls */

void obj_put(struct kobj *o)
{
    struct fake_obj *f = (struct fake_obj *)o;
    CHECK(!f->destroyed);
    CHECK(o->refs > 0);         /* no underflow */
    CHECK(o->refs > o->ncaps);  /* a reference dropped is not a capability's still counted */
    if (--o->refs == 0)
        f->destroyed = true;
}

/* c is the slot that now names o, or is about to stop naming it. */
void obj_cap_added(struct kobj *o, const struct cap *c)
{
    CHECK(!((struct fake_obj *)o)->destroyed);
    CHECK(c->obj == o && c->type == o->type);
    CHECK(!(c->flags & CAPF_BINDING));     /* bindings are no capabilities */
    o->ncaps++;
    CHECK(o->ncaps <= o->refs); /* every capability holds a reference */
}

void obj_cap_removed(struct kobj *o, const struct cap *c)
{
    CHECK(!((struct fake_obj *)o)->destroyed);
    CHECK(c->obj == o && c->type == o->type);
    CHECK(!(c->flags & CAPF_BINDING));
    CHECK(o->ncaps > 0);        /* no underflow */
    o->ncaps--;
    caps_removed++;
    stretch++;                  /* a capability deleted is one unit of work */
}

unsigned binding_remove(struct cap *node)
{
    CHECK(node->flags & CAPF_BINDING);
    CHECK(dlist_empty(&node->children));
    struct binding *b = container_of(node, struct binding, node);
    CHECK(b->bound);
    CHECK(b->before[0] == 0 && b->before[1] == 0 && b->before[2] == 0);
    b->bound = false;
    b->removed++;
    removals++;
    unsigned units = b->units ? b->units : 1;
    cap_unbind(node);
    CHECK(node->type == CAP_NULL);
    stretch += units;
    return units;
}

/* Every window comes after at least REAP_BUDGET units of work, and no
 * later than one binding's worth past it. */
void arch_irq_window(void)
{
    windows++;
    if (stretch < REAP_BUDGET || stretch > REAP_BUDGET + units_max)
        ck_abort_msg("interrupt window after %u units of work (budget %u, biggest binding %u)",
                     stretch, REAP_BUDGET, units_max);
    stretch = 0;
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

/* --- fixtures and helpers --- */

static void reset_counters(void)
{
    windows = stretch = removals = caps_removed = 0;
    units_max = 1;
    panic_armed = false;
}

/* An object as obj_alloc returns it: holding one reference. */
static struct fake_obj *obj_new(unsigned type)
{
    struct fake_obj *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    f->obj.type = (uint8_t)type;
    f->obj.refs = 1;
    return f;
}

/* o holds exactly ncaps capabilities and nbind bindings, and is destroyed
 * exactly when it holds neither. */
#define CHECK_OBJ(f, ncaps_, nbind_)                                           \
    do {                                                                       \
        CHECK_EQ((f)->obj.ncaps, (ncaps_));                                    \
        CHECK_EQ((f)->obj.refs, (ncaps_) + (nbind_));                          \
        CHECK_EQ((f)->destroyed, (ncaps_) + (nbind_) == 0);                    \
    } while (0)

static struct process *proc_new(void)
{
    struct process *p = calloc(1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    p->caps = malloc(SYS_CAP_SLOTS * sizeof(struct cap));
    ck_assert_ptr_nonnull(p->caps);
    memset(p->caps, 0xa5, SYS_CAP_SLOTS * sizeof(struct cap));     /* garbage until init */
    cap_table_init(p->caps);
    return p;
}

static void proc_free(struct process *p)
{
    free(p->caps);
    free(p);
}

static struct binding *binds_new(unsigned n)
{
    struct binding *b = calloc(n, sizeof *b);
    ck_assert_ptr_nonnull(b);
    return b;
}

static bool empty(const struct cap *c)
{
    return c->type == CAP_NULL && c->rights == 0 && c->flags == 0 && c->badge == 0 &&
           c->obj == NULL;
}

static bool alone(const struct dlist *l)
{
    return l->next == l && l->prev == l;
}

/* A binding through src (a mapping made with a capability). */
static void bind(struct binding *b, struct cap *src, unsigned units)
{
    CHECK(!b->bound);
    b->units = units;
    if (units > units_max)
        units_max = units;
    cap_bind(&b->node, src);
    b->bound = true;
}

static void bind_root(struct binding *b, struct kobj *o, unsigned rights)
{
    CHECK(!b->bound);
    b->units = 1;
    cap_bind_root(&b->node, o, rights);
    b->bound = true;
}

/* The binding's owner removes it (an unmap): not through binding_remove. */
static void unbind(struct binding *b)
{
    CHECK(b->bound);
    unsigned before = removals;
    cap_unbind(&b->node);
    b->bound = false;
    CHECK(empty(&b->node));
    CHECK_EQ(removals, before);
}

/* cap_delete / cap_revoke, checking that the work after the last window
 * stays within the budget too. */
static void del(struct cap *c)
{
    stretch = 0;
    cap_delete(c);
    CHECK(empty(c));
    if (stretch > REAP_BUDGET + units_max)
        ck_abort_msg("cap_delete ended %u units after its last window", stretch);
}

static unsigned revoke(struct cap *c)
{
    stretch = 0;
    unsigned n = cap_revoke(c);
    CHECK(dlist_empty(&c->children));
    if (stretch > REAP_BUDGET + units_max)
        ck_abort_msg("cap_revoke ended %u units after its last window", stretch);
    return n;
}

/* w windows for units units of work: one about every REAP_BUDGET. */
static void check_windows(unsigned w, unsigned units)
{
    if ((uint64_t)w * REAP_BUDGET > units || (uint64_t)(w + 1) * (REAP_BUDGET + units_max) < units)
        ck_abort_msg("%u interrupt windows for %u units of work (budget %u)", w, units,
                     REAP_BUDGET);
}

/* Walks the ring through l both ways; returns the number of links in it
 * other than l. */
static unsigned ring_len(const struct dlist *l)
{
    unsigned n = 0;
    const struct dlist *x = l;
    do {
        CHECK(x->next != NULL && x->prev != NULL);
        CHECK(x->next->prev == x);
        CHECK(x->prev->next == x);
        x = x->next;
        CHECK(++n <= 10000000u);
    } while (x != l);
    return n - 1;
}

/* c's ring of children: nb bindings (the set bs, any order), then the
 * copies cs[0..nc) in that order, with consistent links. */
static void check_kids(const struct cap *c, struct binding *const *bs, unsigned nb,
                       struct cap *const *cs, unsigned nc)
{
    const struct dlist *h = &c->children, *x = h->next;
    CHECK_EQ(ring_len(h), nb + nc);
    for (unsigned i = 0; i < nb; i++, x = x->next) {
        const struct cap *k = container_of(x, struct cap, sibling);
        CHECK(k->flags & CAPF_BINDING);
        bool found = false;
        for (unsigned j = 0; j < nb; j++)
            found |= k == &bs[j]->node;
        CHECK(found);
        CHECK(bs[i]->bound);
        CHECK_EQ(k->obj, c->obj);
    }
    for (unsigned i = 0; i < nc; i++, x = x->next) {
        CHECK_EQ(container_of(x, struct cap, sibling), cs[i]);
        CHECK_EQ(cs[i]->flags, CAPF_COPY);
        CHECK_EQ(cs[i]->obj, c->obj);
    }
    CHECK(x == h);
}

/* The ring through want[0]'s sibling link is headless and holds exactly
 * want[0..n) (any order). */
static void check_headless(struct cap *const *want, unsigned n)
{
    CHECK_EQ(ring_len(&want[0]->sibling), n - 1);
    const struct dlist *x = &want[0]->sibling;
    for (unsigned i = 0; i < n; i++, x = x->next) {
        bool found = false;
        for (unsigned j = 0; j < n; j++)
            found |= x == &want[j]->sibling;
        CHECK(found);
    }
}

/* Bindings before copies in c's ring of children; returns its length. */
static unsigned check_order(const struct cap *c)
{
    bool copies = false;
    unsigned n = 0;
    CHECK(c->children.next->prev == &c->children);
    for (const struct dlist *x = c->children.next; x != &c->children; x = x->next) {
        CHECK(x->next->prev == x);
        const struct cap *k = container_of(x, struct cap, sibling);
        CHECK(k->type != CAP_NULL);
        if (k->flags & CAPF_BINDING) {
            if (copies)
                ck_abort_msg("a binding after a copy in a ring of children");
        } else {
            CHECK_EQ(k->flags, CAPF_COPY);
            copies = true;
        }
        CHECK(++n <= 10000000u);
    }
    return n;
}

/* --- lookups and the table --- */

START_TEST(test_table_init)
{
    struct process *p = proc_new();         /* garbage, then cap_table_init */
    for (unsigned i = 0; i < SYS_CAP_SLOTS; i++)
        CHECK(empty(&p->caps[i]));
    struct cap *out = NULL;
    for (unsigned i = 1; i < SYS_CAP_SLOTS; i++) {
        CHECK_EQ(cap_lookup(p, i, CAP_NULL, 0, &out), SYS_ENOCAP);
        CHECK_EQ(cap_empty_slot(p, i, &out), SYS_OK);
        CHECK_EQ(out, &p->caps[i]);
    }
    /* Deleting an empty slot does nothing. */
    del(&p->caps[3]);
    CHECK_EQ(caps_removed, 0);
    proc_free(p);
}
END_TEST

START_TEST(test_lookup_errors)
{
    struct process *p = proc_new();
    struct fake_obj *ep = obj_new(CAP_ENDPOINT);
    cap_install(&p->caps[5], &ep->obj, CAP_R_READ | CAP_R_WRITE, 0);

    struct cap *out = (struct cap *)(uintptr_t)0x1234;
    ck_assert_int_eq(cap_lookup(p, 0, CAP_NULL, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, 0, CAP_ENDPOINT, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, SYS_CAP_SLOTS, CAP_NULL, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, SYS_CAP_SLOTS + 1, CAP_NULL, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, UINT64_MAX, CAP_NULL, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, 1ull << 32, CAP_NULL, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, (1ull << 32) + 5, CAP_NULL, 0, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_lookup(p, 4, CAP_NULL, 0, &out), SYS_ENOCAP);            /* empty */
    ck_assert_int_eq(cap_lookup(p, 4, CAP_ENDPOINT, 0, &out), SYS_ENOCAP);
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
    obj_get(&ep->obj);
    cap_install(&p->caps[SYS_CAP_SLOTS - 1], &ep->obj, CAP_R_ALL, 0);
    ck_assert_int_eq(cap_lookup(p, SYS_CAP_SLOTS - 1, CAP_ENDPOINT, CAP_R_ALL, &out), SYS_OK);
    ck_assert_ptr_eq(out, &p->caps[SYS_CAP_SLOTS - 1]);

    /* A cap with no rights passes a lookup that needs none. */
    obj_get(&ep->obj);
    cap_install(&p->caps[6], &ep->obj, 0, 0);
    ck_assert_int_eq(cap_lookup(p, 6, CAP_ENDPOINT, 0, &out), SYS_OK);
    ck_assert_int_eq(cap_lookup(p, 6, CAP_ENDPOINT, CAP_R_READ, &out), SYS_ERIGHTS);

    /* A copy is looked up like an original. */
    cap_derive(&p->caps[7], &p->caps[5], CAP_R_READ, 3);
    ck_assert_int_eq(cap_lookup(p, 7, CAP_ENDPOINT, CAP_R_READ, &out), SYS_OK);
    ck_assert_ptr_eq(out, &p->caps[7]);
    ck_assert_int_eq(cap_lookup(p, 7, CAP_ENDPOINT, CAP_R_WRITE, &out), SYS_ERIGHTS);

    CHECK_OBJ(ep, 4, 0);
    del(&p->caps[5]);
    del(&p->caps[6]);
    del(&p->caps[7]);
    CHECK_OBJ(ep, 1, 0);
    ck_assert_int_eq(cap_lookup(p, 5, CAP_NULL, 0, &out), SYS_ENOCAP);      /* deleted */
    del(&p->caps[SYS_CAP_SLOTS - 1]);
    CHECK_OBJ(ep, 0, 0);
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
    ck_assert_int_eq(cap_empty_slot(p, SYS_CAP_SLOTS + 1, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_empty_slot(p, UINT64_MAX, &out), SYS_ERANGE);
    ck_assert_int_eq(cap_empty_slot(p, 1ull << 32, &out), SYS_ERANGE);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(cap_empty_slot(p, 7, &out), SYS_OK);
    ck_assert_ptr_eq(out, &p->caps[7]);
    cap_install(out, &o->obj, CAP_R_READ, 0);
    out = NULL;
    ck_assert_int_eq(cap_empty_slot(p, 7, &out), SYS_EEXIST);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(cap_empty_slot(p, 1, &out), SYS_OK);
    ck_assert_ptr_eq(out, &p->caps[1]);
    ck_assert_int_eq(cap_empty_slot(p, SYS_CAP_SLOTS - 1, &out), SYS_OK);
    ck_assert_ptr_eq(out, &p->caps[SYS_CAP_SLOTS - 1]);

    /* A copy fills a slot too; moving out empties it. */
    cap_derive(&p->caps[8], &p->caps[7], CAP_R_ALL, 0);
    out = NULL;
    ck_assert_int_eq(cap_empty_slot(p, 8, &out), SYS_EEXIST);
    ck_assert_ptr_null(out);
    cap_move(&p->caps[9], &p->caps[8]);
    ck_assert_int_eq(cap_empty_slot(p, 8, &out), SYS_OK);
    ck_assert_int_eq(cap_empty_slot(p, 9, &out), SYS_EEXIST);

    del(&p->caps[9]);
    ck_assert_int_eq(cap_empty_slot(p, 9, &out), SYS_OK);
    CHECK_OBJ(o, 1, 0);
    del(&p->caps[7]);
    ck_assert_int_eq(cap_empty_slot(p, 7, &out), SYS_OK);
    CHECK_OBJ(o, 0, 0);
    proc_free(p);
    free(o);
}
END_TEST

/* --- install, derive, bind --- */

START_TEST(test_install_takes_over_reference)
{
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_NOTIFICATION);         /* refs 1: the creator's */
    struct cap *c = &p->caps[3];
    cap_install(c, &o->obj, 0xff, 0xbadull);
    ck_assert_uint_eq(c->type, CAP_NOTIFICATION);   /* from the object */
    ck_assert_uint_eq(c->rights, CAP_R_MASK);       /* masked to the defined rights */
    ck_assert_uint_eq(c->badge, 0xbadull);
    ck_assert_uint_eq(c->flags, 0);                 /* an original */
    ck_assert_ptr_eq(c->obj, &o->obj);
    ck_assert(alone(&c->sibling));                  /* under nothing */
    ck_assert(dlist_empty(&c->children));
    ck_assert_uint_eq(o->obj.refs, 1);              /* the creator's reference, taken over */
    ck_assert_uint_eq(o->obj.ncaps, 1);

    /* Stale links in an empty slot are reset by install. */
    struct cap *d = &p->caps[4];
    d->sibling.next = d->sibling.prev = &c->children;
    d->children.next = d->children.prev = &c->sibling;
    obj_get(&o->obj);                               /* a second creator reference */
    cap_install(d, &o->obj, CAP_R_READ | 0x60, 0);
    ck_assert_uint_eq(d->rights, CAP_R_READ);           /* 0x20, 0x40: no such rights */
    ck_assert(alone(&d->sibling));
    ck_assert(dlist_empty(&d->children));
    ck_assert(alone(&c->sibling));                  /* originals are independent */
    ck_assert(dlist_empty(&c->children));
    CHECK_OBJ(o, 2, 0);

    /* Installing into a full slot is a kernel bug, and changes nothing. */
    EXPECT_PANIC(cap_install(c, &o->obj, CAP_R_ALL, 0));
    CHECK_OBJ(o, 2, 0);
    ck_assert_uint_eq(c->badge, 0xbadull);
    ck_assert_uint_eq(c->rights, CAP_R_MASK);

    del(c);
    CHECK_OBJ(o, 1, 0);
    del(d);
    CHECK_OBJ(o, 0, 0);                             /* the last capability took the last reference */
    ck_assert_uint_eq(caps_removed, 2);
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
    ck_assert_uint_eq(a->flags, CAPF_COPY);
    ck_assert(dlist_empty(&a->children));
    CHECK_OBJ(o, 2, 0);

    struct cap *b = &q->caps[9];                    /* across tables */
    cap_derive(b, a, CAP_R_ALL, 99);
    ck_assert_uint_eq(b->rights, CAP_R_WRITE);      /* all of a's, no more */
    ck_assert_uint_eq(b->badge, 7);                 /* a badged source keeps its badge */
    ck_assert_uint_eq(b->flags, CAPF_COPY);

    struct cap *c = &q->caps[10];
    cap_derive(c, a, 0, 0);
    ck_assert_uint_eq(c->rights, 0);
    ck_assert_uint_eq(c->badge, 7);                 /* even when 0 is asked for */

    struct cap *d = &p->caps[3];
    cap_derive(d, root, 0xff, 0);
    ck_assert_uint_eq(d->rights, CAP_R_READ | CAP_R_WRITE | CAP_R_GRANT);
    ck_assert_uint_eq(d->badge, 0);                 /* unbadged stays unbadged with 0 */
    struct cap *e = &p->caps[4];
    cap_derive(e, d, CAP_R_READ, 0x8000000000000001ull);
    ck_assert_uint_eq(e->rights, CAP_R_READ);
    ck_assert_uint_eq(e->badge, 0x8000000000000001ull);     /* minted on a copy of a copy */

    /* Each copy is a child of its source, in order of derivation. */
    struct cap *root_kids[] = { a, d };
    check_kids(root, NULL, 0, root_kids, 2);
    struct cap *a_kids[] = { b, c };
    check_kids(a, NULL, 0, a_kids, 2);
    struct cap *d_kids[] = { e };
    check_kids(d, NULL, 0, d_kids, 1);
    check_kids(b, NULL, 0, NULL, 0);
    ck_assert(alone(&root->sibling));
    CHECK_OBJ(o, 6, 0);

    /* A derivation into a full slot is a kernel bug, and changes nothing. */
    EXPECT_PANIC(cap_derive(a, root, CAP_R_ALL, 0));
    CHECK_OBJ(o, 6, 0);
    check_kids(root, NULL, 0, root_kids, 2);
    check_kids(a, NULL, 0, a_kids, 2);
    ck_assert_uint_eq(a->rights, CAP_R_WRITE);

    ck_assert_uint_eq(revoke(root), 5);
    CHECK_OBJ(o, 1, 0);
    del(root);
    CHECK_OBJ(o, 0, 0);
    proc_free(p);
    proc_free(q);
    free(o);
}
END_TEST

START_TEST(test_bindings_front_copies_back)
{
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_FRAME);
    struct binding *bs = binds_new(6);
    struct cap *root = &p->caps[1], *c1 = &p->caps[2], *c2 = &p->caps[3];
    cap_install(root, &o->obj, CAP_R_READ | CAP_R_WRITE, 0x44);
    bind(&bs[0], root, 1);
    cap_derive(c1, root, CAP_R_ALL, 0);
    bind(&bs[1], root, 1);
    cap_derive(c2, root, CAP_R_READ, 0);
    bind(&bs[2], root, 1);

    /* A binding names the object with the source's rights and badge, holds
     * a reference, and is no capability. */
    const struct cap *n = &bs[1].node;
    ck_assert_uint_eq(n->type, CAP_FRAME);
    ck_assert_uint_eq(n->flags, CAPF_BINDING);
    ck_assert_uint_eq(n->rights, CAP_R_READ | CAP_R_WRITE);
    ck_assert_uint_eq(n->badge, 0x44);
    ck_assert_ptr_eq(n->obj, &o->obj);
    ck_assert(dlist_empty(&n->children));
    CHECK_OBJ(o, 3, 3);

    struct binding *root_b[] = { &bs[0], &bs[1], &bs[2] };
    struct cap *root_kids[] = { c1, c2 };
    check_kids(root, root_b, 3, root_kids, 2);
    ck_assert_uint_eq(check_order(root), 5);

    /* Bindings through a copy go under the copy. */
    bind(&bs[3], c2, 1);
    struct binding *c2_b[] = { &bs[3] };
    check_kids(c2, c2_b, 1, NULL, 0);
    ck_assert_uint_eq(bs[3].node.rights, CAP_R_READ);
    CHECK_OBJ(o, 3, 4);

    /* A root binding (the kernel's own) is under nothing. */
    bind_root(&bs[4], &o->obj, 0xff);
    ck_assert(alone(&bs[4].node.sibling));
    ck_assert_uint_eq(bs[4].node.flags, CAPF_BINDING);
    ck_assert_uint_eq(bs[4].node.rights, CAP_R_MASK);
    ck_assert_uint_eq(bs[4].node.type, CAP_FRAME);
    CHECK_OBJ(o, 3, 5);

    /* The owner unbinds (an unmap): out of the ring, reference dropped,
     * binding_remove not involved. The node can be bound again. */
    unbind(&bs[1]);
    struct binding *root_b2[] = { &bs[0], &bs[2] };
    check_kids(root, root_b2, 2, root_kids, 2);
    CHECK_OBJ(o, 3, 4);
    bind(&bs[1], c1, 1);
    struct binding *c1_b[] = { &bs[1] };
    check_kids(c1, c1_b, 1, NULL, 0);
    CHECK_OBJ(o, 3, 5);

    /* Unbinding a capability, deleting a binding: kernel bugs, no change. */
    EXPECT_PANIC(cap_unbind(c1));
    EXPECT_PANIC(cap_delete(&bs[0].node));
    EXPECT_PANIC(cap_delete_step(&bs[2].node));
    CHECK_OBJ(o, 3, 5);
    check_kids(root, root_b2, 2, root_kids, 2);
    ck_assert_uint_eq(removals, 0);

    /* Revoke takes every binding under the tree, not the root one. */
    ck_assert_uint_eq(revoke(root), 2);
    ck_assert_uint_eq(removals, 4);
    for (unsigned i = 0; i < 4; i++) {
        ck_assert(!bs[i].bound);
        ck_assert_uint_eq(bs[i].removed, 1);
        ck_assert(empty(&bs[i].node));
    }
    ck_assert(bs[4].bound);
    CHECK_OBJ(o, 1, 1);
    del(root);
    CHECK_OBJ(o, 0, 1);                     /* alive through the root binding */
    unbind(&bs[4]);
    CHECK_OBJ(o, 0, 0);
    proc_free(p);
    free(bs);
    free(o);
}
END_TEST

/* --- move --- */

START_TEST(test_move_keeps_tree)
{
    /* root -> [rb | x, m, y], m -> [mb | k1, k2], k1 -> [k1b]. Move m, a
     * middle copy with bindings and children, to another slot. */
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_FRAME);
    struct binding *bs = binds_new(8);
    struct binding *rb = &bs[0], *mb = &bs[1], *k1b = &bs[2], *db = &bs[3];
    struct cap *root = &p->caps[1], *x = &p->caps[2], *m = &p->caps[3], *y = &p->caps[4];
    struct cap *k1 = &p->caps[5], *k2 = &p->caps[6], *dst = &p->caps[200];
    cap_install(root, &o->obj, CAP_R_ALL, 0);
    cap_derive(x, root, CAP_R_ALL, 0);
    cap_derive(m, root, CAP_R_READ | CAP_R_WRITE, 5);
    cap_derive(y, root, CAP_R_ALL, 0);
    cap_derive(k1, m, CAP_R_READ, 0);
    cap_derive(k2, m, CAP_R_READ, 0);
    bind(rb, root, 1);
    bind(mb, m, 1);
    bind(k1b, k1, 1);
    CHECK_OBJ(o, 6, 3);

    cap_move(dst, m);
    ck_assert(empty(m));
    ck_assert_int_eq(cap_empty_slot(p, 3, &(struct cap *){ NULL }), SYS_OK);
    ck_assert_uint_eq(dst->type, CAP_FRAME);
    ck_assert_uint_eq(dst->rights, CAP_R_READ | CAP_R_WRITE);
    ck_assert_uint_eq(dst->badge, 5);
    ck_assert_uint_eq(dst->flags, CAPF_COPY);
    ck_assert_ptr_eq(dst->obj, &o->obj);
    CHECK_OBJ(o, 6, 3);                             /* the reference moved with it */
    ck_assert_uint_eq(caps_removed, 0);
    struct binding *root_b[] = { rb };
    struct cap *root_kids[] = { x, dst, y };
    check_kids(root, root_b, 1, root_kids, 3);      /* same place among its siblings */
    struct binding *dst_b[] = { mb };
    struct cap *dst_kids[] = { k1, k2 };
    check_kids(dst, dst_b, 1, dst_kids, 2);         /* children and bindings follow */
    struct binding *k1_b[] = { k1b };
    check_kids(k1, k1_b, 1, NULL, 0);

    /* Move the first copy and the last, and the original at the top. */
    struct cap *y2 = &p->caps[201], *x2 = &p->caps[202], *root2 = &p->caps[100];
    cap_move(y2, y);
    cap_move(x2, x);
    struct cap *root_kids2[] = { x2, dst, y2 };
    check_kids(root, root_b, 1, root_kids2, 3);
    cap_move(root2, root);
    ck_assert(empty(root));
    ck_assert_uint_eq(root2->flags, 0);
    ck_assert(alone(&root2->sibling));
    check_kids(root2, root_b, 1, root_kids2, 3);
    CHECK_OBJ(o, 6, 3);

    /* Moving into a full slot or out of an empty one is a kernel bug. */
    EXPECT_PANIC(cap_move(x2, dst));
    EXPECT_PANIC(cap_move(&p->caps[50], &p->caps[51]));
    check_kids(root2, root_b, 1, root_kids2, 3);
    check_kids(dst, dst_b, 1, dst_kids, 2);

    /* A binding made after the move goes under the new slot. */
    bind(db, dst, 1);
    struct binding *dst_b2[] = { mb, db };
    check_kids(dst, dst_b2, 2, dst_kids, 2);

    /* Revoking the moved capability reaches its children and bindings. */
    ck_assert_uint_eq(revoke(dst), 2);
    ck_assert(empty(k1) && empty(k2));
    ck_assert_uint_eq(removals, 3);                 /* mb, db, k1b */
    ck_assert(!mb->bound && !db->bound && !k1b->bound && rb->bound);
    ck_assert(dst->type == CAP_FRAME);              /* revoke keeps the capability itself */
    CHECK_OBJ(o, 4, 1);

    /* Revoking the moved original reaches the moved copies. */
    cap_derive(k1, dst, CAP_R_ALL, 0);
    ck_assert_uint_eq(revoke(root2), 4);            /* x2, dst, y2, k1 */
    ck_assert(empty(x2) && empty(dst) && empty(y2) && empty(k1));
    ck_assert(!rb->bound);
    CHECK_OBJ(o, 1, 0);
    del(root2);
    CHECK_OBJ(o, 0, 0);
    proc_free(p);
    free(bs);
    free(o);
}
END_TEST

START_TEST(test_move_in_headless_ring)
{
    /* An original's copies, once it is deleted, sit in a headless ring;
     * moving one keeps it there. A capability alone stays alone. */
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_ENDPOINT);
    struct cap *orig = &p->caps[1], *c1 = &p->caps[2], *c2 = &p->caps[3], *c3 = &p->caps[4];
    struct cap *d = &p->caps[5], *m2 = &p->caps[10], *m3 = &p->caps[11];
    cap_install(orig, &o->obj, CAP_R_ALL, 0);
    cap_derive(c1, orig, CAP_R_ALL, 0);
    cap_derive(c2, orig, CAP_R_ALL, 0);
    cap_derive(c3, orig, CAP_R_ALL, 0);
    cap_derive(d, c2, CAP_R_ALL, 0);
    del(orig);
    struct cap *ring[] = { c1, c2, c3 };
    check_headless(ring, 3);
    cap_move(m2, c2);
    struct cap *ring2[] = { c1, m2, c3 };
    check_headless(ring2, 3);
    struct cap *m2_kids[] = { d };
    check_kids(m2, NULL, 0, m2_kids, 1);
    del(c1);
    del(c3);
    ck_assert(alone(&m2->sibling));
    cap_move(m3, m2);
    ck_assert(alone(&m3->sibling));
    check_kids(m3, NULL, 0, m2_kids, 1);
    CHECK_OBJ(o, 2, 0);
    ck_assert_uint_eq(revoke(m3), 1);
    del(m3);
    CHECK_OBJ(o, 0, 0);
    proc_free(p);
    free(o);
}
END_TEST

/* --- delete --- */

START_TEST(test_delete_copy_moves_copies_up)
{
    /* root -> [rb | s, a, t], a -> [ab1, ab2 | c1, c2], c1 -> [c1b | d].
     * Deleting a (a copy) removes its bindings and puts c1, c2 in its place. */
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_FRAME);
    struct binding *bs = binds_new(4);
    struct binding *rb = &bs[0], *ab1 = &bs[1], *ab2 = &bs[2], *c1b = &bs[3];
    struct cap *root = &p->caps[1], *s = &p->caps[2], *a = &p->caps[3], *t = &p->caps[4];
    struct cap *c1 = &p->caps[5], *c2 = &p->caps[6], *d = &p->caps[7];
    cap_install(root, &o->obj, CAP_R_ALL, 0);
    cap_derive(s, root, CAP_R_ALL, 0);
    cap_derive(a, root, CAP_R_ALL, 0);
    cap_derive(t, root, CAP_R_ALL, 0);
    cap_derive(c1, a, CAP_R_ALL, 0);
    cap_derive(c2, a, CAP_R_ALL, 0);
    cap_derive(d, c1, CAP_R_ALL, 0);
    bind(rb, root, 1);
    bind(ab1, a, 1);
    bind(ab2, a, 1);
    bind(c1b, c1, 1);
    CHECK_OBJ(o, 7, 4);

    del(a);
    ck_assert(empty(a));
    ck_assert_uint_eq(removals, 2);
    ck_assert(!ab1->bound && !ab2->bound);
    ck_assert_uint_eq(ab1->removed, 1);
    ck_assert_uint_eq(ab2->removed, 1);
    ck_assert(rb->bound && c1b->bound);
    CHECK_OBJ(o, 6, 2);
    ck_assert_uint_eq(windows, 0);
    struct binding *root_b[] = { rb };
    struct cap *root_kids[] = { s, c1, c2, t };
    check_kids(root, root_b, 1, root_kids, 4);      /* in a's place */
    struct binding *c1_b[] = { c1b };
    struct cap *c1_kids[] = { d };
    check_kids(c1, c1_b, 1, c1_kids, 1);            /* grandchildren stay put */

    /* Deleting an empty slot does nothing. */
    del(a);
    CHECK_OBJ(o, 6, 2);
    ck_assert_uint_eq(removals, 2);

    /* A leaf copy. */
    del(t);
    struct cap *root_kids2[] = { s, c1, c2 };
    check_kids(root, root_b, 1, root_kids2, 3);
    CHECK_OBJ(o, 5, 2);

    /* A later revoke of the parent reaches the copies moved up. */
    ck_assert_uint_eq(revoke(root), 4);             /* s, c1, c2, d */
    ck_assert(empty(s) && empty(c1) && empty(c2) && empty(d));
    ck_assert_uint_eq(removals, 4);
    ck_assert(!rb->bound && !c1b->bound);
    CHECK_OBJ(o, 1, 0);
    del(root);
    CHECK_OBJ(o, 0, 0);
    proc_free(p);
    free(bs);
    free(o);
}
END_TEST

START_TEST(test_delete_original_irq_takes_its_binding)
{
    /* An interrupt object's binding (to a notification) has no owner but
     * the capability it was made through: deleting the original takes it
     * along (else the object, its vector and the notification leak). Its
     * copies stay, with their own bindings. */
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_IRQ);
    struct binding *bs = binds_new(2);
    struct cap *orig = &p->caps[1], *c = &p->caps[2];
    cap_install(orig, &o->obj, CAP_R_ALL, 0);
    bind(&bs[0], orig, 1);
    cap_derive(c, orig, CAP_R_ALL, 0);
    bind(&bs[1], c, 1);
    CHECK_OBJ(o, 2, 2);
    del(orig);
    ck_assert(!bs[0].bound);
    ck_assert(bs[1].bound);
    ck_assert_uint_eq(removals, 1);
    CHECK_OBJ(o, 1, 1);
    del(c);
    ck_assert(!bs[1].bound);
    CHECK_OBJ(o, 0, 0);
    free(bs);
    proc_free(p);
    free(o);
}
END_TEST

START_TEST(test_delete_original_keeps_bindings_and_copies)
{
    /* orig -> [b1, b2 | c1, c2], c1 -> [c1b | d], and a root binding rb.
     * Deleting orig leaves b1, b2, c1, c2 alive in a headless ring. */
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_FRAME);
    struct binding *bs = binds_new(6);
    struct binding *b1 = &bs[0], *b2 = &bs[1], *c1b = &bs[2], *rb = &bs[3], *cb = &bs[4];
    struct cap *orig = &p->caps[1], *c1 = &p->caps[2], *c2 = &p->caps[3], *d = &p->caps[4];
    struct cap *e = &p->caps[5];
    cap_install(orig, &o->obj, CAP_R_ALL, 0);
    bind(b1, orig, 1);
    cap_derive(c1, orig, CAP_R_ALL, 0);
    cap_derive(c2, orig, CAP_R_READ, 0);
    bind(b2, orig, 1);
    cap_derive(d, c1, CAP_R_ALL, 0);
    bind(c1b, c1, 1);
    bind_root(rb, &o->obj, CAP_R_READ);
    CHECK_OBJ(o, 4, 4);

    del(orig);
    ck_assert_uint_eq(removals, 0);                 /* the bindings stay */
    ck_assert(b1->bound && b2->bound && c1b->bound);
    CHECK_OBJ(o, 3, 4);
    struct cap *ring[] = { &b1->node, &b2->node, c1, c2 };
    check_headless(ring, 4);
    struct binding *c1_b[] = { c1b };
    struct cap *c1_kids[] = { d };
    check_kids(c1, c1_b, 1, c1_kids, 1);
    ck_assert(alone(&rb->node.sibling));

    /* They work as before: revoke, bind, derive, delete. */
    ck_assert_uint_eq(revoke(c1), 1);
    ck_assert(empty(d) && !c1b->bound);
    ck_assert_uint_eq(removals, 1);
    CHECK_OBJ(o, 2, 3);
    bind(cb, c2, 1);
    cap_derive(e, c2, CAP_R_ALL, 0);
    CHECK_OBJ(o, 3, 4);
    del(c2);                                        /* a copy in a headless ring */
    ck_assert(!cb->bound);
    ck_assert_uint_eq(removals, 2);
    CHECK_OBJ(o, 2, 3);
    struct cap *ring2[] = { &b1->node, &b2->node, c1, e };
    check_headless(ring2, 4);                       /* e took c2's place */

    unbind(b1);                                     /* the owner unmaps */
    struct cap *ring3[] = { &b2->node, c1, e };
    check_headless(ring3, 3);
    CHECK_OBJ(o, 2, 2);
    del(c1);
    del(e);
    CHECK_OBJ(o, 0, 2);                             /* alive through bindings only */
    ck_assert(alone(&b2->node.sibling));
    unbind(b2);
    CHECK_OBJ(o, 0, 1);
    unbind(rb);
    CHECK_OBJ(o, 0, 0);
    ck_assert_uint_eq(removals, 2);

    /* An original with a single copy: the copy is left alone. */
    struct fake_obj *o2 = obj_new(CAP_ENDPOINT);
    cap_install(orig, &o2->obj, CAP_R_ALL, 0);
    cap_derive(c1, orig, CAP_R_ALL, 0);
    del(orig);
    ck_assert(alone(&c1->sibling));
    CHECK_OBJ(o2, 1, 0);
    del(c1);
    CHECK_OBJ(o2, 0, 0);
    proc_free(p);
    free(bs);
    free(o);
    free(o2);
}
END_TEST

START_TEST(test_delete_step_bounded)
{
    /* A copy with many bindings is emptied by bounded steps: each removes at
     * least one binding and at most REAP_BUDGET units; the slot stays full
     * until the last step. */
    enum { NB = 1000 };
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_FRAME);
    struct binding *bs = binds_new(NB);
    struct cap *root = &p->caps[1], *c = &p->caps[2];
    cap_install(root, &o->obj, CAP_R_ALL, 0);
    for (unsigned round = 0; round < 3; round++) {
        cap_derive(c, root, CAP_R_ALL, 0);
        unsigned units = 0;
        for (unsigned i = 0; i < NB; i++) {
            unsigned u = round == 0 ? 1 : round == 1 ? 3 * REAP_BUDGET : 1 + i % 100;
            bind(&bs[i], c, u);
            units += u;
        }
        CHECK_OBJ(o, 2, NB);
        unsigned steps = 0, before = removals;
        for (;;) {
            unsigned r = removals;
            stretch = 0;
            bool done = cap_delete_step(c);
            steps++;
            if (done)
                break;
            CHECK(c->type == CAP_FRAME);
            CHECK(removals > r);                            /* progress */
            CHECK(stretch >= REAP_BUDGET);                  /* not before the budget */
            CHECK(stretch <= REAP_BUDGET + units_max);      /* one binding past it at most */
            CHECK(steps <= NB);
        }
        CHECK(empty(c));
        CHECK_EQ(removals - before, NB);
        CHECK_OBJ(o, 1, 0);
        if (round == 0)
            CHECK_EQ(steps, (NB + REAP_BUDGET - 1) / REAP_BUDGET);
        if (round == 1)
            CHECK_EQ(steps, NB);                            /* one big binding per step */
        check_windows(steps - 1, units);
        for (unsigned i = 0; i < NB; i++)
            CHECK_EQ(bs[i].removed, round + 1);
    }
    /* Done: a step on an empty slot is done at once. */
    ck_assert(cap_delete_step(c));
    del(root);
    CHECK_OBJ(o, 0, 0);
    proc_free(p);
    free(bs);
    free(o);
}
END_TEST

/* --- revoke --- */

START_TEST(test_revoke_subtree_only)
{
    /* root -> [rb | a, s], a -> [ab | a1, a2], a2 -> [a2b1, a2b2 | a21],
     * a21 -> [a21b], s -> [sb | s1]. Revoke a: a1, a2, a21 and the bindings
     * ab, a2b1, a2b2, a21b go; root, a, s, s1, rb, sb stay. */
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_ENDPOINT);
    struct binding *bs = binds_new(9);
    struct binding *rb = &bs[0], *ab = &bs[1], *a2b1 = &bs[2], *a2b2 = &bs[3];
    struct binding *a21b = &bs[4], *sb = &bs[5], *s1b1 = &bs[6], *s1b2 = &bs[7];
    struct cap *root = &p->caps[1], *a = &p->caps[2], *s = &p->caps[3];
    struct cap *a1 = &p->caps[4], *a2 = &p->caps[5], *a21 = &p->caps[6], *s1 = &p->caps[7];
    cap_install(root, &o->obj, CAP_R_ALL, 0x10);
    cap_derive(a, root, CAP_R_ALL, 0);
    cap_derive(s, root, CAP_R_ALL, 0);
    cap_derive(a1, a, CAP_R_ALL, 0);
    cap_derive(a2, a, CAP_R_READ, 0);
    cap_derive(a21, a2, CAP_R_ALL, 0);
    cap_derive(s1, s, CAP_R_ALL, 0);
    bind(rb, root, 1);
    bind(ab, a, 1);
    bind(a2b1, a2, 1);
    bind(a2b2, a2, 1);
    bind(a21b, a21, 1);
    bind(sb, s, 1);
    CHECK_OBJ(o, 7, 6);

    ck_assert_uint_eq(revoke(a), 3);                /* capabilities only */
    ck_assert(empty(a1) && empty(a2) && empty(a21));
    ck_assert_uint_eq(removals, 4);
    ck_assert(!ab->bound && !a2b1->bound && !a2b2->bound && !a21b->bound);
    ck_assert(rb->bound && sb->bound);
    ck_assert(dlist_empty(&a->children));
    ck_assert_uint_eq(a->type, CAP_ENDPOINT);       /* a itself stays, as it was */
    ck_assert_uint_eq(a->rights, CAP_R_ALL);
    ck_assert_uint_eq(a->badge, 0x10);
    CHECK_OBJ(o, 4, 2);
    struct binding *root_b[] = { rb }, *s_b[] = { sb };
    struct cap *root_kids[] = { a, s }, *s_kids[] = { s1 };
    check_kids(root, root_b, 1, root_kids, 2);
    check_kids(s, s_b, 1, s_kids, 1);

    ck_assert_uint_eq(revoke(a), 0);                /* nothing left to revoke */
    ck_assert_uint_eq(revoke(s1), 0);
    ck_assert_uint_eq(removals, 4);
    /* A leaf with only bindings: they go, and no capability is counted. */
    bind(s1b1, s1, 1);
    bind(s1b2, s1, 1);
    ck_assert_uint_eq(revoke(s1), 0);
    ck_assert_uint_eq(removals, 6);
    ck_assert(!s1b1->bound && !s1b2->bound);
    CHECK_OBJ(o, 4, 2);

    ck_assert_uint_eq(revoke(root), 3);             /* a, s, s1 */
    ck_assert_uint_eq(removals, 8);
    CHECK_OBJ(o, 1, 0);
    ck_assert_uint_eq(windows, 0);
    del(root);
    CHECK_OBJ(o, 0, 0);
    proc_free(p);
    free(bs);
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
    del(a);
    struct cap *root_kids[] = { b }, *b_kids[] = { c };
    check_kids(root, NULL, 0, root_kids, 1);
    check_kids(b, NULL, 0, b_kids, 1);
    ck_assert_uint_eq(revoke(root), 2);
    ck_assert(empty(b));
    ck_assert(empty(c));
    CHECK_OBJ(o, 1, 0);
    ck_assert_uint_eq(root->type, CAP_FRAME);       /* revoke keeps the cap itself */
    del(root);
    CHECK_OBJ(o, 0, 0);
    proc_free(p);
    free(o);
}
END_TEST

START_TEST(test_children_order_after_delete_and_revoke)
{
    /* Bindings stay before copies in every ring of children whatever is
     * spliced in: copies of a deleted copy go among its parent's copies,
     * bindings made afterwards at the front, revocations in windows. */
    enum { NC = 200, NB = 120 };
    struct process *p = proc_new();
    struct fake_obj *o = obj_new(CAP_FRAME);
    struct binding *bs = binds_new(NB);
    uint64_t r = 12345;
    cap_install(&p->caps[1], &o->obj, CAP_R_ALL, 0);
    for (unsigned round = 0; round < 20; round++) {
        /* Grow: copies of random live caps, bindings through random ones. */
        for (unsigned i = 2; i < NC; i++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            struct cap *c = &p->caps[i];
            struct cap *src = &p->caps[1 + (r >> 33) % (i - 1)];
            if (c->type == CAP_NULL && src->type != CAP_NULL)
                cap_derive(c, src, CAP_R_ALL, 0);
        }
        for (unsigned j = 0; j < NB; j++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            struct cap *src = &p->caps[1 + (r >> 33) % (NC - 1)];
            if (!bs[j].bound && src->type != CAP_NULL)
                bind(&bs[j], src, 1 + (unsigned)(r >> 20) % 8);
        }
        /* Shrink: delete and revoke, checking every ring after each. */
        for (unsigned k = 0; k < 40; k++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            struct cap *c = &p->caps[2 + (r >> 33) % (NC - 2)];
            if ((r >> 20) % 4 == 0 && c->type != CAP_NULL)
                revoke(c);
            else
                del(c);
            for (unsigned i = 1; i < NC; i++)
                if (p->caps[i].type != CAP_NULL)
                    check_order(&p->caps[i]);
        }
    }
    unsigned nb = 0;
    for (unsigned j = 0; j < NB; j++)
        nb += bs[j].bound;
    unsigned ncaps = 0;
    for (unsigned i = 1; i < NC; i++)
        ncaps += p->caps[i].type != CAP_NULL;
    CHECK_OBJ(o, ncaps, nb);
    CHECK_EQ(revoke(&p->caps[1]), ncaps - 1);
    CHECK_OBJ(o, 1, 0);
    for (unsigned j = 0; j < NB; j++)
        CHECK(!bs[j].bound);
    del(&p->caps[1]);
    CHECK_OBJ(o, 0, 0);
    proc_free(p);
    free(bs);
    free(o);
}
END_TEST

/* --- deep and wide trees (no recursion) --- */

#define BIG 100000u

START_TEST(test_deep_chain)
{
    /* 100,000 copies of copies. Revoke and delete are iterative; a recursive
     * version would need 100,000 frames here. */
    struct cap *caps = calloc(BIG + 1, sizeof *caps);
    struct binding *bs = binds_new(BIG / 1000 + 1);
    CHECK(caps != NULL);
    struct fake_obj *o = obj_new(CAP_ENDPOINT);
    cap_install(&caps[0], &o->obj, CAP_R_ALL, 0);
    for (unsigned i = 1; i <= BIG; i++)
        cap_derive(&caps[i], &caps[i - 1], i % 7 ? CAP_R_ALL : CAP_R_ALL & ~CAP_R_GRANT, i);
    CHECK_OBJ(o, BIG + 1, 0);
    CHECK_EQ(caps[BIG].badge, 1);          /* the first badge sticks */
    CHECK_EQ(caps[BIG].rights, CAP_R_ALL & ~CAP_R_GRANT);
    for (unsigned i = 1; i <= BIG; i++) {
        CHECK(caps[i - 1].children.next == &caps[i].sibling);
        CHECK(caps[i - 1].children.prev == &caps[i].sibling);
    }
    /* A binding through every 1000th. */
    for (unsigned i = 0; i <= BIG; i += 1000)
        bind(&bs[i / 1000], &caps[i], 1);
    unsigned nb = BIG / 1000 + 1;
    CHECK_OBJ(o, BIG + 1, nb);

    /* Delete one in the middle: its binding goes and the chain closes up. */
    cap_delete(&caps[BIG / 2]);
    nb--;
    CHECK(!bs[BIG / 2000].bound);
    CHECK(caps[BIG / 2 - 1].children.next == &caps[BIG / 2 + 1].sibling);
    CHECK_EQ(ring_len(&caps[BIG / 2 - 1].children), 1);
    CHECK_OBJ(o, BIG, nb);

    /* Revoke from a point in the chain (one with a binding made through
     * it): its own binding goes too, and its descendants'. */
    unsigned w = windows;
    CHECK_EQ(revoke(&caps[BIG - 1000]), 1000);
    CHECK(!bs[(BIG - 1000) / 1000].bound);        /* made through the revoked cap */
    CHECK(!bs[BIG / 1000].bound);                 /* through its last descendant */
    CHECK(bs[(BIG - 2000) / 1000].bound);         /* through an ancestor: stays */
    nb -= 2;
    CHECK_OBJ(o, BIG - 1000, nb);
    check_windows(windows - w, 1002);

    /* Then from the root. */
    w = windows;
    unsigned before = removals;
    CHECK_EQ(revoke(&caps[0]), BIG - 1000 - 1);
    CHECK_EQ(removals - before, nb);
    for (unsigned i = 1; i <= BIG; i++)
        CHECK(empty(&caps[i]));
    CHECK_OBJ(o, 1, 0);
    check_windows(windows - w, BIG - 1001 + nb);
    del(&caps[0]);
    CHECK_OBJ(o, 0, 0);

    /* And a deep chain deleted from the root down: each deletion leaves the
     * next copy alone, which must not walk the chain. */
    struct fake_obj *o2 = obj_new(CAP_FRAME);
    cap_install(&caps[0], &o2->obj, CAP_R_ALL, 0);
    for (unsigned i = 1; i <= BIG; i++)
        cap_derive(&caps[i], &caps[i - 1], CAP_R_ALL, 0);
    w = windows;
    for (unsigned i = 0; i <= BIG; i++) {
        CHECK(alone(&caps[i].sibling));
        del(&caps[i]);
        CHECK_OBJ(o2, BIG - i, 0);
    }
    CHECK_EQ(windows, w);                   /* one unit each: no window needed */

    /* And deleted from the leaf up. */
    struct fake_obj *o3 = obj_new(CAP_FRAME);
    cap_install(&caps[0], &o3->obj, CAP_R_ALL, 0);
    for (unsigned i = 1; i <= BIG; i++)
        cap_derive(&caps[i], &caps[i - 1], CAP_R_ALL, 0);
    for (unsigned i = BIG + 1; i-- > 0;) {
        del(&caps[i]);
        CHECK(i == 0 || dlist_empty(&caps[i - 1].children));
        CHECK_OBJ(o3, i, 0);
    }
    free(caps);
    free(bs);
    free(o);
    free(o2);
    free(o3);
}
END_TEST

START_TEST(test_wide_tree)
{
    struct cap *caps = calloc(BIG + 2, sizeof *caps);
    struct binding *bs = binds_new(BIG + 1);
    CHECK(caps != NULL);

    /* 100,000 copies of one copy: deleting it moves them all up to the
     * top, after the top's binding; revoking the top takes them all. */
    struct fake_obj *o = obj_new(CAP_NOTIFICATION);
    struct cap *top = &caps[0], *mid = &caps[1];
    cap_install(top, &o->obj, CAP_R_ALL, 0);
    cap_derive(mid, top, CAP_R_ALL, 0);
    for (unsigned i = 2; i < BIG + 2; i++)
        cap_derive(&caps[i], mid, CAP_R_ALL, 0);
    bind(&bs[BIG], top, 1);
    CHECK_EQ(check_order(mid), BIG);
    del(mid);
    CHECK_OBJ(o, BIG + 1, 1);
    CHECK_EQ(check_order(top), BIG + 1);
    CHECK(top->children.next == &bs[BIG].node.sibling);
    const struct dlist *x = top->children.next->next;
    for (unsigned i = 2; i < BIG + 2; i++, x = x->next)
        CHECK(x == &caps[i].sibling);
    unsigned w = windows;
    CHECK_EQ(revoke(top), BIG);
    CHECK_OBJ(o, 1, 0);
    check_windows(windows - w, BIG + 1);
    del(top);
    CHECK_OBJ(o, 0, 0);

    /* An original with 100,000 copies: deleting it leaves them in one
     * headless ring; they are then deleted one at a time. */
    struct fake_obj *o2 = obj_new(CAP_ENDPOINT);
    cap_install(top, &o2->obj, CAP_R_ALL, 0);
    for (unsigned i = 1; i <= BIG; i++)
        cap_derive(&caps[i], top, CAP_R_ALL, 0);
    del(top);
    CHECK_OBJ(o2, BIG, 0);
    CHECK_EQ(ring_len(&caps[1].sibling), BIG - 1);
    for (unsigned i = BIG; i >= 1; i--) {
        del(&caps[i]);
        CHECK_OBJ(o2, i - 1, 0);
    }

    /* A copy with 100,000 bindings: deleting it removes them all, with an
     * interrupt window about every REAP_BUDGET. */
    struct fake_obj *o3 = obj_new(CAP_FRAME);
    cap_install(top, &o3->obj, CAP_R_ALL, 0);
    cap_derive(mid, top, CAP_R_ALL, 0);
    for (unsigned i = 0; i < BIG; i++)
        bind(&bs[i], mid, 1);
    CHECK_OBJ(o3, 2, BIG);
    w = windows;
    unsigned before = removals;
    del(mid);
    CHECK_EQ(removals - before, BIG);
    CHECK_OBJ(o3, 1, 0);
    check_windows(windows - w, BIG + 1);

    /* The same, taken by a revocation of the top. */
    cap_derive(mid, top, CAP_R_ALL, 0);
    for (unsigned i = 0; i < BIG; i++)
        bind(&bs[i], i % 2 ? mid : top, 1);
    w = windows;
    before = removals;
    CHECK_EQ(revoke(top), 1);
    CHECK_EQ(removals - before, BIG);
    CHECK_OBJ(o3, 1, 0);
    check_windows(windows - w, BIG + 1);

    /* An original with 100,000 bindings: deleting it leaves them, with no
     * work and no window; their owners remove them. */
    for (unsigned i = 0; i < BIG; i++)
        bind(&bs[i], top, 1);
    w = windows;
    before = removals;
    del(top);
    CHECK_EQ(windows, w);
    CHECK_EQ(removals, before);
    CHECK_OBJ(o3, 0, BIG);
    CHECK_EQ(ring_len(&bs[0].node.sibling), BIG - 1);
    for (unsigned i = 0; i < BIG; i++) {
        unbind(&bs[i]);
        CHECK_OBJ(o3, 0, BIG - 1 - i);
    }
    free(caps);
    free(bs);
    free(o);
    free(o2);
    free(o3);
}
END_TEST

START_TEST(test_irq_window_budget)
{
    /* Windows come about every REAP_BUDGET units of work (arch_irq_window
     * checks each stretch), however the work is made up. */
    enum { N = 5000 };
    struct process *p = proc_new();
    struct cap *caps = calloc(N + 2, sizeof *caps);
    struct binding *bs = binds_new(N);
    CHECK(caps != NULL);
    struct fake_obj *o = obj_new(CAP_FRAME);
    struct cap *top = &caps[0];
    cap_install(top, &o->obj, CAP_R_ALL, 0);

    /* Under the budget: no window. */
    for (unsigned i = 1; i < REAP_BUDGET; i++)
        cap_derive(&caps[i], top, CAP_R_ALL, 0);
    unsigned w = windows;
    CHECK_EQ(revoke(top), REAP_BUDGET - 1);
    CHECK_EQ(windows, w);

    /* A wide revocation of capabilities only. */
    for (unsigned i = 1; i <= N; i++)
        cap_derive(&caps[i], top, CAP_R_ALL, 0);
    w = windows;
    CHECK_EQ(revoke(top), N);
    check_windows(windows - w, N);
    CHECK(windows - w >= N / REAP_BUDGET - 1);

    /* Copies each with bindings of mixed sizes, a chain with bindings, and
     * bindings bigger than the budget. */
    for (unsigned shape = 0; shape < 3; shape++) {
        unsigned units = 0, ncaps = 0;
        for (unsigned i = 1; i <= N / 10; i++) {
            struct cap *src = shape == 1 ? &caps[i - 1] : top;
            cap_derive(&caps[i], src, CAP_R_ALL, 0);
            ncaps++;
        }
        for (unsigned j = 0; j < N; j++) {
            unsigned u = shape == 0 ? 1 + j % 7 : shape == 1 ? 1 : 2 * REAP_BUDGET + j % 5;
            bind(&bs[j], &caps[1 + j % (N / 10)], u);
            units += u;
        }
        CHECK_OBJ(o, 1 + ncaps, N);
        w = windows;
        CHECK_EQ(revoke(top), ncaps);
        CHECK_OBJ(o, 1, 0);
        check_windows(windows - w, units + ncaps);
    }

    /* cap_delete of a copy with bindings of one unit: one window per
     * REAP_BUDGET of them. */
    struct cap *c = &p->caps[1];
    cap_derive(c, top, CAP_R_ALL, 0);
    for (unsigned j = 0; j < 10 * REAP_BUDGET + 1; j++)
        bind(&bs[j], c, 1);
    w = windows;
    del(c);
    check_windows(windows - w, 10 * REAP_BUDGET + 2);
    CHECK(windows - w >= 9);
    CHECK_OBJ(o, 1, 0);
    del(top);
    CHECK_OBJ(o, 0, 0);
    proc_free(p);
    free(caps);
    free(bs);
    free(o);
}
END_TEST

/* --- reference counts --- */

START_TEST(test_refs_reach_zero_with_last_cap_and_binding)
{
    /* Caps and bindings to one object over two tables, through install,
     * derive, move, bind and bind_root; the object is destroyed exactly
     * when the last capability and the last binding are gone, in any order. */
    for (unsigned order = 0; order < 5; order++) {
        struct process *p = proc_new(), *q = proc_new();
        struct fake_obj *o = obj_new(CAP_FRAME);
        struct fake_obj *other = obj_new(CAP_NOTIFICATION);
        struct binding *bs = binds_new(4);
        cap_install(&p->caps[1], &o->obj, CAP_R_ALL, 0);
        cap_install(&p->caps[2], &other->obj, CAP_R_ALL, 0);
        cap_derive(&q->caps[1], &p->caps[1], CAP_R_WRITE, 1);
        cap_derive(&q->caps[2], &q->caps[1], CAP_R_WRITE, 0);
        cap_derive(&p->caps[3], &p->caps[1], CAP_R_READ, 2);
        cap_move(&q->caps[3], &p->caps[3]);
        bind(&bs[0], &p->caps[1], 1);       /* through the original */
        bind(&bs[1], &q->caps[1], 1);       /* through a copy */
        bind(&bs[2], &q->caps[2], 1);       /* through a copy of a copy */
        bind_root(&bs[3], &o->obj, CAP_R_READ);
        CHECK_OBJ(o, 4, 4);
        CHECK_OBJ(other, 1, 0);

        struct cap *live[] = { &p->caps[1], &q->caps[1], &q->caps[2], &q->caps[3] };
        switch (order) {
        case 0:     /* capabilities root first, then the bindings left */
            del(live[0]);           /* original: bs[0] stays */
            CHECK_OBJ(o, 3, 4);
            del(live[1]);           /* copy: bs[1] goes */
            CHECK_OBJ(o, 2, 3);
            del(live[2]);
            CHECK_OBJ(o, 1, 2);
            del(live[3]);
            CHECK_OBJ(o, 0, 2);
            unbind(&bs[0]);
            CHECK_OBJ(o, 0, 1);
            unbind(&bs[3]);
            break;
        case 1:     /* leaves first */
            del(live[3]);
            del(live[2]);
            CHECK_OBJ(o, 2, 3);
            del(live[1]);
            CHECK_OBJ(o, 1, 2);
            unbind(&bs[3]);
            CHECK_OBJ(o, 1, 1);
            del(live[0]);
            CHECK_OBJ(o, 0, 1);
            unbind(&bs[0]);
            break;
        case 2:     /* revoke, then the root, then the root binding */
            ck_assert_uint_eq(revoke(live[0]), 3);
            CHECK_OBJ(o, 1, 1);             /* bs[0] too: made through the revoked cap */
            ck_assert(!bs[0].bound && !bs[1].bound && !bs[2].bound);
            del(live[0]);
            CHECK_OBJ(o, 0, 1);
            unbind(&bs[3]);
            break;
        case 3:     /* bindings first, then capabilities in table order */
            for (unsigned i = 0; i < 4; i++)
                unbind(&bs[i]);
            CHECK_OBJ(o, 4, 0);
            for (unsigned i = 1; i <= 3; i++) {
                if (p->caps[i].type == CAP_FRAME)
                    del(&p->caps[i]);
                del(&q->caps[i]);
            }
            break;
        case 4:     /* one table goes, then the other (as a dying process) */
            for (unsigned i = 1; i < SYS_CAP_SLOTS; i++)
                while (!cap_delete_step(&p->caps[i]))
                    ;
            CHECK_OBJ(other, 0, 0);
            CHECK_OBJ(o, 3, 4);             /* the original's binding stays */
            for (unsigned i = 1; i < SYS_CAP_SLOTS; i++)
                del(&q->caps[i]);
            CHECK_OBJ(o, 0, 2);
            unbind(&bs[3]);
            CHECK_OBJ(o, 0, 1);
            unbind(&bs[0]);
            break;
        }
        CHECK_OBJ(o, 0, 0);
        if (order != 4) {
            CHECK_OBJ(other, 1, 0);
            del(&p->caps[2]);
        }
        CHECK_OBJ(other, 0, 0);
        for (unsigned i = 0; i < SYS_CAP_SLOTS; i++) {
            ck_assert(empty(&p->caps[i]));
            ck_assert(empty(&q->caps[i]));
        }
        for (unsigned i = 0; i < 4; i++)
            ck_assert(!bs[i].bound);
        proc_free(p);
        proc_free(q);
        free(bs);
        free(o);
        free(other);
    }
}
END_TEST

/* --- random operations against a model --- */

#define R_PROCS 1
#define R_PER (SYS_CAP_SLOTS - 1)           /* slots 1.. of each table */
#define R_SLOTS (R_PROCS * R_PER)
#define R_BINDS 80
#define R_NODES (R_SLOTS + R_BINDS)
#define R_OBJS 5
#define R_OPS 200000u

enum { K_NONE, K_ORIG, K_COPY, K_BIND };

struct mnode {
    uint8_t kind;
    uint8_t rights;
    int parent;                 /* node index, -1 for none */
    int obj;
    uint64_t badge;
};

static struct process *rproc[R_PROCS];
static struct binding rbind[R_BINDS];
static struct fake_obj robj[R_OBJS];
static struct cap *rcap[R_NODES];      /* node i: a slot, or a binding's node */
static struct mnode mn[R_NODES];
static bool mexpect[R_BINDS];           /* to be removed by binding_remove in this operation */
static unsigned stamp[R_NODES], stamp_gen;
static int kid_first[R_NODES], kid_next[R_NODES], dfs[R_NODES];
static uint64_t rstate;

static unsigned rnd(unsigned n)
{
    rstate = rstate * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(rstate >> 33) % n;
}

static struct cap *rnode(int i)
{
    return rcap[i];
}

/* The node whose link l is; *head: l is its ring of children. */
static int link_node(const struct dlist *l, bool *head)
{
    uintptr_t a = (uintptr_t)l;
    for (int p = 0; p < R_PROCS; p++) {
        uintptr_t base = (uintptr_t)rproc[p]->caps;
        if (a >= base && a < base + SYS_CAP_SLOTS * sizeof(struct cap)) {
            size_t off = (a - base) % sizeof(struct cap), slot = (a - base) / sizeof(struct cap);
            CHECK(slot >= 1);
            *head = off == offsetof(struct cap, children);
            CHECK(*head || off == offsetof(struct cap, sibling));
            return p * R_PER + (int)slot - 1;
        }
    }
    uintptr_t base = (uintptr_t)rbind;
    if (a >= base && a < base + sizeof rbind) {
        size_t off = (a - base) % sizeof(struct binding), i = (a - base) / sizeof(struct binding);
        *head = off == offsetof(struct binding, node) + offsetof(struct cap, children);
        CHECK(*head || off == offsetof(struct binding, node) + offsetof(struct cap, sibling));
        return R_SLOTS + (int)i;
    }
    ck_abort_msg("a ring leads to %p, which is no node's link", (const void *)l);
    return -1;
}

static void m_kill(int i)
{
    mn[i] = (struct mnode){ .kind = K_NONE, .parent = -1, .obj = -1 };
}

/* Everything in the tree against the model. */
static void r_check(void)
{
    unsigned refs[R_OBJS] = { 0 }, ncaps[R_OBJS] = { 0 };
    static unsigned nkids[R_NODES];
    memset(nkids, 0, sizeof nkids);
    for (int i = 0; i < R_NODES; i++) {
        if (mn[i].kind == K_NONE)
            continue;
        refs[mn[i].obj]++;
        ncaps[mn[i].obj] += i < R_SLOTS;
        if (mn[i].parent >= 0)
            nkids[mn[i].parent]++;
    }
    stamp_gen++;
    for (int i = 0; i < R_NODES; i++) {
        const struct cap *c = rnode(i);
        const struct mnode *m = &mn[i];
        if (m->kind == K_NONE) {
            CHECK(empty(c));
            if (i >= R_SLOTS)
                CHECK(!rbind[i - R_SLOTS].bound);
            continue;
        }
        CHECK_EQ(c->obj, &robj[m->obj].obj);
        CHECK_EQ(c->type, robj[m->obj].obj.type);
        CHECK_EQ(c->rights, m->rights);
        CHECK_EQ(c->flags, m->kind == K_ORIG ? 0 : m->kind == K_COPY ? CAPF_COPY : CAPF_BINDING);
        CHECK_EQ(c->badge, m->badge);
        if (m->kind == K_BIND) {
            CHECK(rbind[i - R_SLOTS].bound);
            CHECK(alone(&c->children));
        } else {
            /* The ring of children: exactly the model's, bindings first. */
            const struct dlist *h = &c->children;
            CHECK(h->next->prev == h && h->prev->next == h);
            unsigned n = 0;
            bool copies = false;
            for (const struct dlist *x = h->next; x != h; x = x->next) {
                CHECK(x->next->prev == x && x->prev->next == x);
                bool head;
                int k = link_node(x, &head);
                CHECK(!head);
                CHECK_EQ(mn[k].parent, i);
                if (mn[k].kind == K_BIND) {
                    if (copies)
                        ck_abort_msg("a binding after a copy in a ring of children");
                } else {
                    CHECK_EQ(mn[k].kind, K_COPY);
                    copies = true;
                }
                CHECK(++n <= R_NODES);
            }
            CHECK_EQ(n, nkids[i]);
        }
        /* A node under no parent: in a headless ring of such nodes. */
        if (m->parent < 0 && stamp[i] != stamp_gen) {
            const struct dlist *x = &c->sibling;
            unsigned n = 0;
            do {
                CHECK(x->next->prev == x && x->prev->next == x);
                bool head;
                int k = link_node(x, &head);
                CHECK(!head);
                CHECK(mn[k].kind != K_NONE);
                CHECK(mn[k].parent < 0);
                CHECK(stamp[k] != stamp_gen);
                stamp[k] = stamp_gen;
                x = x->next;
                CHECK(++n <= R_NODES);
            } while (x != &c->sibling);
        }
    }
    for (int k = 0; k < R_OBJS; k++) {
        CHECK_EQ(robj[k].obj.refs, refs[k]);
        CHECK_EQ(robj[k].obj.ncaps, ncaps[k]);
        CHECK_EQ(robj[k].destroyed, refs[k] == 0);
    }
}

/* A random slot that is live (want) or empty (!want), or -1. */
static int r_slot(bool want)
{
    for (int t = 0; t < 16; t++) {
        int a = (int)rnd(R_SLOTS);
        if ((mn[a].kind != K_NONE) == want)
            return a;
    }
    return -1;
}

static int r_binding(bool want)
{
    for (int t = 0; t < 8; t++) {
        int j = (int)rnd(R_BINDS);
        if ((mn[R_SLOTS + j].kind != K_NONE) == want)
            return j;
    }
    return -1;
}

/* Marks a's descendants (not a) dead in the model; returns how many are
 * capabilities, and records the bindings among them as expected removals. */
static unsigned m_revoke(int a)
{
    for (int i = 0; i < R_NODES; i++)
        kid_first[i] = -1;
    for (int i = 0; i < R_NODES; i++)
        if (mn[i].kind != K_NONE && mn[i].parent >= 0) {
            kid_next[i] = kid_first[mn[i].parent];
            kid_first[mn[i].parent] = i;
        }
    unsigned n = 0, top = 0;
    for (int k = kid_first[a]; k >= 0; k = kid_next[k])
        dfs[top++] = k;
    while (top > 0) {
        int x = dfs[--top];
        for (int k = kid_first[x]; k >= 0; k = kid_next[k])
            dfs[top++] = k;
        if (mn[x].kind == K_BIND)
            mexpect[x - R_SLOTS] = true;
        else
            n++;
        m_kill(x);
    }
    return n;
}

static void m_delete(int a)
{
    bool copy = mn[a].kind == K_COPY;
    int up = mn[a].parent;
    for (int i = 0; i < R_NODES; i++) {
        if (mn[i].kind == K_NONE || mn[i].parent != a)
            continue;
        if (!copy)
            mn[i].parent = -1;          /* an original's children: under nothing */
        else if (mn[i].kind == K_BIND) {
            mexpect[i - R_SLOTS] = true;    /* a copy's bindings go with it */
            m_kill(i);
        } else
            mn[i].parent = up;          /* its copies move up */
    }
    m_kill(a);
}

/* One random operation; false if it found nothing to do. */
static bool r_step(void)
{
    unsigned op = rnd(100);
    if (op < 4) {               /* install an original */
        int a = r_slot(false);
        if (a < 0)
            return false;
        int k = (int)rnd(R_OBJS);
        struct fake_obj *f = &robj[k];
        if (f->destroyed) {     /* a new object, as obj_alloc gives it */
            memset(f, 0, sizeof *f);
            f->obj.type = (uint8_t)(1 + k % (CAP_TYPE_COUNT - 1));
            f->obj.refs = 1;
        } else {
            obj_get(&f->obj);   /* another creator reference */
        }
        unsigned rights = rnd(32);
        uint64_t badge = rnd(3);
        cap_install(rnode(a), &f->obj, rights, badge);
        mn[a] = (struct mnode){ K_ORIG, (uint8_t)(rights & CAP_R_MASK), -1, k, badge };
    } else if (op < 26) {       /* derive b from a */
        int a = r_slot(true), b = r_slot(false);
        if (a < 0 || b < 0)
            return false;
        unsigned rights = rnd(32);
        uint64_t badge = rnd(4);
        cap_derive(rnode(b), rnode(a), rights, badge);
        mn[b] = (struct mnode){ K_COPY, (uint8_t)(mn[a].rights & rights & CAP_R_MASK), a,
                                mn[a].obj, mn[a].badge ? mn[a].badge : badge };
    } else if (op < 32) {       /* move a to b */
        int a = r_slot(true), b = r_slot(false);
        if (a < 0 || b < 0)
            return false;
        cap_move(rnode(b), rnode(a));
        mn[b] = mn[a];
        for (int i = 0; i < R_NODES; i++)
            if (mn[i].kind != K_NONE && mn[i].parent == a)
                mn[i].parent = b;
        m_kill(a);
    } else if (op < 54) {       /* delete a capability (now and then an empty slot: no-op) */
        int a = rnd(16) ? r_slot(true) : (int)rnd(R_SLOTS);
        if (a < 0)
            return false;
        if (mn[a].kind != K_NONE)
            m_delete(a);
        if (rnd(4) == 0) {      /* as the reaper does it */
            stretch = 0;
            while (!cap_delete_step(rnode(a)))
                arch_irq_window();
            CHECK(empty(rnode(a)));
        } else {
            del(rnode(a));
        }
    } else if (op < 58) {       /* revoke */
        int a = r_slot(true);
        if (a < 0)
            return false;
        unsigned want = m_revoke(a);
        CHECK_EQ(revoke(rnode(a)), want);
    } else if (op < 75) {       /* bind through a */
        int a = r_slot(true), j = r_binding(false);
        if (a < 0 || j < 0)
            return false;
        bind(&rbind[j], rnode(a), rnd(6) == 0 ? 1 + rnd(3 * REAP_BUDGET) : 1 + rnd(3));
        mn[R_SLOTS + j] = (struct mnode){ K_BIND, mn[a].rights, a, mn[a].obj, mn[a].badge };
    } else if (op < 78) {       /* a root binding */
        int k = (int)rnd(R_OBJS), j = r_binding(false);
        if (robj[k].destroyed || j < 0)
            return false;
        unsigned rights = rnd(16);
        bind_root(&rbind[j], &robj[k].obj, rights);
        mn[R_SLOTS + j] = (struct mnode){ K_BIND, (uint8_t)rights, -1, k, 0 };
    } else if (op < 88) {       /* the owner removes a binding */
        int j = r_binding(true);
        if (j < 0)
            return false;
        unbind(&rbind[j]);
        m_kill(R_SLOTS + j);
    } else {                    /* a lookup */
        int p = (int)rnd(R_PROCS);
        uint64_t slot = rnd(SYS_CAP_SLOTS + 2);
        unsigned type = rnd(CAP_TYPE_COUNT), rights = rnd(16);
        struct cap *out = NULL;
        int rc = cap_lookup(rproc[p], slot, type, rights, &out);
        int want;
        const struct mnode *m = slot >= 1 && slot < SYS_CAP_SLOTS
                                    ? &mn[p * R_PER + (int)slot - 1] : NULL;
        if (!m)
            want = SYS_ERANGE;
        else if (m->kind == K_NONE ||
                 (type != CAP_NULL && robj[m->obj].obj.type != type))
            want = SYS_ENOCAP;
        else if ((m->rights & rights) != rights)
            want = SYS_ERIGHTS;
        else
            want = SYS_OK;
        CHECK_EQ(rc, want);
        CHECK(rc == SYS_OK ? out == &rproc[p]->caps[slot] : out == NULL);
    }
    return true;
}

START_TEST(test_random_against_model)
{
    memset(rbind, 0, sizeof rbind);
    memset(robj, 0, sizeof robj);
    memset(stamp, 0, sizeof stamp);
    stamp_gen = 0;
    for (int k = 0; k < R_OBJS; k++)
        robj[k].destroyed = true;       /* none yet */
    for (int p = 0; p < R_PROCS; p++)
        rproc[p] = proc_new();
    for (int i = 0; i < R_NODES; i++)
        rcap[i] = i < R_SLOTS ? &rproc[i / R_PER]->caps[1 + i % R_PER] : &rbind[i - R_SLOTS].node;
    for (int i = 0; i < R_NODES; i++)
        m_kill(i);
    rstate = 0xcafe0000u + (uint64_t)_i;
    unsigned done = 0, tries = 0, nwin = windows, nrem = removals;
    while (done < R_OPS) {
        CHECK(++tries < 4 * R_OPS);
        memset(mexpect, 0, sizeof mexpect);
        for (int j = 0; j < R_BINDS; j++)
            rbind[j].removed = 0;
        unsigned before = removals;
        stretch = 0;
        if (!r_step())
            continue;
        done++;
        /* Exactly the bindings the model removed went through binding_remove. */
        unsigned want = 0;
        for (int j = 0; j < R_BINDS; j++) {
            CHECK_EQ(rbind[j].removed, mexpect[j]);
            want += mexpect[j];
        }
        CHECK_EQ(removals - before, want);
        r_check();
    }
    /* Windows happened (big bindings went with copies), and the tree was
     * busy. */
    CHECK(windows > nwin);
    CHECK(removals - nrem > 1000);
    /* Empty everything: every object goes. */
    for (int i = 0; i < R_SLOTS; i++)
        del(rnode(i));
    for (int j = 0; j < R_BINDS; j++)
        if (rbind[j].bound)
            unbind(&rbind[j]);
    for (int k = 0; k < R_OBJS; k++) {
        CHECK_EQ(robj[k].obj.refs, 0);
        CHECK_EQ(robj[k].obj.ncaps, 0);
        CHECK(robj[k].destroyed);
    }
    for (int p = 0; p < R_PROCS; p++)
        proc_free(rproc[p]);
}
END_TEST

Suite *cap_suite(void)
{
    Suite *s = suite_create("cap");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, reset_counters, NULL);
    tcase_add_test(tc, test_table_init);
    tcase_add_test(tc, test_lookup_errors);
    tcase_add_test(tc, test_empty_slot);
    tcase_add_test(tc, test_install_takes_over_reference);
    tcase_add_test(tc, test_derive_rights_and_badges);
    tcase_add_test(tc, test_bindings_front_copies_back);
    tcase_add_test(tc, test_move_keeps_tree);
    tcase_add_test(tc, test_move_in_headless_ring);
    tcase_add_test(tc, test_delete_copy_moves_copies_up);
    tcase_add_test(tc, test_delete_original_keeps_bindings_and_copies);
    tcase_add_test(tc, test_delete_original_irq_takes_its_binding);
    tcase_add_test(tc, test_delete_step_bounded);
    tcase_add_test(tc, test_revoke_subtree_only);
    tcase_add_test(tc, test_revoke_after_middle_delete);
    tcase_add_test(tc, test_children_order_after_delete_and_revoke);
    tcase_add_test(tc, test_deep_chain);
    tcase_add_test(tc, test_wide_tree);
    tcase_add_test(tc, test_irq_window_budget);
    tcase_add_test(tc, test_refs_reach_zero_with_last_cap_and_binding);
    tcase_add_loop_test(tc, test_random_against_model, 0, 2);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}
