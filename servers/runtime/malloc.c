/* The heap: one contiguous region from RT_HEAP_BASE, grown by mapping new
 * frame objects at its end, carved into blocks.
 *
 * Every block starts with a 16-byte header: its size (header included, a
 * multiple of 16, bit 0 = in use) and the size of the block just below it
 * (0 for the first), so both neighbours are found in O(1) and freed blocks
 * merge with free neighbours at once: no two free blocks are ever adjacent.
 * Free blocks also hold the links of a doubly linked free list, kept in
 * address order and searched first-fit. The last 16 bytes of the region are an "in use" header of size
 * 0 that ends the walk. Payloads are 16-byte aligned. */
#include "internal.h"
#include "runtime.h"

#define HDR        16u
#define MIN_BLOCK  32u                   /* header + the two free-list links */
#define USED       ((size_t)1)
#define GROW_MIN   (64u * 1024)          /* first growth; later ones double */
#define GROW_MAX   (512u * RT_PAGE_SIZE) /* one frame object: 2 MiB */

struct block {
    size_t size;            /* bytes including this header; bit 0 = in use */
    size_t prev_size;       /* size of the block below, 0 for the first */
    struct block *next;     /* free blocks only: free-list links */
    struct block *prev;
};

static struct {
    uintptr_t base;         /* RT_HEAP_BASE once initialised */
    uintptr_t end;          /* end of the mapped region */
    struct block *free_list;
} heap;

static size_t bsize(const struct block *b) { return b->size & ~USED; }
static bool in_use(const struct block *b) { return (b->size & USED) != 0; }
static struct block *next_block(struct block *b) { return (struct block *)((char *)b + bsize(b)); }

static struct block *prev_block(struct block *b)
{
    return b->prev_size ? (struct block *)((char *)b - b->prev_size) : NULL;
}

/* Inserts b in address order (which keeps fragmentation low: first fit
 * then prefers low addresses and leaves the top of the heap in one piece). */
static void list_insert(struct block *b)
{
    struct block *prev = NULL, *next = heap.free_list;
    while (next && next < b) {
        prev = next;
        next = next->next;
    }
    b->prev = prev;
    b->next = next;
    if (next)
        next->prev = b;
    if (prev)
        prev->next = b;
    else
        heap.free_list = b;
}

/* Puts b in old's place in the list (b directly below old, old leaving). */
static void list_replace(struct block *old, struct block *b)
{
    b->prev = old->prev;
    b->next = old->next;
    if (b->prev)
        b->prev->next = b;
    else
        heap.free_list = b;
    if (b->next)
        b->next->prev = b;
}

static void list_remove(struct block *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        heap.free_list = b->next;
    if (b->next)
        b->next->prev = b->prev;
}

void rt_heap_init(void)
{
    heap.base = heap.end = RT_HEAP_BASE;
    heap.free_list = NULL;
}

/* Marks the in-use block b free, merges it with free neighbours and puts
 * the result on the free list. Only when neither neighbour is free does the
 * list have to be searched for b's place. */
static void make_free(struct block *b)
{
    b->size = bsize(b);
    struct block *n = next_block(b);
    struct block *p = prev_block(b);
    if (p && !in_use(p)) {              /* p keeps its place in the list */
        if (!in_use(n)) {
            list_remove(n);
            p->size += bsize(n);
        }
        p->size += b->size;
        b = p;
    } else if (!in_use(n)) {            /* b takes n's place */
        list_replace(n, b);
        b->size += bsize(n);
    } else {
        list_insert(b);
    }
    next_block(b)->prev_size = b->size;
}

/* Shrinks the in-use block b to need bytes if the rest makes a block. */
static void split(struct block *b, size_t need)
{
    size_t total = bsize(b);
    if (total - need < MIN_BLOCK)
        return;
    struct block *rest = (struct block *)((char *)b + need);
    rest->size = (total - need) | USED;
    rest->prev_size = need;
    next_block(rest)->prev_size = total - need;
    b->size = need | USED;
    make_free(rest);
}

/* Maps bytes more (a multiple of the page size) at the heap's end, one
 * frame object per GROW_MAX. Each frame's cap lives in a borrowed slot only
 * until it is mapped: the mapping keeps the frame, so the heap holds no
 * slots. Returns the bytes mapped, less on failure (quota, slots or
 * address space exhausted). */
static size_t map_more(size_t bytes)
{
    size_t done = 0;
    int slot = rt_slot_alloc();
    if (slot < 0)
        return 0;
    while (done < bytes) {
        size_t chunk = bytes - done < GROW_MAX ? bytes - done : GROW_MAX;
        uint64_t vaddr = heap.end + done;
        if (sys_create(CAP_FRAME, (uint64_t)slot, chunk / RT_PAGE_SIZE).ret < 0)
            break;
        long rc = sys_map((uint64_t)slot, RT_SLOT_SELF_PROCESS, vaddr, CAP_R_READ | CAP_R_WRITE).ret;
        sys_cap_delete((uint64_t)slot);
        if (rc < 0)
            break;
        done += chunk;
    }
    rt_slot_free(slot);
    return done;
}

