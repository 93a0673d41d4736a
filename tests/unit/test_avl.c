/* Tests for kernel/lib/avl.c: the empty tree, a single node, ascending and
 * descending insertion (the height bound), removal of the first, the last
 * and the root node, equal keys ordered by address, find and floor at the
 * ends of the key space, avl_check catching each kind of corruption, a
 * large tree, and long seeded runs of random operations checked after
 * every one against a sorted array (order, count, first, avl_next, find,
 * floor, height bound, cleared links of removed nodes). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avl.h"
#include "list.h"             /* container_of */
#include "suites.h"

/* The node deliberately not first, so container arithmetic would show. */
struct tnode {
    uint64_t before;
    struct avl_node node;
    unsigned id;
    bool in;
};

#define NNODES 400
static struct tnode nodes[NNODES];

static void nodes_reset(void)
{
    memset(nodes, 0, sizeof nodes);
    for (unsigned i = 0; i < NNODES; i++)
        nodes[i].id = i;
}

static struct avl_node *N(unsigned i)
{
    return &nodes[i].node;
}

/* The total order the tree promises: key, then address. */
static bool before(const struct avl_node *a, const struct avl_node *b)
{
    return a->key < b->key || (a->key == b->key && (uintptr_t)a < (uintptr_t)b);
}

/* The fewest nodes an AVL tree of height h can have; the height bound
 * 1.44 log2(n + 2) is n >= min_nodes(height). */
static uint64_t min_nodes(int h)
{
    uint64_t a = 0, b = 1;      /* min_nodes(0), min_nodes(1) */
    if (h <= 0)
        return 0;
    for (int i = 1; i < h; i++) {
        uint64_t c = a + b + 1;
        a = b;
        b = c;
    }
    return b;
}

static void check_height_bound(const struct avl_tree *t)
{
    int h = t->root ? t->root->height : 0;
    CHECK(t->count >= min_nodes(h));
}

/* A node out of any tree has its links cleared (as avl_remove leaves it and
 * nodes_reset starts it). */
static void check_cleared(const struct avl_node *n)
{
    CHECK(n->parent == NULL);
    CHECK(n->left == NULL);
    CHECK(n->right == NULL);
    CHECK(n->height == 0);
}

/* t holds exactly want[0..n) in that order. */
static void check_tree(const struct avl_tree *t, struct avl_node *const *want, size_t n)
{
    CHECK_EQ(avl_check(t), 0);
    CHECK_EQ(t->count, n);
    CHECK_EQ(avl_first(t), n ? want[0] : NULL);
    CHECK_EQ(t->root == NULL, n == 0);
    const struct avl_node *x = avl_first(t);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(x, want[i]);
        x = avl_next(x);
    }
    CHECK(x == NULL);
    check_height_bound(t);
}

START_TEST(test_empty)
{
    struct avl_tree t = AVL_TREE_INIT;
    ck_assert_ptr_null(t.root);
    ck_assert_ptr_null(avl_first(&t));
    ck_assert_uint_eq(t.count, 0);
    ck_assert_int_eq(avl_check(&t), 0);
    ck_assert_ptr_null(avl_find(&t, 0));
    ck_assert_ptr_null(avl_find(&t, UINT64_MAX));
    ck_assert_ptr_null(avl_floor(&t, 0));
    ck_assert_ptr_null(avl_floor(&t, UINT64_MAX));
}
END_TEST

