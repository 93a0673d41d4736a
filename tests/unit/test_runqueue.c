/* Tests for kernel/lib/runqueue.c: FIFO order, removal from anywhere,
 * priority selection through the bitmap, the count, the struct thread /
 * struct tqueue views the kernel and syscall.S use, and random operations
 * checked against a simple model. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "obj/endpoint.h"
#include "obj/thread.h"
#include "runqueue.h"
#include "suites.h"

/* The link deliberately not first, so a wrong offset shows. */
struct item {
    uint64_t before[3];
    struct rq_link link;
    unsigned id;
    unsigned prio;
    bool queued;
};
#define LINK offsetof(struct item, link)

#define NITEMS 64
static struct item items[NITEMS];

static void items_reset(void)
{
    memset(items, 0, sizeof items);
    for (unsigned i = 0; i < NITEMS; i++)
        items[i].id = i;
}

/* q holds exactly want[0..n) in that order, with consistent links both ways. */
static void check_fifo(const struct rq_fifo *q, struct item *const *want, unsigned n)
{
    if (n == 0) {
        CHECK(q->head == NULL);
        CHECK(q->tail == NULL);
        return;
    }
    CHECK_EQ(q->head, want[0]);
    CHECK_EQ(q->tail, want[n - 1]);
    for (unsigned i = 0; i < n; i++) {
        CHECK_EQ(want[i]->link.prev, i > 0 ? want[i - 1] : NULL);
        CHECK_EQ(want[i]->link.next, i + 1 < n ? want[i + 1] : NULL);
    }
}

static void check_unlinked(const struct item *it)
{
    CHECK(it->link.next == NULL);
    CHECK(it->link.prev == NULL);
}

START_TEST(test_fifo_order)
{
    items_reset();
    struct rq_fifo q = { NULL, NULL };
    check_fifo(&q, NULL, 0);
    struct item *want[5];
    for (unsigned i = 0; i < 5; i++) {
        want[i] = &items[i];
        rq_fifo_push(&q, LINK, &items[i]);
        check_fifo(&q, want, i + 1);
    }
    /* Taking from the head gives the push order. */
    for (unsigned i = 0; i < 5; i++) {
        struct item *h = q.head;
        ck_assert_uint_eq(h->id, i);
        rq_fifo_remove(&q, LINK, h);
        check_unlinked(h);
        check_fifo(&q, want + i + 1, 4 - i);
    }
    /* The bytes around the link are not touched. */
    for (unsigned i = 0; i < 5; i++)
        for (unsigned w = 0; w < 3; w++)
            ck_assert_uint_eq(items[i].before[w], 0);
}
END_TEST

START_TEST(test_fifo_remove_anywhere)
{
    /* A queue of 0..4; remove the head, a middle one, the tail, then the rest. */
    items_reset();
    struct rq_fifo q = { NULL, NULL };
    for (unsigned i = 0; i < 5; i++)
        rq_fifo_push(&q, LINK, &items[i]);

    rq_fifo_remove(&q, LINK, &items[0]);       /* head */
    check_unlinked(&items[0]);
    struct item *a[] = { &items[1], &items[2], &items[3], &items[4] };
    check_fifo(&q, a, 4);

    rq_fifo_remove(&q, LINK, &items[3]);       /* middle */
    check_unlinked(&items[3]);
    struct item *b[] = { &items[1], &items[2], &items[4] };
    check_fifo(&q, b, 3);

    rq_fifo_remove(&q, LINK, &items[4]);       /* tail */
    check_unlinked(&items[4]);
    struct item *c[] = { &items[1], &items[2] };
    check_fifo(&q, c, 2);

    /* A removed element can be queued again, at the tail. */
    rq_fifo_push(&q, LINK, &items[0]);
    struct item *d[] = { &items[1], &items[2], &items[0] };
    check_fifo(&q, d, 3);

    rq_fifo_remove(&q, LINK, &items[2]);
    rq_fifo_remove(&q, LINK, &items[1]);
    struct item *e[] = { &items[0] };
    check_fifo(&q, e, 1);
    rq_fifo_remove(&q, LINK, &items[0]);       /* the only one */
    check_fifo(&q, NULL, 0);
    check_unlinked(&items[0]);
}
END_TEST

/* Two FIFOs over the same elements through different links do not mix. */
struct two_links {
    struct rq_link a;
    int pad;
    struct rq_link b;
};

START_TEST(test_fifo_two_links)
{
    struct two_links t[3];
    memset(t, 0, sizeof t);
    struct rq_fifo qa = { NULL, NULL }, qb = { NULL, NULL };
    for (int i = 0; i < 3; i++) {
        rq_fifo_push(&qa, offsetof(struct two_links, a), &t[i]);
        rq_fifo_push(&qb, offsetof(struct two_links, b), &t[2 - i]);
    }
    ck_assert_ptr_eq(qa.head, &t[0]);
    ck_assert_ptr_eq(qb.head, &t[2]);
    rq_fifo_remove(&qa, offsetof(struct two_links, a), &t[1]);
    ck_assert_ptr_eq(t[0].a.next, &t[2]);
    ck_assert_ptr_eq(t[2].a.prev, &t[0]);
    ck_assert_ptr_eq(t[2].b.next, &t[1]);
    ck_assert_ptr_eq(t[1].b.next, &t[0]);
    ck_assert_ptr_eq(qb.tail, &t[0]);
}
END_TEST