/* Grows the heap so that a free block of at least need bytes ends it;
 * returns that block (on the free list) or NULL. */
static struct block *grow(size_t need)
{
    if (heap.base == 0)
        rt_heap_init();
    size_t mapped = heap.end - heap.base;
    size_t want = mapped < GROW_MIN ? GROW_MIN : mapped > GROW_MAX ? GROW_MAX : mapped;
    if (want < need + HDR)
        want = (need + HDR + RT_PAGE_SIZE - 1) & ~(size_t)(RT_PAGE_SIZE - 1);
    if (want > RT_HEAP_MAX - mapped)
        want = RT_HEAP_MAX - mapped;        /* the last stretch of the region */
    if (want < need + HDR)
        return NULL;
    size_t got = map_more(want);
    if (got == 0)
        return NULL;

    struct block *b;
    if (mapped == 0) {              /* first block, then the end marker */
        b = (struct block *)heap.base;
        b->size = (got - HDR) | USED;
        b->prev_size = 0;
    } else {                        /* the old end marker becomes the block */
        b = (struct block *)(heap.end - HDR);
        b->size = got | USED;
    }
    heap.end += got;
    struct block *end = (struct block *)(heap.end - HDR);
    end->size = 0 | USED;
    end->prev_size = bsize(b);
    make_free(b);
    end = (struct block *)(heap.end - HDR);
    b = prev_block(end);
    return bsize(b) >= need ? b : NULL;
}

/* Bytes of block for a request of size bytes, or 0 if impossible. */
static size_t block_size_for(size_t size)
{
    if (size > RT_HEAP_MAX)
        return 0;
    size_t need = (size + HDR + 15) & ~(size_t)15;
    return need < MIN_BLOCK ? MIN_BLOCK : need;
}

void *malloc(size_t size)
{
    size_t need = block_size_for(size);
    if (need == 0)
        return NULL;
    struct block *b = heap.free_list;
    while (b && bsize(b) < need)
        b = b->next;
    if (!b && !(b = grow(need)))
        return NULL;
    list_remove(b);
    b->size |= USED;
    split(b, need);
    return (char *)b + HDR;
}

/* The block of a pointer malloc returned; panics (naming who asked) if p
 * is not a live block. */
static struct block *block_of(void *p, const char *who)
{
    uintptr_t a = (uintptr_t)p;
    struct block *b = (struct block *)(a - HDR);
    if (a % 16 != 0 || a < heap.base + HDR || a >= heap.end || !in_use(b) ||
        bsize(b) < MIN_BLOCK || bsize(b) > heap.end - HDR - (a - HDR) ||
        next_block(b)->prev_size != bsize(b))
        rt_panic("%s(%p): not a live heap block", who, p);
    return b;
}

void free(void *p)
{
    if (p != NULL)
        make_free(block_of(p, "free"));
}

void *calloc(size_t n, size_t size)
{
    if (size != 0 && n > (size_t)-1 / size)
        return NULL;
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *realloc(void *p, size_t size)
{
    if (p == NULL)
        return malloc(size);
    struct block *b = block_of(p, "realloc");
    if (size == 0) {
        make_free(b);
        return NULL;
    }
    size_t need = block_size_for(size);
    if (need == 0)
        return NULL;
    struct block *n = next_block(b);
    if (need > bsize(b) && !in_use(n) && bsize(b) + bsize(n) >= need) {
        list_remove(n);             /* grow into the free block above */
        b->size += bsize(n);
        next_block(b)->prev_size = bsize(b);
    }
    if (need <= bsize(b)) {
        split(b, need);
        return p;
    }
    void *q = malloc(size);
    if (q) {
        memcpy(q, p, bsize(b) - HDR);
        make_free(b);
    }
    return q;
}

void rt_heap_check(struct rt_heap_stats *st)
{
    struct rt_heap_stats s = { heap.end - heap.base, 0, 0, 0 };
    size_t listed = 0;
    for (struct block *f = heap.free_list; f; f = f->next) {
        if (in_use(f) || (f->next && f->next->prev != f) || ++listed > s.mapped / MIN_BLOCK)
            rt_panic("heap: free list corrupt at %p", (void *)f);
    }
    if (s.mapped > 0) {
        struct block *b = (struct block *)heap.base, *end = (struct block *)(heap.end - HDR);
        size_t prev = 0;
        bool prev_free = false;
        for (; b != end; b = next_block(b)) {
            if (b->prev_size != prev || bsize(b) < MIN_BLOCK || bsize(b) % 16 ||
                bsize(b) > (uintptr_t)end - (uintptr_t)b || (prev_free && !in_use(b)))
                rt_panic("heap: bad block at %p", (void *)b);
            prev = bsize(b);
            prev_free = !in_use(b);
            if (prev_free) {
                s.free_bytes += prev;
                s.free_blocks++;
            } else {
                s.used += prev;
            }
        }
        if (end->size != USED || end->prev_size != prev)
            rt_panic("heap: bad end marker");
    }
    if (listed != s.free_blocks)
        rt_panic("heap: %zu blocks listed free, %zu found", listed, s.free_blocks);
    if (st)
        *st = s;
}
