/* A small-integer allocator over a three-level bitmap (kernel/lib/idalloc.c):
 * up to IDALLOC_MAX ids, the lowest free one handed out, O(1) allocation
 * and release (three words looked at, whatever is in use). Pure code,
 * unit-tested on the host. The kernel numbers its kernel-stack slots with
 * it. */
#ifndef IDALLOC_H
#define IDALLOC_H

#include <stdbool.h>
#include <stdint.h>

#define IDALLOC_MAX (64u * 64u * 64u)

struct idalloc {
    uint32_t limit;             /* ids are 0 .. limit - 1 */
    uint32_t used;
    uint64_t top;               /* bit i: mid[i] is full */
    uint64_t mid[64];           /* bit j of mid[i]: leaf[i * 64 + j] is full */
    uint64_t leaf[64 * 64];     /* bit k: id (i * 64 + j) * 64 + k is in use */
};

/* Empties a and limits it to ids below limit (at most IDALLOC_MAX). */
void idalloc_init(struct idalloc *a, uint32_t limit);
/* The lowest free id, now in use; -1 when all limit ids are in use. */
int64_t idalloc_get(struct idalloc *a);
/* Frees id; false (nothing changed) if it is out of range or not in use. */
bool idalloc_put(struct idalloc *a, uint32_t id);
bool idalloc_in_use(const struct idalloc *a, uint32_t id);

#endif
