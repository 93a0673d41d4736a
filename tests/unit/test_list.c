/* Tests for kernel/include/list.h: container_of, init/empty, insertion
 * before and after (at a head, the first, the last and a middle element),
 * removal (of the first, the last, a middle and the only element), headless
 * rings of peers, replacing a link with the elements of a list (headed, and
 * with n alone so the elements close on themselves), moving a list's head
 * and replacing a link in place. Every check walks the whole ring both ways
 * and requires next->prev and prev->next to lead back to each link. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "list.h"
#include "suites.h"

/* The link deliberately not first, so a wrong offset shows. */
struct elem {
    uint64_t before[3];
    struct dlist link;
    unsigned id;
};

#define NELEMS 16
static struct elem elems[NELEMS];

static void elems_reset(void)
{
    memset(elems, 0, sizeof elems);
    for (unsigned i = 0; i < NELEMS; i++) {
        elems[i].id = i;
        dlist_init(&elems[i].link);
    }
}

static struct dlist *L(unsigned i)
{
    return &elems[i].link;
}

/* The ring through start is exactly start, want[0], ..., want[n - 1] in that
 * order, with every next->prev and prev->next leading back. */
static void check_ring(const struct dlist *start, const unsigned *want, unsigned n)
{
    const struct dlist *l = start;
    for (unsigned i = 0; i <= n; i++) {
        CHECK(l->next->prev == l);
        CHECK(l->prev->next == l);
        const struct dlist *expect = i < n ? L(want[i]) : start;
        CHECK_EQ(l->next, expect);
        l = l->next;
    }
    CHECK(l == start);
    /* And backwards. */
    for (unsigned i = n; i-- > 0;) {
        l = l->prev;
        CHECK_EQ(l, L(want[i]));
    }
    CHECK_EQ(l->prev, start);
}

/* head heads a list of exactly want[0..n). */
static void check_list(const struct dlist *head, const unsigned *want, unsigned n)
{
    check_ring(head, want, n);
    CHECK_EQ(dlist_empty(head), n == 0);
}

/* A headless ring of exactly want[0..n) (n >= 1), starting anywhere. */
static void check_headless(const unsigned *want, unsigned n)
{
    check_ring(L(want[0]), want + 1, n - 1);
}

static void check_alone(const struct dlist *l)
{
    CHECK(l->next == l);
    CHECK(l->prev == l);
    CHECK(dlist_empty(l));
}

/* The bytes around the links were not touched. */
static void check_untouched(void)
{
    for (unsigned i = 0; i < NELEMS; i++) {
        CHECK_EQ(elems[i].id, i);
        for (unsigned w = 0; w < 3; w++)
            CHECK_EQ(elems[i].before[w], 0);
    }
}

START_TEST(test_container_of)
{
    elems_reset();
    for (unsigned i = 0; i < NELEMS; i++) {
        struct elem *e = container_of(L(i), struct elem, link);
        ck_assert_ptr_eq(e, &elems[i]);
        ck_assert_uint_eq(e->id, i);
    }
    /* A member at offset 0, and one inside a nested struct. */
    struct outer {
        struct dlist first;
        struct {
            int x;
            struct dlist deep;
        } inner;
    } o;
    ck_assert_ptr_eq(container_of(&o.first, struct outer, first), &o);
    ck_assert_ptr_eq(container_of(&o.inner.deep, struct outer, inner.deep), &o);
}
END_TEST

START_TEST(test_init_empty)
{
    struct dlist h;
    memset(&h, 0xa5, sizeof h);
    dlist_init(&h);
    ck_assert_ptr_eq(h.next, &h);
    ck_assert_ptr_eq(h.prev, &h);
    ck_assert(dlist_empty(&h));
    check_list(&h, NULL, 0);
    elems_reset();
    dlist_insert_after(&h, L(0));
    ck_assert(!dlist_empty(&h));
    ck_assert(!dlist_empty(L(0)));     /* not alone any more either */
    dlist_remove(L(0));
    ck_assert(dlist_empty(&h));
}
END_TEST

