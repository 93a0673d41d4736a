/* Kernel object allocator (kernel/core/kmem.c): power-of-two size classes
 * from 32 bytes to 4 KiB carved out of frames, plus whole-page runs for
 * larger objects. Memory comes from the frame allocator and is reached
 * through the direct map. Callers account it to a process quota with
 * kmem_charge_size(). */
#ifndef KMEM_H
#define KMEM_H

#include <stddef.h>
#include <stdint.h>

/* Returns zeroed memory of at least size bytes (<= 4096), or NULL. */
void *kmem_alloc(size_t size);
/* Frees memory from kmem_alloc; size must be the size asked for. */
void kmem_free(void *p, size_t size);
/* Bytes kmem_alloc(size) really takes (its size class). */
size_t kmem_charge_size(size_t size);

/* Returns npages zeroed, physically contiguous pages (direct-mapped), or NULL. */
void *kpages_alloc(size_t npages);
void kpages_free(void *p, size_t npages);

#endif
