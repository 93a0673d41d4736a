/* Device glue: status handshake (virtio 1.x, 3.1.1), feature
 * negotiation, queue setup, configuration space access. */
#include "virtio_dev.h"

int virtio_reset(struct virtio_dev *d)
{
    d->t->ops->set_status(d->t, 0);
    d->status = 0;
    d->features = 0;
    for (unsigned i = 0; i < VIRTIO_RESET_POLLS; i++)
        if (d->t->ops->get_status(d->t) == 0)
            return 0;
    return -VIRTIO_ETIMEDOUT;
}

static void add_status(struct virtio_dev *d, uint8_t bits)
{
    d->status |= bits;
    d->t->ops->set_status(d->t, d->status);
}

void virtio_dev_fail(struct virtio_dev *d)
{
    add_status(d, VIRTIO_CONFIG_S_FAILED);
}

int virtio_dev_init(struct virtio_dev *d, struct virtio_transport *t, uint64_t wanted)
{
    *d = (struct virtio_dev){ .t = t };
    int rc = virtio_reset(d);
    if (rc < 0)
        return rc;
    add_status(d, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    add_status(d, VIRTIO_CONFIG_S_DRIVER);
    d->device_features = t->ops->get_features(t);
    uint64_t accept = d->device_features & (wanted | VIRTIO_LIB_FEATURES);
    if (!t->modern)
        accept &= 0xffffffffu;          /* legacy: 32 feature bits, no VERSION_1 */
    if (t->modern && !(accept & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
        virtio_dev_fail(d);
        return -VIRTIO_EFEATURES;
    }
    t->ops->set_features(t, accept);
    if (t->modern) {
        add_status(d, VIRTIO_CONFIG_S_FEATURES_OK);
        if (!(t->ops->get_status(t) & VIRTIO_CONFIG_S_FEATURES_OK)) {
            virtio_dev_fail(d);
            return -VIRTIO_EFEATURES;
        }
    }
    d->features = accept;
    return 0;
}

static void transport_notify(struct virtq *vq, void *ctx)
{
    struct virtio_transport *t = ctx;
    t->ops->notify(t, vq->index, vq->notify_addr);
}

int virtio_dev_setup_queue(struct virtio_dev *d, struct virtq *vq, uint16_t index,
                           uint16_t requested, const struct virtio_mem *mem,
                           uint16_t indirect_max, uint16_t vector)
{
    if (requested == 0 || (requested & (requested - 1)) != 0)
        return -VIRTIO_EINVAL;
    uint16_t max = d->t->ops->queue_max(d->t, index);
    if (max == 0)
        return -VIRTIO_ENODEV;
    uint16_t size = requested;
    while (size > max)                  /* the largest power of two that fits */
        size /= 2;
    bool event = virtio_dev_has(d, VIRTIO_RING_F_EVENT_IDX);
    bool indirect = virtio_dev_has(d, VIRTIO_RING_F_INDIRECT_DESC) && indirect_max > 1;
    int rc;
    if (vq->slot != NULL && vq->size == size && vq->ring_align == d->t->ring_align &&
        vq->event_idx == event && vq->use_indirect == indirect) {
        virtq_reset(vq);
    } else {
        rc = virtq_init(vq, mem, size, d->t->ring_align, event, indirect, indirect_max);
        if (rc < 0)
            return rc;
    }
    struct virtio_queue_addrs a = { vq->desc_phys, vq->avail_phys, vq->used_phys };
    rc = d->t->ops->queue_setup(d->t, index, size, &a, vector, &vq->notify_addr);
    if (rc < 0)
        return rc;
    vq->index = index;
    vq->notify_ctx = d->t;
    vq->notify = transport_notify;
    return 0;
}

int virtio_dev_setup_queues(struct virtio_dev *d, struct virtq *vqs, unsigned n,
                            uint16_t requested, const struct virtio_mem *mem,
                            uint16_t indirect_max, const uint16_t *vectors)
{
    for (unsigned i = 0; i < n; i++) {
        int rc = virtio_dev_setup_queue(d, &vqs[i], (uint16_t)i, requested, mem, indirect_max,
                                        vectors != NULL ? vectors[i] : VIRTIO_MSI_NO_VECTOR);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int virtio_dev_set_config_vector(struct virtio_dev *d, uint16_t vector)
{
    return virtio_transport_set_config_vector(d->t, vector);
}

int virtio_dev_driver_ok(struct virtio_dev *d)
{
    add_status(d, VIRTIO_CONFIG_S_DRIVER_OK);
    if (d->t->ops->get_status(d->t) & (VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED))
        return -VIRTIO_EBROKEN;
    return 0;
}

/* One pass over [off, off + len): natural-width accesses where the field
 * is 1, 2, 4 or 8 bytes, bytes otherwise. */
static void config_copy(struct virtio_dev *d, uint32_t off, uint8_t *buf, uint32_t len, bool write)
{
    const struct virtio_transport *t = d->t;
    const struct virtio_region *r = &t->device_cfg;
    unsigned width = len == 1 || len == 2 || len == 4 ? len : len == 8 ? 4 : 1;
    for (uint32_t i = 0; i < len; i += width) {
        uint32_t v = 0;
        if (write) {
            for (unsigned b = 0; b < width; b++)
                v |= (uint32_t)buf[i + b] << (8 * b);
            virtio_reg_write(t, r, off + i, width, v);
        } else {
            v = virtio_reg_read(t, r, off + i, width);
            for (unsigned b = 0; b < width; b++)
                buf[i + b] = (uint8_t)(v >> (8 * b));
        }
    }
}

int virtio_dev_config_read(struct virtio_dev *d, uint32_t off, void *buf, uint32_t len)
{
    if (!virtio_region_has(&d->t->device_cfg, off, len))
        return -VIRTIO_ERANGE;
    for (unsigned i = 0; i < VIRTIO_CONFIG_RETRIES; i++) {
        uint8_t gen = d->t->ops->config_generation(d->t);
        config_copy(d, off, buf, len, false);
        if (d->t->ops->config_generation(d->t) == gen)
            return 0;
    }
    return -VIRTIO_EAGAIN;
}

int virtio_dev_config_write(struct virtio_dev *d, uint32_t off, const void *buf, uint32_t len)
{
    if (!virtio_region_has(&d->t->device_cfg, off, len))
        return -VIRTIO_ERANGE;
    config_copy(d, off, (uint8_t *)buf, len, true);
    return 0;
}