START_TEST(test_single)
{
    nodes_reset();
    struct avl_tree t = AVL_TREE_INIT;
    N(0)->key = 50;
    avl_insert(&t, N(0));
    ck_assert_ptr_eq(t.root, N(0));
    ck_assert_ptr_eq(avl_first(&t), N(0));
    ck_assert_uint_eq(t.count, 1);
    ck_assert_ptr_null(N(0)->parent);
    ck_assert_ptr_null(N(0)->left);
    ck_assert_ptr_null(N(0)->right);
    ck_assert_int_eq(N(0)->height, 1);
    ck_assert_int_eq(avl_check(&t), 0);
    ck_assert_ptr_null(avl_next(N(0)));
    ck_assert_ptr_eq(avl_find(&t, 50), N(0));
    ck_assert_ptr_null(avl_find(&t, 49));
    ck_assert_ptr_null(avl_find(&t, 51));
    ck_assert_ptr_null(avl_floor(&t, 49));
    ck_assert_ptr_eq(avl_floor(&t, 50), N(0));
    ck_assert_ptr_eq(avl_floor(&t, 51), N(0));
    ck_assert_ptr_eq(avl_floor(&t, UINT64_MAX), N(0));
    ck_assert_ptr_null(avl_floor(&t, 0));
    avl_remove(&t, N(0));
    check_cleared(N(0));
    ck_assert_ptr_null(t.root);
    ck_assert_ptr_null(avl_first(&t));
    ck_assert_uint_eq(t.count, 0);
    ck_assert_int_eq(avl_check(&t), 0);
    ck_assert_ptr_null(avl_find(&t, 50));
    ck_assert_ptr_null(avl_floor(&t, 50));
    /* It can go back in. */
    avl_insert(&t, N(0));
    ck_assert_ptr_eq(t.root, N(0));
    ck_assert_int_eq(avl_check(&t), 0);
    ck_assert_uint_eq(nodes[0].before, 0);
}
END_TEST

/* Inserting sorted keys (the worst case of an unbalanced tree) keeps the
 * height within the bound; then removing them all from the front. */
START_TEST(test_sorted_insertion)
{
    for (int dir = 0; dir < 2; dir++) {
        nodes_reset();
        struct avl_tree t = AVL_TREE_INIT;
        struct avl_node *want[NNODES];
        for (unsigned i = 0; i < NNODES; i++) {
            unsigned k = dir ? NNODES - 1 - i : i;
            N(k)->key = 1000 + k;
            avl_insert(&t, N(k));
            CHECK_EQ(avl_check(&t), 0);
            CHECK_EQ(t.count, i + 1);
            CHECK_EQ(avl_first(&t), N(dir ? k : 0));
            check_height_bound(&t);
        }
        for (unsigned i = 0; i < NNODES; i++)
            want[i] = N(i);
        check_tree(&t, want, NNODES);
        /* The contract's bound, 1.44 log2(400 + 2): 12 levels (a perfect
         * tree needs 9), where an unbalanced tree would be a 400-long list. */
        ck_assert_int_le(t.root->height, 12);
        for (unsigned i = 0; i < NNODES; i++) {
            avl_remove(&t, N(i));
            check_cleared(N(i));
            CHECK_EQ(avl_check(&t), 0);
            CHECK_EQ(avl_first(&t), i + 1 < NNODES ? N(i + 1) : NULL);
            check_height_bound(&t);
        }
        check_tree(&t, NULL, 0);
    }
}
END_TEST

static void build(struct avl_tree *t, unsigned n)
{
    nodes_reset();
    *t = (struct avl_tree)AVL_TREE_INIT;
    for (unsigned i = 0; i < n; i++) {
        N(i)->key = 10 * (i + 1);
        avl_insert(t, N(i));
    }
}

START_TEST(test_remove_first_last_root)
{
    enum { M = 31 };
    struct avl_tree t;
    struct avl_node *want[M];
    size_t n;

    /* The first, repeatedly: first moves on to the next node each time. */
    build(&t, M);
    for (unsigned i = 0; i < M; i++) {
        ck_assert_ptr_eq(avl_first(&t), N(i));
        avl_remove(&t, N(i));
        check_cleared(N(i));
        n = 0;
        for (unsigned j = i + 1; j < M; j++)
            want[n++] = N(j);
        check_tree(&t, want, n);
    }

    /* The last, repeatedly: first does not move until the end. */
    build(&t, M);
    for (unsigned i = M; i-- > 0;) {
        avl_remove(&t, N(i));
        check_cleared(N(i));
        n = 0;
        for (unsigned j = 0; j < i; j++)
            want[n++] = N(j);
        check_tree(&t, want, n);
    }

    /* The root, repeatedly: every removal of a node with two children. */
    build(&t, M);
    bool gone[M] = { false };
    while (t.root) {
        struct avl_node *r = t.root;
        unsigned id = container_of(r, struct tnode, node)->id;
        avl_remove(&t, r);
        check_cleared(r);
        gone[id] = true;
        n = 0;
        for (unsigned j = 0; j < M; j++)
            if (!gone[j])
                want[n++] = N(j);
        check_tree(&t, want, n);
    }
    check_tree(&t, NULL, 0);

    /* Removing the successor's parent and the node whose successor is its
     * own right child, in a small hand-checked tree: 20 at the root. */
    build(&t, 3);                       /* 10, 20, 30 */
    ck_assert_ptr_eq(t.root, N(1));
    avl_remove(&t, N(1));               /* successor 30 is the root's right child */
    ck_assert_ptr_eq(t.root, N(2));
    ck_assert_ptr_eq(N(2)->left, N(0));
    check_tree(&t, (struct avl_node *[]){ N(0), N(2) }, 2);
}
END_TEST

