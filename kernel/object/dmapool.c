/* DMA pools: see obj/dmapool.h. */
#include "kernel.h"
#include "object.h"
#include "arch/cpu.h"
#include "obj/dmapool.h"
#include "obj/frame.h"

struct dmapool *dmapool_create(struct quota *q, uint64_t bytes)
{
    struct dmapool *pool = obj_alloc(q, sizeof *pool, CAP_DMAPOOL);
    if (!pool)
        return NULL;
    pool->allowance = quota_create(q, bytes);
    if (!pool->allowance) {
        pool->obj.refs = 0;
        obj_free(&pool->obj);
        return NULL;
    }
    dlist_init(&pool->frames);
    return pool;
}

struct frame_obj *dmapool_alloc(struct dmapool *pool, uint64_t npages, uint64_t limit)
{
    struct frame_obj *f = frame_create(pool->allowance, npages, limit);
    if (!f)
        return NULL;
    obj_get(&f->obj);           /* the pool's hold */
    f->pool = pool;
    dlist_insert_before(&pool->frames, &f->pool_link);
    pool->nframes++;
    return f;
}

uint64_t dmapool_release(struct dmapool *pool)
{
    uint64_t n = 0;
    while (!dlist_empty(&pool->frames)) {
        struct frame_obj *f = container_of(pool->frames.next, struct frame_obj, pool_link);
        dlist_remove(&f->pool_link);
        f->pool = NULL;
        pool->nframes--;
        obj_put(&f->obj);       /* to the reaper if nothing else holds it */
        if (++n % REAP_BUDGET == 0)
            arch_irq_window();
    }
    return n;
}

/* The pool's last reference is gone: nobody can reset-and-release any
 * more, so its frames are let go now (the holder deleted the pool, which
 * is its statement that the devices are quiet). */
int dmapool_reap(struct dmapool *pool)
{
    dmapool_release(pool);
    quota_put(pool->allowance);
    obj_free(&pool->obj);
    return REAP_FREED;
}
