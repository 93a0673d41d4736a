/* Split virtqueue, driver side. See virtq.h for the trust contract: the
 * device's values (used->idx, used elements, event index, flags) are read
 * once, checked, and never followed unchecked; the driver's own chains are
 * known from driver-private slots, never from the shared descriptor table. */
#include "virtq.h"

#define DESC_BYTES sizeof(struct vring_desc)

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Legacy layout (also valid for 1.x): desc[size], avail {flags, idx,
 * ring[size], used_event}, then at `align`: used {flags, idx,
 * ring[size], avail_event}. */
static uint64_t used_offset(uint16_t size, uint32_t align)
{
    return align_up(DESC_BYTES * size + sizeof(uint16_t) * (3 + (uint64_t)size), align);
}

size_t virtq_ring_bytes(uint16_t size, uint32_t align)
{
    return (size_t)(used_offset(size, align) + sizeof(uint16_t) * 3 +
                    sizeof(struct vring_used_elem) * (uint64_t)size);
}

static void *broken(struct virtq *vq, const char *why)
{
    if (vq->error == 0) {
        vq->error = -VIRTIO_EBROKEN;
        vq->why = why;
    }
    return NULL;
}

static void zero_shared(volatile uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = 0;
}

void virtq_reset(struct virtq *vq)
{
    zero_shared((volatile uint8_t *)vq->desc, virtq_ring_bytes(vq->size, vq->ring_align));
    for (uint16_t i = 0; i < vq->size; i++)
        vq->slot[i] = (struct virtq_slot){ .next = (uint16_t)(i + 1) };
    vq->free_head = 0;
    vq->num_free = vq->size;
    vq->inflight = vq->avail_idx = vq->kicked_idx = vq->last_used = vq->seen_used = 0;
    vq->cb_enabled = true;
    vq->error = 0;
    vq->why = NULL;
}

int virtq_init(struct virtq *vq, const struct virtio_mem *mem, uint16_t size, uint32_t align,
               bool event_idx, bool indirect, uint16_t indirect_max)
{
    *vq = (struct virtq){ 0 };
    if (size == 0 || size > 32768 || (size & (size - 1)) != 0 || align < 4 ||
        (align & (align - 1)) != 0)
        return -VIRTIO_EINVAL;
    void *ring;
    uint64_t phys;
    if (mem->dma_alloc(mem->ctx, virtq_ring_bytes(size, align), align > 4096 ? align : 4096,
                       &ring, &phys) < 0)
        return -VIRTIO_ENOMEM;
    vq->slot = mem->zalloc(mem->ctx, sizeof(struct virtq_slot) * size);
    if (vq->slot == NULL)
        return -VIRTIO_ENOMEM;
    if (indirect && indirect_max > 1) {
        void *tab;
        if (mem->dma_alloc(mem->ctx, DESC_BYTES * indirect_max * size, 16, &tab,
                           &vq->indirect_phys) < 0)
            return -VIRTIO_ENOMEM;
        vq->indirect = tab;
        vq->indirect_max = indirect_max;
        vq->use_indirect = true;
    }
    uint64_t avail_off = DESC_BYTES * size, used_off = used_offset(size, align);
    vq->desc = ring;
    vq->avail = (volatile struct vring_avail *)((uint8_t *)ring + avail_off);
    vq->used = (volatile struct vring_used *)((uint8_t *)ring + used_off);
    vq->used_event = &vq->avail->ring[size];
    vq->avail_event = (volatile uint16_t *)&vq->used->ring[size];
    vq->desc_phys = phys;
    vq->avail_phys = phys + avail_off;
    vq->used_phys = phys + used_off;
    vq->size = size;
    vq->ring_align = align;
    vq->event_idx = event_idx;
    virtq_reset(vq);
    return 0;
}

static void write_desc(volatile struct vring_desc *d, const struct virtq_buf *b, uint16_t flags,
                       uint16_t next)
{
    d->addr = b->phys;
    d->len = b->len;
    d->flags = flags;
    d->next = next;
}