START_TEST(test_equal_keys)
{
    /* 40 nodes with key 7 between some 3s and 9s: in address order among
     * themselves, find gives the first, floor the last. Inserted in a
     * scrambled order so the address order is not the insertion order. */
    nodes_reset();
    struct avl_tree t = AVL_TREE_INIT;
    enum { M = 60 };
    for (unsigned i = 0; i < M; i++)
        N(i)->key = i < 10 ? 3 : i < 50 ? 7 : 9;
    for (unsigned s = 0; s < M; s++) {
        unsigned i = (s * 37) % M;      /* 37 is prime to 60: a permutation */
        avl_insert(&t, N(i));
        CHECK_EQ(avl_check(&t), 0);
    }
    struct avl_node *want[M];
    for (unsigned i = 0; i < M; i++)
        want[i] = N(i);
    check_tree(&t, want, M);
    ck_assert_ptr_eq(avl_find(&t, 3), N(0));
    ck_assert_ptr_eq(avl_find(&t, 7), N(10));
    ck_assert_ptr_eq(avl_find(&t, 9), N(50));
    ck_assert_ptr_null(avl_find(&t, 5));
    ck_assert_ptr_null(avl_find(&t, 8));
    ck_assert_ptr_null(avl_floor(&t, 2));
    ck_assert_ptr_eq(avl_floor(&t, 3), N(9));
    ck_assert_ptr_eq(avl_floor(&t, 6), N(9));
    ck_assert_ptr_eq(avl_floor(&t, 7), N(49));
    ck_assert_ptr_eq(avl_floor(&t, 8), N(49));
    ck_assert_ptr_eq(avl_floor(&t, UINT64_MAX), N(59));
    /* Removing the first of the 7s: find moves to the next address. */
    avl_remove(&t, N(10));
    ck_assert_ptr_eq(avl_find(&t, 7), N(11));
    avl_remove(&t, N(49));
    ck_assert_ptr_eq(avl_floor(&t, 7), N(48));
    ck_assert_int_eq(avl_check(&t), 0);
    /* All 7s gone: find fails, floor falls back to the 3s. */
    for (unsigned i = 11; i < 49; i++)
        avl_remove(&t, N(i));
    ck_assert_int_eq(avl_check(&t), 0);
    ck_assert_ptr_null(avl_find(&t, 7));
    ck_assert_ptr_eq(avl_floor(&t, 7), N(9));
    ck_assert_ptr_eq(avl_floor(&t, 8), N(9));
    ck_assert_uint_eq(t.count, 20);

    /* Nothing but equal keys. */
    nodes_reset();
    t = (struct avl_tree)AVL_TREE_INIT;
    for (unsigned s = 0; s < M; s++) {
        unsigned i = M - 1 - s;
        N(i)->key = 42;
        avl_insert(&t, N(i));
    }
    check_tree(&t, want, M);
    ck_assert_ptr_eq(avl_find(&t, 42), N(0));
    ck_assert_ptr_eq(avl_floor(&t, 42), N(M - 1));
    ck_assert_ptr_eq(avl_floor(&t, UINT64_MAX), N(M - 1));
    ck_assert_ptr_null(avl_floor(&t, 41));
}
END_TEST

