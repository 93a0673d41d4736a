/* An intrusive AVL tree ordered by a 64-bit key (kernel/lib/avl.c). Pure
 * code, also unit-tested on the host (tests/unit/test_avl.c).
 *
 * The kernel keeps timers (key: deadline) and each address space's
 * mappings (key: virtual address) in these, so that arming, cancelling and
 * looking up cost O(log n) whatever a process builds within its quota.
 * Nodes with equal keys are allowed and ordered by their addresses, so the
 * order is total. The tree's height is at most 1.44 log2(n + 2): every
 * operation walks at most that many levels and allocates nothing. */
#ifndef AVL_H
#define AVL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct avl_node {
    struct avl_node *parent, *left, *right;
    uint64_t key;
    int height;                 /* of the subtree rooted here; 1 for a leaf */
};

struct avl_tree {
    struct avl_node *root;
    struct avl_node *first;     /* the smallest node (NULL when empty) */
    size_t count;
};

#define AVL_TREE_INIT { NULL, NULL, 0 }

/* Inserts n (not in any tree) with the key already in n->key. O(log n). */
void avl_insert(struct avl_tree *t, struct avl_node *n);
/* Removes n, which must be in t. O(log n). n's links are cleared. */
void avl_remove(struct avl_tree *t, struct avl_node *n);

/* The smallest node, or NULL. O(1). */
static inline struct avl_node *avl_first(const struct avl_tree *t)
{
    return t->first;
}

/* The next node in order after n, or NULL. O(log n) worst case. */
struct avl_node *avl_next(const struct avl_node *n);
/* A node whose key equals key (the first such in order), or NULL. */
struct avl_node *avl_find(const struct avl_tree *t, uint64_t key);
/* The last node in order whose key is <= key, or NULL. */
struct avl_node *avl_floor(const struct avl_tree *t, uint64_t key);

/* Checks every invariant (order, parent links, heights, balance, count,
 * first). Returns 0 if all hold, or a negative code naming the first
 * violation found (see avl.c). Visits every node: O(n), for tests and the
 * kernel's debug checks only. */
int avl_check(const struct avl_tree *t);

#endif
