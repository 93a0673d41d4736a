/* Slab allocator with one cache per paying quota (see kmem.h).
 *
 * A slab page starts with its header; the chunks after it are linked on
 * the page's free list. A page with a free chunk is on its cache's partial
 * list for its size class; a full page is on no list; an empty page goes
 * back to the frame allocator at once (and off the quota's charge). Every
 * operation is O(1). */
#include "kernel.h"
#include "kmem.h"
#include "memory.h"
#include "object.h"

struct slab {
    struct dlist link;          /* in cache->partial[cls] while it has a free chunk */
    struct kmem_cache *cache;
    struct quota *quota;        /* charged for this page (NULL: the kernel) */
    void *free;                 /* free chunks, linked through their first word */
    uint16_t inuse;
    uint16_t cls;
};

static struct kmem_cache kernel_cache;
static bool kernel_cache_ready;

void kmem_cache_init(struct kmem_cache *c)
{
    for (unsigned i = 0; i < KMEM_NCLASSES; i++)
        dlist_init(&c->partial[i]);
    c->pages = 0;
}

static struct kmem_cache *cache_of(struct quota *q)
{
    if (q)
        return &q->cache;
    if (!kernel_cache_ready) {
        kmem_cache_init(&kernel_cache);
        kernel_cache_ready = true;
    }
    return &kernel_cache;
}

uint64_t kmem_kernel_pages(void)
{
    return kernel_cache.pages;
}

static unsigned size_class(size_t size)
{
    unsigned shift = KMEM_MIN_SHIFT;
    while (((size_t)1 << shift) < size)
        shift++;
    return shift - KMEM_MIN_SHIFT;
}

/* A fresh page for class cls, its chunks on its free list. */
static struct slab *slab_new(struct kmem_cache *c, struct quota *q, unsigned cls)
{
    if (!quota_charge(q, PAGE_SIZE))
        return NULL;
    uint64_t pa = frame_alloc(&frame_allocator);
    if (pa == FRAME_NONE) {
        quota_release(q, PAGE_SIZE);
        return NULL;
    }
    struct slab *s = phys_to_virt(pa);
    size_t chunk = (size_t)1 << (cls + KMEM_MIN_SHIFT);
    *s = (struct slab){ .cache = c, .quota = q, .cls = (uint16_t)cls };
    void **link = &s->free;
    for (size_t off = ALIGN_UP(sizeof *s, chunk); off + chunk <= PAGE_SIZE; off += chunk) {
        *link = (char *)s + off;
        link = (void **)((char *)s + off);
    }
    *link = NULL;
    dlist_insert_after(&c->partial[cls], &s->link);
    c->pages++;
    return s;
}

void *kmem_alloc(struct quota *q, size_t size)
{
    if (size == 0 || size > PAGE_SIZE)
        return NULL;
    if (size > KMEM_MAX_CHUNK)
        return kpages_alloc(q, 1);
    struct kmem_cache *c = cache_of(q);
    unsigned cls = size_class(size);
    struct slab *s;
    if (!dlist_empty(&c->partial[cls]))
        s = container_of(c->partial[cls].next, struct slab, link);
    else if (!(s = slab_new(c, q, cls)))
        return NULL;
    void *p = s->free;
    s->free = *(void **)p;
    s->inuse++;
    if (!s->free)
        dlist_remove(&s->link);     /* full: off the partial list */
    memset(p, 0, (size_t)1 << (cls + KMEM_MIN_SHIFT));
    return p;
}

void kmem_free(struct quota *q, void *p, size_t size)
{
    if (!p)
        return;
    BUG_ON(size == 0 || size > PAGE_SIZE, "kmem_free size within what kmem_alloc takes");
    if (size > KMEM_MAX_CHUNK) {
        kpages_free(q, p, 1);
        return;
    }
    struct slab *s = (struct slab *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);
    BUG_ON(s->quota != q || s->cls != size_class(size) || s->inuse == 0,
           "kmem_free of a chunk of this quota and size class");
    if (!s->free)
        dlist_insert_after(&s->cache->partial[s->cls], &s->link);   /* was full */
    *(void **)p = s->free;
    s->free = p;
    if (--s->inuse == 0) {
        dlist_remove(&s->link);
        s->cache->pages--;
        int rc = frame_free(&frame_allocator, virt_to_phys(s), 1);
        BUG_ON(rc != 0, "a slab page goes back to the frame allocator");
        quota_release(q, PAGE_SIZE);
    }
}

void *kpages_alloc(struct quota *q, size_t npages)
{
    if (npages == 0 || !quota_charge(q, npages * PAGE_SIZE))
        return NULL;
    uint64_t pa = frame_alloc_contig(&frame_allocator, npages, 0, 0);
    if (pa == FRAME_NONE) {
        quota_release(q, npages * PAGE_SIZE);
        return NULL;
    }
    void *p = phys_to_virt(pa);
    memset(p, 0, npages * PAGE_SIZE);
    return p;
}

void kpages_free(struct quota *q, void *p, size_t npages)
{
    if (!p)
        return;
    int rc = frame_free(&frame_allocator, virt_to_phys(p), npages);
    BUG_ON(rc != 0, "kpages_free of pages kpages_alloc returned");
    quota_release(q, npages * PAGE_SIZE);
}
