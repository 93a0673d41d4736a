/* Kernel memory for objects (kernel/core/kmem.c): slab pages of
 * power-of-two chunks from 32 to 1024 bytes, and whole pages for anything
 * larger. Each paying quota has its own slab pages (a struct kmem_cache in
 * the quota), charged to it page by page and given back to the frame
 * allocator as soon as they hold no object, so the kernel memory used on a
 * process's behalf is exactly what its quota was charged: a process that
 * cycles through object types cannot leave memory behind in shared size
 * classes. Memory is reached through the direct map. */
#ifndef KMEM_H
#define KMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "list.h"

#define KMEM_MIN_SHIFT 5        /* 32-byte chunks */
#define KMEM_MAX_SHIFT 10       /* 1024-byte chunks; larger sizes take whole pages */
#define KMEM_NCLASSES (KMEM_MAX_SHIFT - KMEM_MIN_SHIFT + 1)
#define KMEM_MAX_CHUNK (1u << KMEM_MAX_SHIFT)

struct quota;

/* One quota's slab pages: per size class, those with a free chunk. */
struct kmem_cache {
    struct dlist partial[KMEM_NCLASSES];
    uint64_t pages;             /* slab pages it holds */
};

void kmem_cache_init(struct kmem_cache *c);

/* Zeroed memory of size bytes (1..4096; above KMEM_MAX_CHUNK a whole
 * page), charged to q's quota (NULL: the kernel). NULL if q cannot pay or
 * memory is exhausted. */
void *kmem_alloc(struct quota *q, size_t size);
/* Frees what kmem_alloc returned (size as asked); the page goes back to
 * the frame allocator (and off q's charge) once it holds nothing. */
void kmem_free(struct quota *q, void *p, size_t size);

/* npages zeroed, physically contiguous pages (direct-mapped), charged to q. */
void *kpages_alloc(struct quota *q, size_t npages);
void kpages_free(struct quota *q, void *p, size_t npages);

/* Slab pages held for the kernel's own objects (kdebug). */
uint64_t kmem_kernel_pages(void);

#endif