START_TEST(test_insert_after)
{
    elems_reset();
    struct dlist h;
    dlist_init(&h);
    dlist_insert_after(&h, L(0));               /* into an empty list */
    check_list(&h, (unsigned[]){ 0 }, 1);
    dlist_insert_after(&h, L(1));               /* at a head: the front */
    check_list(&h, (unsigned[]){ 1, 0 }, 2);
    dlist_insert_after(L(0), L(2));             /* after the last */
    check_list(&h, (unsigned[]){ 1, 0, 2 }, 3);
    dlist_insert_after(L(1), L(3));             /* after the first */
    check_list(&h, (unsigned[]){ 1, 3, 0, 2 }, 4);
    dlist_insert_after(L(3), L(4));             /* after a middle one */
    check_list(&h, (unsigned[]){ 1, 3, 4, 0, 2 }, 5);
    check_untouched();
}
END_TEST

START_TEST(test_insert_before)
{
    elems_reset();
    struct dlist h;
    dlist_init(&h);
    dlist_insert_before(&h, L(0));              /* into an empty list */
    check_list(&h, (unsigned[]){ 0 }, 1);
    dlist_insert_before(&h, L(1));              /* at a head: the tail */
    check_list(&h, (unsigned[]){ 0, 1 }, 2);
    dlist_insert_before(L(0), L(2));            /* before the first */
    check_list(&h, (unsigned[]){ 2, 0, 1 }, 3);
    dlist_insert_before(L(1), L(3));            /* before the last */
    check_list(&h, (unsigned[]){ 2, 0, 3, 1 }, 4);
    dlist_insert_before(L(0), L(4));            /* before a middle one */
    check_list(&h, (unsigned[]){ 2, 4, 0, 3, 1 }, 5);
    /* Pushing at the tail keeps the order of pushes. */
    struct dlist q;
    dlist_init(&q);
    for (unsigned i = 5; i < 10; i++)
        dlist_insert_before(&q, L(i));
    check_list(&q, (unsigned[]){ 5, 6, 7, 8, 9 }, 5);
    check_untouched();
}
END_TEST

START_TEST(test_remove)
{
    elems_reset();
    struct dlist h;
    dlist_init(&h);
    for (unsigned i = 0; i < 5; i++)
        dlist_insert_before(&h, L(i));
    dlist_remove(L(0));                         /* the first */
    check_alone(L(0));
    check_list(&h, (unsigned[]){ 1, 2, 3, 4 }, 4);
    dlist_remove(L(4));                         /* the last */
    check_alone(L(4));
    check_list(&h, (unsigned[]){ 1, 2, 3 }, 3);
    dlist_remove(L(2));                         /* a middle one */
    check_alone(L(2));
    check_list(&h, (unsigned[]){ 1, 3 }, 2);
    /* A removed link can go back in, anywhere. */
    dlist_insert_after(L(1), L(2));
    check_list(&h, (unsigned[]){ 1, 2, 3 }, 3);
    dlist_remove(L(1));
    dlist_remove(L(3));
    check_list(&h, (unsigned[]){ 2 }, 1);
    dlist_remove(L(2));                         /* the only one */
    check_alone(L(2));
    check_list(&h, NULL, 0);
    /* Removing a link alone in its ring changes nothing. */
    dlist_remove(L(2));
    check_alone(L(2));
    check_untouched();
}
END_TEST

