/* Intrusive FIFOs and priority run queues (see runqueue.h). */
#include "runqueue.h"

static inline struct rq_link *link_of(void *e, size_t link)
{
    return (struct rq_link *)((char *)e + link);
}

void rq_fifo_push(struct rq_fifo *q, size_t link, void *e)
{
    struct rq_link *l = link_of(e, link);
    l->next = NULL;
    l->prev = q->tail;
    if (q->tail)
        link_of(q->tail, link)->next = e;
    else
        q->head = e;
    q->tail = e;
}

void rq_fifo_remove(struct rq_fifo *q, size_t link, void *e)
{
    struct rq_link *l = link_of(e, link);
    if (l->prev)
        link_of(l->prev, link)->next = l->next;
    else
        q->head = l->next;
    if (l->next)
        link_of(l->next, link)->prev = l->prev;
    else
        q->tail = l->prev;
    l->next = l->prev = NULL;
}

void rq_enqueue(struct rq_set *s, void *e, unsigned prio)
{
    s->count++;
    rq_fifo_push(&s->level[prio], s->link, e);
    s->bitmap[prio / 64] |= 1ull << (prio % 64);
}

void rq_remove(struct rq_set *s, void *e, unsigned prio)
{
    struct rq_fifo *q = &s->level[prio];
    s->count--;
    rq_fifo_remove(q, s->link, e);
    if (!q->head)
        s->bitmap[prio / 64] &= ~(1ull << (prio % 64));
}

int rq_highest(const struct rq_set *s)
{
    for (int w = RQ_NPRIO / 64 - 1; w >= 0; w--)
        if (s->bitmap[w])
            return w * 64 + 63 - __builtin_clzll(s->bitmap[w]);
    return -1;
}
