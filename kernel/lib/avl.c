/* Intrusive AVL tree (see avl.h). Rebalancing walks from the changed node
 * to the root, at most the tree's height; nothing recurses. */
#include "avl.h"

static inline int height(const struct avl_node *n)
{
    return n ? n->height : 0;
}

static inline void update_height(struct avl_node *n)
{
    int l = height(n->left), r = height(n->right);
    n->height = (l > r ? l : r) + 1;
}

/* Total order: key, then address. */
static inline bool before(const struct avl_node *a, const struct avl_node *b)
{
    return a->key < b->key || (a->key == b->key && (uintptr_t)a < (uintptr_t)b);
}

/* Points whatever pointed at old (its parent's child link or the root) at n. */
static void replace_child(struct avl_tree *t, struct avl_node *parent, struct avl_node *old,
                          struct avl_node *n)
{
    if (!parent)
        t->root = n;
    else if (parent->left == old)
        parent->left = n;
    else
        parent->right = n;
    if (n)
        n->parent = parent;
}

/* Rotates n's right child up into n's place; returns the new subtree root. */
static struct avl_node *rotate_left(struct avl_tree *t, struct avl_node *n)
{
    struct avl_node *r = n->right;
    replace_child(t, n->parent, n, r);
    n->right = r->left;
    if (r->left)
        r->left->parent = n;
    r->left = n;
    n->parent = r;
    update_height(n);
    update_height(r);
    return r;
}

static struct avl_node *rotate_right(struct avl_tree *t, struct avl_node *n)
{
    struct avl_node *l = n->left;
    replace_child(t, n->parent, n, l);
    n->left = l->right;
    if (l->right)
        l->right->parent = n;
    l->right = n;
    n->parent = l;
    update_height(n);
    update_height(l);
    return l;
}

/* Restores heights and balance from n up to the root. */
static void rebalance_up(struct avl_tree *t, struct avl_node *n)
{
    while (n) {
        int balance = height(n->left) - height(n->right);
        if (balance > 1) {
            if (height(n->left->left) < height(n->left->right))
                rotate_left(t, n->left);
            n = rotate_right(t, n);
        } else if (balance < -1) {
            if (height(n->right->right) < height(n->right->left))
                rotate_right(t, n->right);
            n = rotate_left(t, n);
        } else {
            update_height(n);
        }
        n = n->parent;
    }
}

void avl_insert(struct avl_tree *t, struct avl_node *n)
{
    n->left = n->right = NULL;
    n->height = 1;
    struct avl_node *parent = NULL, **link = &t->root;
    bool leftmost = true;
    while (*link) {
        parent = *link;
        if (before(n, parent)) {
            link = &parent->left;
        } else {
            link = &parent->right;
            leftmost = false;
        }
    }
    n->parent = parent;
    *link = n;
    if (leftmost)
        t->first = n;
    t->count++;
    rebalance_up(t, parent);
}

struct avl_node *avl_next(const struct avl_node *n)
{
    if (n->right) {
        n = n->right;
        while (n->left)
            n = n->left;
        return (struct avl_node *)n;
    }
    while (n->parent && n->parent->right == n)
        n = n->parent;
    return n->parent;
}

void avl_remove(struct avl_tree *t, struct avl_node *n)
{
    if (t->first == n)
        t->first = avl_next(n);
    struct avl_node *fix;
    if (n->left && n->right) {
        /* Put the successor s (leftmost of the right subtree) in n's place. */
        struct avl_node *s = n->right;
        while (s->left)
            s = s->left;
        if (s->parent == n) {
            fix = s;
        } else {
            fix = s->parent;
            replace_child(t, s->parent, s, s->right);
            s->right = n->right;
            s->right->parent = s;
        }
        replace_child(t, n->parent, n, s);
        s->left = n->left;
        s->left->parent = s;
        s->height = n->height;
    } else {
        struct avl_node *child = n->left ? n->left : n->right;
        fix = n->parent;
        replace_child(t, n->parent, n, child);
    }
    t->count--;
    n->parent = n->left = n->right = NULL;
    n->height = 0;
    rebalance_up(t, fix);
}

struct avl_node *avl_find(const struct avl_tree *t, uint64_t key)
{
    struct avl_node *n = t->root, *found = NULL;
    while (n) {
        if (key < n->key) {
            n = n->left;
        } else if (key > n->key) {
            n = n->right;
        } else {
            found = n;      /* keep looking left for the first equal one */
            n = n->left;
        }
    }
    return found;
}

struct avl_node *avl_floor(const struct avl_tree *t, uint64_t key)
{
    struct avl_node *n = t->root, *found = NULL;
    while (n) {
        if (n->key <= key) {
            found = n;      /* a candidate; a later one may be to the right */
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return found;
}

/* Error codes of avl_check. */
enum {
    AVL_BAD_ROOT_PARENT = -1,
    AVL_BAD_PARENT = -2,
    AVL_BAD_ORDER = -3,
    AVL_BAD_HEIGHT = -4,
    AVL_BAD_BALANCE = -5,
    AVL_BAD_COUNT = -6,
    AVL_BAD_FIRST = -7,
};

int avl_check(const struct avl_tree *t)
{
    if (t->root && t->root->parent)
        return AVL_BAD_ROOT_PARENT;
    /* In-order walk without recursion or a stack: parent links. */
    const struct avl_node *n = t->root, *prev = NULL, *first = NULL;
    size_t count = 0;
    if (n)
        while (n->left)
            n = n->left;
    first = n;
    for (; n; n = avl_next(n)) {
        if ((n->left && n->left->parent != n) || (n->right && n->right->parent != n))
            return AVL_BAD_PARENT;
        if (++count > t->count)
            return AVL_BAD_COUNT;   /* also stops a walk that a broken link would make endless */
        if (prev && !before(prev, n))
            return AVL_BAD_ORDER;
        int l = height(n->left), r = height(n->right);
        if (n->height != (l > r ? l : r) + 1)
            return AVL_BAD_HEIGHT;
        if (l - r > 1 || r - l > 1)
            return AVL_BAD_BALANCE;
        prev = n;
    }
    if (count != t->count)
        return AVL_BAD_COUNT;
    if (first != t->first)
        return AVL_BAD_FIRST;
    return 0;
}