START_TEST(test_find_floor_extremes)
{
    /* Keys at both ends of the key space. */
    nodes_reset();
    struct avl_tree t = AVL_TREE_INIT;
    static const uint64_t keys[] = { 0, 1, 100, 200, UINT64_MAX - 1, UINT64_MAX };
    enum { M = sizeof keys / sizeof keys[0] };
    for (unsigned i = M; i-- > 0;) {
        N(i)->key = keys[i];
        avl_insert(&t, N(i));
    }
    struct avl_node *want[M];
    for (unsigned i = 0; i < M; i++)
        want[i] = N(i);
    check_tree(&t, want, M);
    for (unsigned i = 0; i < M; i++) {
        ck_assert_ptr_eq(avl_find(&t, keys[i]), N(i));
        ck_assert_ptr_eq(avl_floor(&t, keys[i]), N(i));
    }
    ck_assert_ptr_null(avl_find(&t, 2));
    ck_assert_ptr_null(avl_find(&t, 150));
    ck_assert_ptr_null(avl_find(&t, UINT64_MAX - 2));
    ck_assert_ptr_eq(avl_floor(&t, 2), N(1));
    ck_assert_ptr_eq(avl_floor(&t, 99), N(1));
    ck_assert_ptr_eq(avl_floor(&t, 150), N(2));
    ck_assert_ptr_eq(avl_floor(&t, UINT64_MAX - 2), N(3));
    /* Without 0, nothing is at or below 0. */
    avl_remove(&t, N(0));
    ck_assert_ptr_null(avl_floor(&t, 0));
    ck_assert_ptr_null(avl_find(&t, 0));
    ck_assert_ptr_eq(avl_first(&t), N(1));
    /* Without UINT64_MAX, the floor of UINT64_MAX is the one below. */
    avl_remove(&t, N(5));
    ck_assert_ptr_eq(avl_floor(&t, UINT64_MAX), N(4));
    ck_assert_ptr_null(avl_find(&t, UINT64_MAX));
    ck_assert_int_eq(avl_check(&t), 0);
}
END_TEST

START_TEST(test_reinsert_with_new_key)
{
    /* What re-arming a timer does: take a node out, change its key, put it
     * back. The first follows. */
    struct avl_tree t;
    build(&t, 10);                      /* 10 .. 100 */
    avl_remove(&t, N(0));
    N(0)->key = 1000;
    avl_insert(&t, N(0));
    ck_assert_ptr_eq(avl_first(&t), N(1));
    avl_remove(&t, N(9));
    N(9)->key = 5;
    avl_insert(&t, N(9));
    ck_assert_ptr_eq(avl_first(&t), N(9));
    check_tree(&t, (struct avl_node *[]){ N(9), N(1), N(2), N(3), N(4), N(5), N(6), N(7),
                                          N(8), N(0) }, 10);
}
END_TEST

START_TEST(test_check_catches_corruption)
{
    struct avl_tree t;
    enum { M = 7 };                     /* 10 .. 70, 40 at the root */

    build(&t, M);
    ck_assert_int_eq(avl_check(&t), 0);
    struct avl_node *r = t.root;
    ck_assert_ptr_nonnull(r->left);
    ck_assert_ptr_nonnull(r->right);

    r->parent = r->left;                /* the root has a parent */
    ck_assert_int_lt(avl_check(&t), 0);
    /* A parent outside the tree that has the root as its right child: the
     * walk itself stays sound, only the root's parent link shows it. */
    struct avl_node outside = { NULL, NULL, r, 1, 2 };
    r->parent = &outside;
    ck_assert_int_lt(avl_check(&t), 0);
    r->parent = NULL;
    ck_assert_int_eq(avl_check(&t), 0);

    struct avl_node *c = r->right->left;
    ck_assert_ptr_nonnull(c);
    c->parent = r;                      /* a child's parent link is wrong */
    ck_assert_int_lt(avl_check(&t), 0);
    c->parent = r->right;
    ck_assert_int_eq(avl_check(&t), 0);

    uint64_t k = c->key;
    c->key = 1;                         /* out of order */
    ck_assert_int_lt(avl_check(&t), 0);
    c->key = k;
    ck_assert_int_eq(avl_check(&t), 0);

    r->height++;                        /* a wrong height */
    ck_assert_int_lt(avl_check(&t), 0);
    r->height--;
    c->height = 2;                      /* a leaf with a height other than 1 */
    ck_assert_int_lt(avl_check(&t), 0);
    c->height = 1;
    ck_assert_int_eq(avl_check(&t), 0);

    t.count++;                          /* the count */
    ck_assert_int_lt(avl_check(&t), 0);
    t.count -= 2;
    ck_assert_int_lt(avl_check(&t), 0);
    t.count++;
    ck_assert_int_eq(avl_check(&t), 0);

    t.first = avl_next(t.first);        /* first */
    ck_assert_int_lt(avl_check(&t), 0);
    t.first = NULL;
    ck_assert_int_lt(avl_check(&t), 0);
    t.first = N(0);
    ck_assert_int_eq(avl_check(&t), 0);

    /* Out of balance with every height right: a chain 10 -> 20 -> 30. */
    nodes_reset();
    N(0)->key = 10;
    N(1)->key = 20;
    N(2)->key = 30;
    N(0)->right = N(1);
    N(1)->parent = N(0);
    N(1)->right = N(2);
    N(2)->parent = N(1);
    N(0)->height = 3;
    N(1)->height = 2;
    N(2)->height = 1;
    struct avl_tree chain = { N(0), N(0), 3 };
    ck_assert_int_lt(avl_check(&chain), 0);

    /* A non-empty count or a first in an empty tree. */
    struct avl_tree e = AVL_TREE_INIT;
    e.count = 1;
    ck_assert_int_lt(avl_check(&e), 0);
    e.count = 0;
    e.first = N(0);
    ck_assert_int_lt(avl_check(&e), 0);
}
END_TEST

