/* The block cache (see bcache.h for the contract): a hash of units, an
 * LRU list, write-back in phases. No allocation, no recursion; every loop
 * is bounded by the number of entries or by the request's length. */
#include "bcache.h"

#include <stddef.h>

static uint32_t hslot(const struct bcache *c, uint64_t u)
{
    return (uint32_t)((u * 0x9e3779b97f4a7c15ull) >> 32) & (c->nhash - 1);
}

static void lru_unlink(struct bcache *c, uint32_t i)
{
    struct bc_entry *e = &c->ent[i];
    if (e->prev != BC_NONE)
        c->ent[e->prev].next = e->next;
    else
        c->head = e->next;
    if (e->next != BC_NONE)
        c->ent[e->next].prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = BC_NONE;
}

static void lru_push_front(struct bcache *c, uint32_t i)
{
    struct bc_entry *e = &c->ent[i];
    e->prev = BC_NONE;
    e->next = c->head;
    if (c->head != BC_NONE)
        c->ent[c->head].prev = i;
    c->head = i;
    if (c->tail == BC_NONE)
        c->tail = i;
}

void bc_init(struct bcache *c, const struct bc_ops *ops, uint8_t *mem, struct bc_entry *ent, uint32_t n,
             uint32_t *hash, uint32_t nhash, uint32_t *scratch, uint64_t dev_bytes)
{
    *c = (struct bcache){ .ops = *ops, .mem = mem, .ent = ent, .hash = hash, .scratch = scratch, .n = n,
                          .nhash = nhash, .head = BC_NONE, .tail = BC_NONE,
                          .dev_units = (dev_bytes + BC_UNIT - 1) / BC_UNIT };
    if (c->ops.max_run == 0)
        c->ops.max_run = 1;
    for (uint32_t h = 0; h < nhash; h++)
        hash[h] = BC_NONE;
    /* Every entry starts invalid, in the LRU list (so the tail is free). */
    for (uint32_t i = 0; i < n; i++) {
        ent[i] = (struct bc_entry){ .prev = BC_NONE, .next = BC_NONE, .hnext = BC_NONE };
        lru_push_front(c, i);
    }
}

/* The entry holding unit u, or BC_NONE. */
static uint32_t find(const struct bcache *c, uint64_t u)
{
    uint32_t i = c->hash[hslot(c, u)];
    for (uint32_t steps = 0; i != BC_NONE && steps < c->n; steps++, i = c->ent[i].hnext)
        if (c->ent[i].unit == u)
            return i;
    return BC_NONE;
}

const uint8_t *bc_peek(const struct bcache *c, uint64_t u)
{
    uint32_t i = find(c, u);
    return i == BC_NONE ? NULL : c->mem + (uint64_t)i * BC_UNIT;
}

static void hash_remove(struct bcache *c, uint32_t i)
{
    uint32_t *p = &c->hash[hslot(c, c->ent[i].unit)];
    for (uint32_t steps = 0; *p != BC_NONE && steps < c->n; steps++) {
        if (*p == i) {
            *p = c->ent[i].hnext;
            break;
        }
        p = &c->ent[*p].hnext;
    }
    c->ent[i].hnext = BC_NONE;
}

/* A free entry for unit u (the least recently used one, written first by
 * a sync if dirty), in the hash and at the LRU head, not valid yet. */
static int take(struct bcache *c, uint64_t u, uint32_t *out)
{
    uint32_t i = c->tail;
    if (c->ent[i].valid && c->ent[i].dirty) {
        c->evict_syncs++;
        int rc = bc_sync(c);
        if (rc)
            return rc;
    }
    if (c->ent[i].valid)
        hash_remove(c, i);
    c->ent[i].valid = false;
    c->ent[i].dirty = false;
    c->ent[i].unit = u;
    uint32_t h = hslot(c, u);
    c->ent[i].hnext = c->hash[h];
    c->hash[h] = i;
    lru_unlink(c, i);
    lru_push_front(c, i);
    *out = i;
    return 0;
}

/* Forgets entry i (after a failed read): invalid, out of the hash, at the
 * LRU tail. */
static void drop(struct bcache *c, uint32_t i)
{
    hash_remove(c, i);
    c->ent[i].valid = c->ent[i].dirty = false;
    lru_unlink(c, i);
    struct bc_entry *e = &c->ent[i];
    e->next = BC_NONE;
    e->prev = c->tail;
    if (c->tail != BC_NONE)
        c->ent[c->tail].next = i;
    c->tail = i;
    if (c->head == BC_NONE)
        c->head = i;
}

void bc_set_readahead(struct bcache *c, uint8_t *buf, uint32_t units)
{
    c->ra_buf = units > 1 ? buf : NULL;
    c->ra_units = units > 1 && units < c->n ? units : 0;
}

/* A miss of unit u with read-ahead: units u.. (not cached, inside the
 * device, at most ra_units) read with one device read and all cached;
 * *out the entry of u. */
static int read_ahead(struct bcache *c, uint64_t u, uint32_t *out)
{
    uint32_t k = 1;
    while (k < c->ra_units && u + k < c->dev_units && find(c, u + k) == BC_NONE)
        k++;
    int rc = c->ops.read(c->ops.ctx, u, k, c->ra_buf);
    if (rc)
        return rc;
    c->readaheads++;
    /* Inserted last to first, so u ends at the LRU head. */
    for (uint32_t j = k; j-- > 0;) {
        uint32_t i;
        if (find(c, u + j) != BC_NONE)
            continue;       /* cached meanwhile (cannot happen: single-threaded) */
        rc = take(c, u + j, &i);
        if (rc)
            return rc;
        __builtin_memcpy(c->mem + (uint64_t)i * BC_UNIT, c->ra_buf + (uint64_t)j * BC_UNIT, BC_UNIT);
        c->ent[i].valid = true;
        if (j == 0)
            *out = i;
    }
    return 0;
}