int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned nout, unsigned nin,
              void *token)
{
    if (vq->error)
        return vq->error;
    if (token == NULL || nout > 0xffff || nin > 0xffff || nout + nin == 0)
        return -VIRTIO_EINVAL;
    unsigned n = nout + nin;
    uint64_t in_len = 0;
    for (unsigned i = nout; i < n; i++)
        in_len += bufs[i].len;
    bool indirect = vq->use_indirect && n > 1 && n <= vq->indirect_max;
    unsigned need = indirect ? 1 : n;
    if (need > vq->size)
        return -VIRTIO_EINVAL;
    if (need > vq->num_free)
        return -VIRTIO_ENOSPC;

    uint16_t head = vq->free_head, idx = head;
    if (indirect) {
        /* The head's own table: free exactly when the head is. */
        volatile struct vring_desc *tab = vq->indirect + (size_t)head * vq->indirect_max;
        for (unsigned i = 0; i < n; i++)
            write_desc(&tab[i], &bufs[i],
                       (uint16_t)((i >= nout ? VRING_DESC_F_WRITE : 0) |
                                  (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
                       (uint16_t)(i + 1 < n ? i + 1 : 0));
        struct virtq_buf tb = { vq->indirect_phys + (uint64_t)head * vq->indirect_max * DESC_BYTES,
                                (uint32_t)(n * DESC_BYTES) };
        write_desc(&vq->desc[head], &tb, VRING_DESC_F_INDIRECT, 0);
        idx = vq->slot[head].next;
    } else {
        for (unsigned i = 0; i < n; i++) {
            uint16_t next = vq->slot[idx].next;
            write_desc(&vq->desc[idx], &bufs[i],
                       (uint16_t)((i >= nout ? VRING_DESC_F_WRITE : 0) |
                                  (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
                       i + 1 < n ? next : 0);
            idx = next;
        }
    }
    vq->free_head = idx;
    vq->num_free = (uint16_t)(vq->num_free - need);
    vq->inflight++;
    struct virtq_slot *s = &vq->slot[head];
    s->token = token;
    s->in_len = in_len > 0xffffffffu ? 0xffffffffu : (uint32_t)in_len;
    s->ndesc = (uint16_t)need;
    s->in_flight = true;

    vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
    vq->avail_idx++;
    virtio_release();                   /* descriptors and entry before the index */
    vq->avail->idx = vq->avail_idx;
    return 0;
}

bool virtq_kick_prepare(struct virtq *vq)
{
    if (vq->error)
        return false;
    virtio_mb();                        /* avail idx visible before reading the device's wish */
    uint16_t old = vq->kicked_idx, now = vq->avail_idx;
    vq->kicked_idx = now;
    if (old == now)
        return false;
    if (vq->event_idx)
        return vring_need_event(*vq->avail_event, now, old);
    return !(vq->used->flags & VRING_USED_F_NO_NOTIFY);
}

void virtq_notify(struct virtq *vq)
{
    if (vq->notify != NULL)
        vq->notify(vq, vq->notify_ctx);
}

bool virtq_kick(struct virtq *vq)
{
    if (!virtq_kick_prepare(vq))
        return false;
    virtq_notify(vq);
    return true;
}

/* Return the chain at head to the free list (driver-private links only). */
static void free_chain(struct virtq *vq, uint16_t head)
{
    struct virtq_slot *s = &vq->slot[head];
    uint16_t last = head;
    for (uint16_t i = 1; i < s->ndesc; i++)
        last = vq->slot[last].next;
    vq->slot[last].next = vq->free_head;
    vq->free_head = head;
    vq->num_free = (uint16_t)(vq->num_free + s->ndesc);
    vq->inflight--;
    s->in_flight = false;
    s->token = NULL;
}

void *virtq_get_used(struct virtq *vq, uint32_t *len)
{
    if (vq->error)
        return NULL;
    if (vq->last_used == vq->seen_used) {
        uint16_t idx = vq->used->idx;   /* read once per poll */
        virtio_acquire();               /* elements after the index */
        uint16_t ahead = (uint16_t)(idx - vq->last_used);
        if (ahead > vq->inflight)       /* ran ahead, or went backwards */
            return broken(vq, "used idx moved past the requests in flight");
        vq->seen_used = idx;
        if (ahead == 0)
            return NULL;
    }
    volatile struct vring_used_elem *e = &vq->used->ring[vq->last_used & (vq->size - 1)];
    uint32_t id = e->id, n = e->len;    /* each read once */
    if (id >= vq->size)
        return broken(vq, "used id out of range");
    struct virtq_slot *s = &vq->slot[id];
    if (!s->in_flight)
        return broken(vq, "used id is not a chain in flight");
    if (n > s->in_len)
        return broken(vq, "used len exceeds the writable bytes posted");
    void *token = s->token;
    free_chain(vq, (uint16_t)id);
    vq->last_used++;
    if (vq->event_idx && vq->cb_enabled) {
        *vq->used_event = vq->last_used;
        virtio_mb();
    }
    *len = n;
    return token;
}

void virtq_disable_cb(struct virtq *vq)
{
    vq->cb_enabled = false;
    if (vq->event_idx)
        *vq->used_event = (uint16_t)(vq->last_used - 1);   /* passed: ~65536 away */
    else
        vq->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
}

bool virtq_enable_cb(struct virtq *vq)
{
    vq->cb_enabled = true;
    if (vq->event_idx)
        *vq->used_event = vq->last_used;
    else
        vq->avail->flags = 0;
    virtio_mb();                        /* the wish visible before the re-check */
    if (vq->error || vq->seen_used != vq->last_used)
        return false;
    return (uint16_t)vq->used->idx == vq->last_used;
}
