/* Intrusive circular doubly-linked lists and container_of, the one
 * definition of both for the kernel and the host tests. Pure header.
 *
 * A list is a ring of struct dlist links. A ring may have a head (a link
 * that is not an element, as in a list of children) or be headless (a
 * ring of peers nobody iterates as a whole). A link alone in its ring
 * points at itself. Every operation is O(1). */
#ifndef LIST_H
#define LIST_H

#include <stdbool.h>
#include <stddef.h>

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

struct dlist {
    struct dlist *next, *prev;
};

static inline void dlist_init(struct dlist *l)
{
    l->next = l->prev = l;
}

static inline bool dlist_empty(const struct dlist *l)
{
    return l->next == l;
}

/* Inserts n (alone in its ring) right after at. */
static inline void dlist_insert_after(struct dlist *at, struct dlist *n)
{
    n->prev = at;
    n->next = at->next;
    at->next->prev = n;
    at->next = n;
}

/* Inserts n (alone in its ring) right before at: at the tail when at is a head. */
static inline void dlist_insert_before(struct dlist *at, struct dlist *n)
{
    dlist_insert_after(at->prev, n);
}

/* Takes n out of its ring; n is left alone in a ring of its own. */
static inline void dlist_remove(struct dlist *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    dlist_init(n);
}

/* Takes n out of its ring and puts the elements of the ring headed by head
 * in its place, in order; head is left empty. If n was alone, the elements
 * form a headless ring of their own. */
static inline void dlist_replace_with_elements(struct dlist *n, struct dlist *head)
{
    if (dlist_empty(head)) {
        dlist_remove(n);
        return;
    }
    struct dlist *first = head->next, *last = head->prev;
    struct dlist *prev = n->prev, *next = n->next;
    if (prev == n) {            /* n alone: the elements close on themselves */
        prev = last;
        next = first;
    }
    prev->next = first;
    first->prev = prev;
    last->next = next;
    next->prev = last;
    dlist_init(head);
    dlist_init(n);
}

/* Moves the ring head from old to new (new's old contents are overwritten):
 * the elements now hang off new. */
static inline void dlist_move_head(struct dlist *new_head, struct dlist *old_head)
{
    if (dlist_empty(old_head)) {
        dlist_init(new_head);
        return;
    }
    *new_head = *old_head;
    new_head->next->prev = new_head;
    new_head->prev->next = new_head;
    dlist_init(old_head);
}

/* n takes old's place in old's ring (old is left alone). */
static inline void dlist_replace(struct dlist *old, struct dlist *n)
{
    if (old->next == old) {
        dlist_init(n);
        return;
    }
    *n = *old;
    n->next->prev = n;
    n->prev->next = n;
    dlist_init(old);
}

#endif