/* The entry of unit u, valid (read from the device unless whole is set:
 * the caller overwrites all of it), at the LRU head. */
static int get(struct bcache *c, uint64_t u, bool whole, uint32_t *out)
{
    uint32_t i = find(c, u);
    if (i != BC_NONE) {
        c->hits++;
        lru_unlink(c, i);
        lru_push_front(c, i);
        *out = i;
        return 0;
    }
    c->misses++;
    if (!whole && c->ra_buf)
        return read_ahead(c, u, out);
    int rc = take(c, u, &i);
    if (rc)
        return rc;
    if (!whole) {
        rc = c->ops.read(c->ops.ctx, u, 1, c->mem + (uint64_t)i * BC_UNIT);
        if (rc) {
            drop(c, i);
            return rc;
        }
    }
    c->ent[i].valid = true;
    *out = i;
    return 0;
}

int bc_read(struct bcache *c, uint64_t off, void *buf, uint32_t len)
{
    uint8_t *dst = buf;
    while (len) {
        uint64_t u = off / BC_UNIT;
        uint32_t in = (uint32_t)(off % BC_UNIT), n = BC_UNIT - in < len ? BC_UNIT - in : len;
        uint32_t i;
        int rc = get(c, u, false, &i);
        if (rc)
            return rc;
        __builtin_memcpy(dst, c->mem + (uint64_t)i * BC_UNIT + in, n);
        dst += n, off += n, len -= n;
    }
    return 0;
}

int bc_write(struct bcache *c, uint64_t off, const void *buf, uint32_t len)
{
    const uint8_t *src = buf;
    while (len) {
        uint64_t u = off / BC_UNIT;
        uint32_t in = (uint32_t)(off % BC_UNIT), n = BC_UNIT - in < len ? BC_UNIT - in : len;
        uint32_t i;
        int rc = get(c, u, in == 0 && n == BC_UNIT, &i);
        if (rc)
            return rc;
        __builtin_memcpy(c->mem + (uint64_t)i * BC_UNIT + in, src, n);
        if (!c->ent[i].dirty) {
            c->ent[i].dirty = true;
            c->ent[i].seq = ++c->seq;
            c->ndirty++;
        }
        c->writes++;
        src += n, off += n, len -= n;
    }
    return 0;
}

static uint64_t key(const struct bcache *c, uint32_t i, bool by_seq)
{
    return by_seq ? c->ent[i].seq : c->ent[i].unit;
}

/* Sorts idx[0..k) by unit or by dirtying order (shell sort: no recursion,
 * no allocation). */
static void sort_units(const struct bcache *c, uint32_t *idx, uint32_t k, bool by_seq)
{
    for (uint32_t gap = k / 2; gap > 0; gap /= 2)
        for (uint32_t a = gap; a < k; a++) {
            uint32_t v = idx[a], b = a;
            while (b >= gap && key(c, idx[b - gap], by_seq) > key(c, v, by_seq)) {
                idx[b] = idx[b - gap];
                b -= gap;
            }
            idx[b] = v;
        }
}

/* Writes the dirty units of one phase (device order, merged runs), then
 * the barrier; marks them clean once it succeeded. */
static int sync_phase(struct bcache *c, unsigned phase, bool by_seq)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->n; i++)
        if (c->ent[i].valid && c->ent[i].dirty) {
            unsigned p = c->ops.classify(c->ops.ctx, c->ent[i].unit);
            if ((p < BC_PHASES ? p : BC_PHASES - 1) == phase)
                c->scratch[k++] = i;
        }
    if (k == 0)
        return 0;
    sort_units(c, c->scratch, k, by_seq);
    const uint8_t *data[64];
    uint32_t max_run = by_seq ? 1 : c->ops.max_run < 64 ? c->ops.max_run : 64;
    for (uint32_t a = 0; a < k;) {
        uint32_t n = 1;
        while (a + n < k && n < max_run && c->ent[c->scratch[a + n]].unit == c->ent[c->scratch[a]].unit + n)
            n++;
        for (uint32_t j = 0; j < n; j++)
            data[j] = c->mem + (uint64_t)c->scratch[a + j] * BC_UNIT;
        int rc = c->ops.write(c->ops.ctx, c->ent[c->scratch[a]].unit, n, data);
        if (rc) {
            c->ops.barrier(c->ops.ctx);     /* let what was started finish; they stay dirty */
            return rc;
        }
        c->runs++;
        a += n;
    }
    int rc = c->ops.barrier(c->ops.ctx);
    if (rc)
        return rc;
    for (uint32_t j = 0; j < k; j++) {
        c->ent[c->scratch[j]].dirty = false;
        c->ndirty--;
    }
    return 0;
}

int bc_sync_ordered(struct bcache *c, const uint8_t order[BC_PHASES], bool by_first_dirty)
{
    if (c->ndirty == 0)
        return 0;
    c->syncs++;
    for (unsigned p = 0; p < BC_PHASES; p++) {
        int rc = sync_phase(c, order[p] < BC_PHASES ? order[p] : BC_PHASES - 1, by_first_dirty);
        if (rc)
            return rc;
    }
    /* A phase named twice (a bad order) leaves units dirty: written last. */
    for (unsigned p = 0; c->ndirty && p < BC_PHASES; p++) {
        int rc = sync_phase(c, p, false);
        if (rc)
            return rc;
    }
    return 0;
}

int bc_sync(struct bcache *c)
{
    static const uint8_t normal[BC_PHASES] = { 0, 1, 2 };
    return bc_sync_ordered(c, normal, false);
}