START_TEST(test_headless_ring)
{
    /* Peers in a ring of their own, no head: built from one alone link. */
    elems_reset();
    dlist_insert_after(L(0), L(1));
    check_headless((unsigned[]){ 0, 1 }, 2);
    check_headless((unsigned[]){ 1, 0 }, 2);
    dlist_insert_before(L(0), L(2));
    check_headless((unsigned[]){ 0, 1, 2 }, 3);
    dlist_insert_after(L(0), L(3));
    check_headless((unsigned[]){ 0, 3, 1, 2 }, 4);
    check_headless((unsigned[]){ 2, 0, 3, 1 }, 4);
    dlist_remove(L(0));
    check_alone(L(0));
    check_headless((unsigned[]){ 3, 1, 2 }, 3);
    dlist_remove(L(1));
    dlist_remove(L(2));
    check_alone(L(3));                          /* the last peer is alone again */
    check_untouched();
}
END_TEST

/* A headed list a of a[0..na) around n at position pos, and a list b of
 * b[0..nb): n is replaced by b's elements. */
static void replace_headed_case(unsigned na, unsigned pos, unsigned nb)
{
    elems_reset();
    struct dlist ha, hb;
    dlist_init(&ha);
    dlist_init(&hb);
    unsigned ids[NELEMS], want[NELEMS], w = 0;
    const unsigned n = 0;
    unsigned next_id = 1;
    for (unsigned i = 0; i < na; i++)
        ids[i] = i == pos ? n : next_id++;
    for (unsigned i = 0; i < na; i++)
        dlist_insert_before(&ha, L(ids[i]));
    unsigned b0 = next_id;
    for (unsigned i = 0; i < nb; i++)
        dlist_insert_before(&hb, L(b0 + i));
    for (unsigned i = 0; i < na; i++) {
        if (i == pos)
            for (unsigned j = 0; j < nb; j++)
                want[w++] = b0 + j;
        else
            want[w++] = ids[i];
    }
    dlist_replace_with_elements(L(n), &hb);
    check_list(&ha, want, w);
    check_list(&hb, NULL, 0);
    check_alone(L(n));
    check_untouched();
}

START_TEST(test_replace_with_elements_headed)
{
    /* n the first, the last, a middle and the only element; b with 0, 1 and
     * several elements. */
    for (unsigned nb = 0; nb <= 3; nb++) {
        replace_headed_case(1, 0, nb);
        replace_headed_case(4, 0, nb);
        replace_headed_case(4, 3, nb);
        replace_headed_case(4, 2, nb);
    }
}
END_TEST

START_TEST(test_replace_with_elements_in_headless_ring)
{
    /* n among peers, no head: the elements join the peers' ring. */
    elems_reset();
    struct dlist hb;
    dlist_init(&hb);
    dlist_insert_after(L(1), L(0));             /* ring 1, 0, 2 */
    dlist_insert_after(L(0), L(2));
    for (unsigned i = 5; i < 8; i++)
        dlist_insert_before(&hb, L(i));
    dlist_replace_with_elements(L(0), &hb);
    check_headless((unsigned[]){ 1, 5, 6, 7, 2 }, 5);
    check_list(&hb, NULL, 0);
    check_alone(L(0));

    /* n with a single peer. */
    elems_reset();
    dlist_init(&hb);
    dlist_insert_after(L(1), L(0));
    dlist_insert_before(&hb, L(5));
    dlist_replace_with_elements(L(0), &hb);
    check_headless((unsigned[]){ 1, 5 }, 2);
    check_list(&hb, NULL, 0);
    check_alone(L(0));
    check_untouched();
}
END_TEST

START_TEST(test_replace_with_elements_alone)
{
    /* n alone: the elements form a headless ring of their own. */
    for (unsigned nb = 0; nb <= 4; nb++) {
        elems_reset();
        struct dlist hb;
        dlist_init(&hb);
        unsigned want[4];
        for (unsigned i = 0; i < nb; i++) {
            dlist_insert_before(&hb, L(1 + i));
            want[i] = 1 + i;
        }
        dlist_replace_with_elements(L(0), &hb);
        check_alone(L(0));
        check_list(&hb, NULL, 0);
        if (nb == 1)
            check_alone(L(1));
        if (nb > 0) {
            check_headless(want, nb);
            /* The head is in nobody's ring any more. */
            for (unsigned i = 0; i < nb; i++) {
                CHECK(L(want[i])->next != &hb);
                CHECK(L(want[i])->prev != &hb);
            }
        }
        check_untouched();
    }
}
END_TEST

