/* Size-class allocator: each class keeps a free list of equal chunks; a
 * class that runs dry takes one frame and cuts it into chunks. Chunks go
 * back to their class's list (frames are not returned to the frame
 * allocator, so fragmentation is bounded by the peak use of each class). */
#include "kernel.h"
#include "kmem.h"
#include "memory.h"

#define MIN_SHIFT 5     /* 32 bytes */
#define MAX_SHIFT 12    /* 4096 bytes */
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)

struct chunk {
    struct chunk *next;
};

static struct chunk *free_lists[NCLASSES];

static unsigned size_class(size_t size)
{
    unsigned shift = MIN_SHIFT;
    while (((size_t)1 << shift) < size)
        shift++;
    return shift - MIN_SHIFT;
}

size_t kmem_charge_size(size_t size)
{
    return size > PAGE_SIZE ? ALIGN_UP(size, PAGE_SIZE) : (size_t)1 << (size_class(size) + MIN_SHIFT);
}

static bool refill(unsigned cls)
{
    uint64_t pa = frame_alloc(&frame_allocator);
    if (pa == FRAME_NONE)
        return false;
    size_t chunk = (size_t)1 << (cls + MIN_SHIFT);
    char *page = phys_to_virt(pa);
    for (size_t off = 0; off + chunk <= PAGE_SIZE; off += chunk) {
        struct chunk *c = (struct chunk *)(page + off);
        c->next = free_lists[cls];
        free_lists[cls] = c;
    }
    return true;
}

void *kmem_alloc(size_t size)
{
    if (size == 0 || size > PAGE_SIZE)
        return NULL;
    unsigned cls = size_class(size);
    if (!free_lists[cls] && !refill(cls))
        return NULL;
    struct chunk *c = free_lists[cls];
    free_lists[cls] = c->next;
    memset(c, 0, (size_t)1 << (cls + MIN_SHIFT));
    return c;
}

void kmem_free(void *p, size_t size)
{
    if (!p)
        return;
    BUG_ON(size == 0 || size > PAGE_SIZE, "kmem_free size within the size classes");
    unsigned cls = size_class(size);
    struct chunk *c = p;
    c->next = free_lists[cls];
    free_lists[cls] = c;
}

void *kpages_alloc(size_t npages)
{
    uint64_t pa = frame_alloc_contig(&frame_allocator, npages, 0, 0);
    if (pa == FRAME_NONE)
        return NULL;
    void *p = phys_to_virt(pa);
    memset(p, 0, npages * PAGE_SIZE);
    return p;
}

void kpages_free(void *p, size_t npages)
{
    if (!p)
        return;
    int rc = frame_free(&frame_allocator, (uint64_t)p - PHYS_MAP_BASE, npages);
    BUG_ON(rc != 0, "kpages_free of pages kpages_alloc returned");
}
