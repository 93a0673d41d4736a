/* Intrusive FIFOs and a set of priority run queues: the pure part of the
 * scheduler's ready queues and of the endpoints' wait queues
 * (kernel/core/sched.c, kernel/object/endpoint.c).
 *
 * Elements are any structure with a struct rq_link in it, at an offset the
 * caller gives (offsetof). The links and the queue ends point at the
 * elements themselves, not at their links, so code that knows the element
 * type can follow them by field offsets (syscall.S's IPC fast path walks
 * endpoint queues that way). An element is on at most one queue through a
 * given link. Nothing here allocates, and every operation is O(1). */
#ifndef RUNQUEUE_H
#define RUNQUEUE_H

#include <stddef.h>
#include <stdint.h>

struct rq_link {
    void *next, *prev;      /* neighbouring elements; NULL at the ends and when not queued */
};

struct rq_fifo {
    void *head, *tail;      /* both NULL when empty */
};

/* Appends e, which must not be queued, at q's tail. link: offset of the
 * struct rq_link in e. */
void rq_fifo_push(struct rq_fifo *q, size_t link, void *e);
/* Removes e from q, wherever it is in q; e's link is cleared. */
void rq_fifo_remove(struct rq_fifo *q, size_t link, void *e);

#define RQ_NPRIO 256        /* priorities 0..255, higher first */

/* One FIFO per priority and a bitmap of the non-empty ones. */
struct rq_set {
    size_t link;                        /* offset of struct rq_link in the elements */
    unsigned count;                     /* elements queued, over all priorities */
    uint64_t bitmap[RQ_NPRIO / 64];     /* bit p: level[p] is not empty */
    struct rq_fifo level[RQ_NPRIO];
};

/* Static initializer for an empty set of elements with the link at offset. */
#define RQ_SET_INIT(link_offset) { .link = (link_offset) }

/* Appends e (not queued) to the tail of priority prio (< RQ_NPRIO). */
void rq_enqueue(struct rq_set *s, void *e, unsigned prio);
/* Removes e from priority prio, the one it was queued at, wherever it is
 * in that FIFO. */
void rq_remove(struct rq_set *s, void *e, unsigned prio);
/* The highest priority with a queued element, or -1 if the set is empty. */
int rq_highest(const struct rq_set *s);

/* The first (longest queued) element of priority prio, or NULL. */
static inline void *rq_first(const struct rq_set *s, unsigned prio)
{
    return s->level[prio].head;
}

#endif