START_TEST(test_move_head)
{
    for (unsigned n = 0; n <= 4; n++) {
        elems_reset();
        struct dlist oldh, newh;
        dlist_init(&oldh);
        unsigned want[5];
        for (unsigned i = 0; i < n; i++) {
            dlist_insert_before(&oldh, L(i));
            want[i] = i;
        }
        memset(&newh, 0xa5, sizeof newh);       /* whatever was there is overwritten */
        dlist_move_head(&newh, &oldh);
        check_list(&newh, want, n);
        check_list(&oldh, NULL, 0);
        for (unsigned i = 0; i < n; i++) {
            CHECK(L(i)->next != &oldh);
            CHECK(L(i)->prev != &oldh);
        }
        /* The new head works as a head. */
        dlist_insert_before(&newh, L(10));
        want[n] = 10;
        check_list(&newh, want, n + 1);
        check_untouched();
    }
}
END_TEST

START_TEST(test_replace)
{
    /* old the first, a middle one, the last and the only element of a list. */
    static const struct {
        unsigned n, pos;
    } cases[] = { { 4, 0 }, { 4, 1 }, { 4, 3 }, { 1, 0 } };
    for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        elems_reset();
        struct dlist h;
        dlist_init(&h);
        unsigned want[4];
        for (unsigned i = 0; i < cases[c].n; i++) {
            dlist_insert_before(&h, L(i));
            want[i] = i;
        }
        unsigned old = cases[c].pos;
        memset(L(10), 0xa5, sizeof(struct dlist));   /* overwritten */
        dlist_replace(L(old), L(10));
        want[old] = 10;
        check_list(&h, want, cases[c].n);
        check_alone(L(old));
        check_untouched();
    }

    /* In a headless ring of two and of three. */
    elems_reset();
    dlist_insert_after(L(0), L(1));
    dlist_replace(L(0), L(2));
    check_headless((unsigned[]){ 2, 1 }, 2);
    check_alone(L(0));
    dlist_insert_after(L(1), L(3));
    dlist_replace(L(1), L(4));
    check_headless((unsigned[]){ 2, 4, 3 }, 3);
    check_alone(L(1));

    /* old alone: n is left alone as well. */
    elems_reset();
    memset(L(1), 0xa5, sizeof(struct dlist));
    dlist_replace(L(0), L(1));
    check_alone(L(0));
    check_alone(L(1));

    /* A head is a link too: replacing it moves the list. */
    elems_reset();
    struct dlist h1, h2;
    dlist_init(&h1);
    for (unsigned i = 0; i < 3; i++)
        dlist_insert_before(&h1, L(i));
    dlist_replace(&h1, &h2);
    check_list(&h2, (unsigned[]){ 0, 1, 2 }, 3);
    check_list(&h1, NULL, 0);
    check_untouched();
}
END_TEST

Suite *list_suite(void)
{
    Suite *s = suite_create("list");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_container_of);
    tcase_add_test(tc, test_init_empty);
    tcase_add_test(tc, test_insert_after);
    tcase_add_test(tc, test_insert_before);
    tcase_add_test(tc, test_remove);
    tcase_add_test(tc, test_headless_ring);
    tcase_add_test(tc, test_replace_with_elements_headed);
    tcase_add_test(tc, test_replace_with_elements_in_headless_ring);
    tcase_add_test(tc, test_replace_with_elements_alone);
    tcase_add_test(tc, test_move_head);
    tcase_add_test(tc, test_replace);
    suite_add_tcase(s, tc);
    return s;
}