START_TEST(test_large)
{
    /* 20,000 nodes with random keys from a small range (many equal) and a
     * large one, removed in a random order; checked every 1,000 steps. */
    enum { M = 20000 };
    struct tnode *big = calloc(M, sizeof *big);
    unsigned *perm = malloc(M * sizeof *perm);
    ck_assert_ptr_nonnull(big);
    ck_assert_ptr_nonnull(perm);
    uint64_t s = 0x1a2b3c4d5e6f7788ull;
    struct avl_tree t = AVL_TREE_INIT;
    for (unsigned i = 0; i < M; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        big[i].node.key = i % 2 ? s >> 50 : s;
        avl_insert(&t, &big[i].node);
        if (i % 1000 == 999) {
            CHECK_EQ(avl_check(&t), 0);
            check_height_bound(&t);
        }
        perm[i] = i;
    }
    CHECK_EQ(avl_check(&t), 0);
    CHECK_EQ(t.count, M);
    ck_assert_int_le(t.root->height, 20);       /* 1.44 log2(20000 + 2) */
    size_t seen = 0;
    for (const struct avl_node *x = avl_first(&t), *p = NULL; x; p = x, x = avl_next(x)) {
        if (p)
            CHECK(before(p, x));
        seen++;
    }
    CHECK_EQ(seen, M);
    for (unsigned i = M; i > 1; i--) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        unsigned j = (unsigned)((s >> 33) % i);
        unsigned tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
    }
    for (unsigned i = 0; i < M; i++) {
        avl_remove(&t, &big[perm[i]].node);
        check_cleared(&big[perm[i]].node);
        if (i % 1000 == 999) {
            CHECK_EQ(avl_check(&t), 0);
            CHECK_EQ(t.count, M - 1 - i);
            check_height_bound(&t);
        }
    }
    CHECK_EQ(avl_check(&t), 0);
    CHECK(t.root == NULL);
    CHECK(avl_first(&t) == NULL);
    free(perm);
    free(big);
}
END_TEST

/* --- random operations against a model --- */

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

static uint64_t rng64(void)
{
    return (uint64_t)rng() << 32 | rng();
}

/* The model: the nodes in the tree, sorted by (key, address). */
static struct avl_node *model[NNODES];
static size_t model_n;

