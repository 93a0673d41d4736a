/* Three-level bitmap id allocator (see idalloc.h). A set bit means "in use"
 * at the leaves and "full" above them, so the first clear bit of each level
 * leads straight to the lowest free id. */
#include "idalloc.h"

void idalloc_init(struct idalloc *a, uint32_t limit)
{
    if (limit > IDALLOC_MAX)
        limit = IDALLOC_MAX;
    a->limit = limit;
    a->used = 0;
    a->top = 0;
    for (unsigned i = 0; i < 64; i++)
        a->mid[i] = 0;
    for (unsigned i = 0; i < 64 * 64; i++)
        a->leaf[i] = 0;
    /* Ids at and above the limit are marked in use, once, here. */
    for (uint32_t id = limit; id < IDALLOC_MAX; id++) {
        if (id % 64 == 0 && id + 64 <= IDALLOC_MAX) {
            a->leaf[id / 64] = ~0ull;
            id += 63;
        } else {
            a->leaf[id / 64] |= 1ull << (id % 64);
        }
    }
    for (unsigned l = 0; l < 64 * 64; l++)
        if (a->leaf[l] == ~0ull)
            a->mid[l / 64] |= 1ull << (l % 64);
    for (unsigned m = 0; m < 64; m++)
        if (a->mid[m] == ~0ull)
            a->top |= 1ull << m;
}

int64_t idalloc_get(struct idalloc *a)
{
    if (a->top == ~0ull)
        return -1;
    unsigned i = (unsigned)__builtin_ctzll(~a->top);
    unsigned j = (unsigned)__builtin_ctzll(~a->mid[i]);
    unsigned l = i * 64 + j;
    unsigned k = (unsigned)__builtin_ctzll(~a->leaf[l]);
    a->leaf[l] |= 1ull << k;
    if (a->leaf[l] == ~0ull) {
        a->mid[i] |= 1ull << j;
        if (a->mid[i] == ~0ull)
            a->top |= 1ull << i;
    }
    a->used++;
    return (int64_t)l * 64 + k;
}

bool idalloc_in_use(const struct idalloc *a, uint32_t id)
{
    return id < a->limit && ((a->leaf[id / 64] >> (id % 64)) & 1);
}

bool idalloc_put(struct idalloc *a, uint32_t id)
{
    if (!idalloc_in_use(a, id))
        return false;
    unsigned l = id / 64;
    a->leaf[l] &= ~(1ull << (id % 64));
    a->mid[l / 64] &= ~(1ull << (l % 64));
    a->top &= ~(1ull << (l / 64));
    a->used--;
    return true;
}