/* The kernel's view: struct tqueue and thread.qnext/qprev overlay the
 * runqueue.h FIFO and link, as syscall.S expects (head/tail and qnext/qprev
 * pointing at threads). */
static struct thread threads[3];

START_TEST(test_thread_views)
{
    memset(threads, 0, sizeof threads);
    struct tqueue q;
    memset(&q, 0, sizeof q);
    ck_assert_uint_eq(offsetof(struct tqueue, head), offsetof(struct tqueue, fifo.head));
    ck_assert_uint_eq(offsetof(struct tqueue, tail), offsetof(struct tqueue, fifo.tail));
    ck_assert_uint_eq(offsetof(struct thread, qnext), offsetof(struct thread, qlink.next));
    ck_assert_uint_eq(offsetof(struct thread, qprev), offsetof(struct thread, qlink.prev));
    ck_assert_uint_eq(sizeof(struct tqueue), 2 * sizeof(void *));
    for (int i = 0; i < 3; i++)
        rq_fifo_push(&q.fifo, offsetof(struct thread, qlink), &threads[i]);
    ck_assert_ptr_eq(q.head, &threads[0]);
    ck_assert_ptr_eq(q.tail, &threads[2]);
    ck_assert_ptr_eq(threads[0].qnext, &threads[1]);
    ck_assert_ptr_eq(threads[1].qnext, &threads[2]);
    ck_assert_ptr_null(threads[2].qnext);
    ck_assert_ptr_eq(threads[2].qprev, &threads[1]);
    ck_assert_ptr_null(threads[0].qprev);
    rq_fifo_remove(&q.fifo, offsetof(struct thread, qlink), &threads[1]);
    ck_assert_ptr_eq(threads[0].qnext, &threads[2]);
    ck_assert_ptr_eq(threads[2].qprev, &threads[0]);
    ck_assert_ptr_null(threads[1].qnext);
    ck_assert_ptr_null(threads[1].qprev);
}
END_TEST

static struct rq_set set;

static void set_reset(void)
{
    memset(&set, 0, sizeof set);
    set.link = LINK;
    items_reset();
}

static void enq(unsigned i, unsigned prio)
{
    items[i].prio = prio;
    items[i].queued = true;
    rq_enqueue(&set, &items[i], prio);
}

static void deq(unsigned i)
{
    items[i].queued = false;
    rq_remove(&set, &items[i], items[i].prio);
}

static bool bit(unsigned prio)
{
    return (set.bitmap[prio / 64] >> (prio % 64)) & 1;
}

START_TEST(test_set_init)
{
    struct rq_set s = RQ_SET_INIT(LINK);
    ck_assert_uint_eq(s.link, LINK);
    ck_assert_uint_eq(s.count, 0);
    ck_assert_int_eq(rq_highest(&s), -1);
    for (unsigned p = 0; p < RQ_NPRIO; p++)
        ck_assert_ptr_null(rq_first(&s, p));
}
END_TEST

START_TEST(test_priority_selection)
{
    set_reset();
    ck_assert_int_eq(rq_highest(&set), -1);
    /* Priorities on and around the bitmap's word boundaries. */
    static const unsigned prios[] = { 0, 63, 64, 127, 128, 191, 192, 255, 1, 100 };
    const unsigned n = sizeof prios / sizeof prios[0];
    for (unsigned i = 0; i < n; i++) {
        enq(i, prios[i]);
        ck_assert_uint_eq(set.count, i + 1);
        ck_assert(bit(prios[i]));
        ck_assert_ptr_eq(rq_first(&set, prios[i]), &items[i]);
    }
    ck_assert_int_eq(rq_highest(&set), 255);
    /* Taking the highest each time gives the priorities in descending order. */
    static const int order[] = { 255, 192, 191, 128, 127, 100, 64, 63, 1, 0 };
    for (unsigned k = 0; k < n; k++) {
        int best = rq_highest(&set);
        ck_assert_int_eq(best, order[k]);
        struct item *it = rq_first(&set, (unsigned)best);
        ck_assert_ptr_nonnull(it);
        ck_assert_uint_eq(it->prio, (unsigned)best);
        deq(it->id);
        ck_assert(!bit((unsigned)best));
        ck_assert_uint_eq(set.count, n - k - 1);
    }
    ck_assert_int_eq(rq_highest(&set), -1);
    for (unsigned w = 0; w < RQ_NPRIO / 64; w++)
        ck_assert_uint_eq(set.bitmap[w], 0);
}
END_TEST