/* The index of the first model node not before x. */
static size_t model_lower(const struct avl_node *x)
{
    size_t lo = 0, hi = model_n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (before(model[mid], x))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void model_insert(struct avl_node *x)
{
    size_t i = model_lower(x);
    memmove(&model[i + 1], &model[i], (model_n - i) * sizeof model[0]);
    model[i] = x;
    model_n++;
}

static void model_remove(struct avl_node *x)
{
    size_t i = model_lower(x);
    CHECK(i < model_n && model[i] == x);
    memmove(&model[i], &model[i + 1], (model_n - i - 1) * sizeof model[0]);
    model_n--;
}

/* The first model node with this key, or NULL. */
static struct avl_node *model_find(uint64_t key)
{
    size_t lo = 0, hi = model_n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (model[mid]->key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < model_n && model[lo]->key == key ? model[lo] : NULL;
}

/* The last model node with a key <= key, or NULL. */
static struct avl_node *model_floor(uint64_t key)
{
    size_t lo = 0, hi = model_n;        /* first index with a key > key */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (model[mid]->key <= key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? model[lo - 1] : NULL;
}

static void check_query(const struct avl_tree *t, uint64_t key)
{
    CHECK_EQ(avl_find(t, key), model_find(key));
    CHECK_EQ(avl_floor(t, key), model_floor(key));
}

static uint64_t mono_key;

static uint64_t random_key(void)
{
    switch (rng() % 8) {
    case 0:
    case 1:
    case 2:
        return rng() % 32;                              /* crowded: many equal */
    case 3: {
        static const uint64_t ends[] = { 0, 1, UINT64_MAX - 1, UINT64_MAX };
        return ends[rng() % 4];
    }
    case 4:
    case 5:
        return mono_key += rng() % 4;                   /* deadlines: mostly ascending */
    default:
        return rng64();
    }
}

static void check_against_model(const struct avl_tree *t)
{
    check_tree(t, model, model_n);
    /* Queries on and around present keys, and anywhere. */
    for (int q = 0; q < 3 && model_n; q++) {
        uint64_t k = model[rng() % model_n]->key;
        check_query(t, k);
        check_query(t, k - 1);
        check_query(t, k + 1);
    }
    check_query(t, rng() % 34);
    check_query(t, rng64());
    check_query(t, mono_key + rng() % 8 - 4);
    check_query(t, 0);
    check_query(t, UINT64_MAX);
}

START_TEST(test_random_against_model)
{
    nodes_reset();
    model_n = 0;
    mono_key = 1000;
    rng_state = 0xa71e0000u + (uint64_t)_i;
    struct avl_tree t = AVL_TREE_INIT;
    unsigned insert_pct = 50;
    for (unsigned op = 0; op < 100000; op++) {
        /* Phases that grow, hold and shrink the tree. */
        if (op % 2000 == 0) {
            static const unsigned pcts[] = { 20, 50, 80, 95 };
            insert_pct = pcts[rng() % 4];
        }
        if (model_n < NNODES && (model_n == 0 || rng() % 100 < insert_pct)) {
            unsigned i = rng() % NNODES;
            while (nodes[i].in)
                i = (i + 1) % NNODES;
            check_cleared(N(i));
            N(i)->key = random_key();
            avl_insert(&t, N(i));
            nodes[i].in = true;
            model_insert(N(i));
        } else {
            struct avl_node *x;
            switch (rng() % 8) {
            case 0:
                x = model[0];                           /* the first */
                break;
            case 1:
                x = model[model_n - 1];                 /* the last */
                break;
            case 2:
                x = t.root;                             /* the root */
                break;
            default:
                x = model[rng() % model_n];
                break;
            }
            avl_remove(&t, x);
            check_cleared(x);
            container_of(x, struct tnode, node)->in = false;
            model_remove(x);
        }
        check_against_model(&t);
    }
    /* Drain from the root. */
    while (model_n) {
        struct avl_node *x = t.root;
        avl_remove(&t, x);
        model_remove(x);
        check_against_model(&t);
    }
    for (unsigned i = 0; i < NNODES; i++)
        ck_assert_uint_eq(nodes[i].before, 0);
}
END_TEST

Suite *avl_suite(void)
{
    Suite *s = suite_create("avl");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_single);
    tcase_add_test(tc, test_sorted_insertion);
    tcase_add_test(tc, test_remove_first_last_root);
    tcase_add_test(tc, test_equal_keys);
    tcase_add_test(tc, test_find_floor_extremes);
    tcase_add_test(tc, test_reinsert_with_new_key);
    tcase_add_test(tc, test_check_catches_corruption);
    tcase_add_test(tc, test_large);
    tcase_add_loop_test(tc, test_random_against_model, 0, 3);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