START_TEST(test_round_robin_within_level)
{
    /* What schedule() does: take the first of the best level, put it back at
     * the tail; equal priorities take turns. */
    set_reset();
    for (unsigned i = 0; i < 4; i++)
        enq(i, 42);
    enq(10, 7);
    for (unsigned round = 0; round < 12; round++) {
        ck_assert_int_eq(rq_highest(&set), 42);
        struct item *it = rq_first(&set, 42);
        ck_assert_uint_eq(it->id, round % 4);
        deq(it->id);
        enq(it->id, 42);
    }
    ck_assert_uint_eq(set.count, 5);
}
END_TEST

START_TEST(test_bitmap_cleared_when_level_empties)
{
    set_reset();
    enq(0, 70);
    enq(1, 70);
    enq(2, 5);
    ck_assert(bit(70));
    deq(0);
    ck_assert(bit(70));                 /* one left */
    ck_assert_int_eq(rq_highest(&set), 70);
    ck_assert_ptr_eq(rq_first(&set, 70), &items[1]);
    deq(1);
    ck_assert(!bit(70));                /* empty now */
    ck_assert_ptr_null(rq_first(&set, 70));
    ck_assert_int_eq(rq_highest(&set), 5);
    ck_assert_uint_eq(set.bitmap[0], 1ull << 5);
    ck_assert_uint_eq(set.bitmap[70 / 64], 0);
    deq(2);
    for (unsigned w = 0; w < RQ_NPRIO / 64; w++)
        ck_assert_uint_eq(set.bitmap[w], 0);
    ck_assert_uint_eq(set.count, 0);
    ck_assert_int_eq(rq_highest(&set), -1);
    /* Removing from the middle or the tail of a level keeps its bit. */
    enq(3, 200);
    enq(4, 200);
    enq(5, 200);
    deq(4);
    ck_assert(bit(200));
    deq(5);
    ck_assert(bit(200));
    struct item *want[] = { &items[3] };
    check_fifo(&set.level[200], want, 1);
}
END_TEST

/* --- random operations against a model --- */

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

/* model[p] lists the items at priority p in queue order. */
static unsigned model[RQ_NPRIO][NITEMS];
static unsigned model_len[RQ_NPRIO];

static void model_remove(unsigned p, unsigned id)
{
    unsigned j = 0;
    while (j < model_len[p] && model[p][j] != id)
        j++;
    CHECK(j < model_len[p]);
    memmove(&model[p][j], &model[p][j + 1], (model_len[p] - j - 1) * sizeof model[p][0]);
    model_len[p]--;
}

static void check_against_model(void)
{
    unsigned total = 0;
    int best = -1;
    for (unsigned p = 0; p < RQ_NPRIO; p++) {
        struct item *want[NITEMS];
        for (unsigned j = 0; j < model_len[p]; j++)
            want[j] = &items[model[p][j]];
        check_fifo(&set.level[p], want, model_len[p]);
        CHECK_EQ(bit(p), model_len[p] > 0);
        total += model_len[p];
        if (model_len[p])
            best = (int)p;
    }
    CHECK_EQ(set.count, total);
    CHECK_EQ(rq_highest(&set), best);
    for (unsigned i = 0; i < NITEMS; i++)
        if (!items[i].queued)
            check_unlinked(&items[i]);
}

START_TEST(test_random_against_model)
{
    set_reset();
    memset(model_len, 0, sizeof model_len);
    rng_state = 0x5eed0000u + (uint64_t)_i;
    for (unsigned op = 0; op < 10000; op++) {
        unsigned i = rng() % NITEMS;
        if (!items[i].queued) {
            /* Mostly a few crowded levels around word boundaries, sometimes any. */
            static const unsigned hot[] = { 0, 1, 63, 64, 65, 127, 128, 200, 254, 255 };
            unsigned p = rng() % 4 ? hot[rng() % 10] : rng() % RQ_NPRIO;
            enq(i, p);
            model[p][model_len[p]++] = i;
        } else if (rng() % 3 == 0) {
            /* Take the first of the highest level, as schedule() does. */
            int best = rq_highest(&set);
            CHECK(best >= 0);
            struct item *it = rq_first(&set, (unsigned)best);
            CHECK_EQ(it->id, model[best][0]);
            deq(it->id);
            model_remove((unsigned)best, it->id);
        } else {
            unsigned p = items[i].prio;
            deq(i);
            model_remove(p, i);
        }
        check_against_model();
    }
    /* Drain everything. */
    for (int best; (best = rq_highest(&set)) >= 0;) {
        struct item *it = rq_first(&set, (unsigned)best);
        CHECK_EQ(it->id, model[best][0]);
        deq(it->id);
        model_remove((unsigned)best, it->id);
    }
    check_against_model();
    CHECK_EQ(set.count, 0);
}
END_TEST

Suite *runqueue_suite(void)
{
    Suite *s = suite_create("runqueue");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_fifo_order);
    tcase_add_test(tc, test_fifo_remove_anywhere);
    tcase_add_test(tc, test_fifo_two_links);
    tcase_add_test(tc, test_thread_views);
    tcase_add_test(tc, test_set_init);
    tcase_add_test(tc, test_priority_selection);
    tcase_add_test(tc, test_round_robin_within_level);
    tcase_add_test(tc, test_bitmap_cleared_when_level_empties);
    tcase_add_loop_test(tc, test_random_against_model, 0, 3);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
