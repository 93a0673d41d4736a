/* Modern virtio-pci (virtio 1.x, "Virtio Over PCI Bus" 4.1). The common,
 * notify, ISR and device configuration structures are found through vendor
 * capabilities in PCI configuration space; the device is not trusted, so
 * every capability is checked against the BAR it names before use. */
#include <linux/virtio_pci.h>

#include "virtio_transport.h"

#define PCI_STATUS          0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAP_PTR         0x34
#define PCI_CAP_ID_VNDR     0x09
#define PCI_CAP_ID_MSIX     0x11

static const struct virtio_region *common(struct virtio_transport *t)
{
    return &t->u.pci.common;
}

static uint8_t pci_get_status(struct virtio_transport *t)
{
    return (uint8_t)virtio_reg_read(t, common(t), VIRTIO_PCI_COMMON_STATUS, 1);
}

static void pci_set_status(struct virtio_transport *t, uint8_t status)
{
    virtio_reg_write(t, common(t), VIRTIO_PCI_COMMON_STATUS, 1, status);
}

static uint64_t pci_get_features(struct virtio_transport *t)
{
    virtio_reg_write(t, common(t), VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
    uint64_t lo = virtio_reg_read(t, common(t), VIRTIO_PCI_COMMON_DF, 4);
    virtio_reg_write(t, common(t), VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
    uint64_t hi = virtio_reg_read(t, common(t), VIRTIO_PCI_COMMON_DF, 4);
    return lo | hi << 32;
}

static void pci_set_features(struct virtio_transport *t, uint64_t f)
{
    virtio_reg_write(t, common(t), VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
    virtio_reg_write(t, common(t), VIRTIO_PCI_COMMON_GF, 4, (uint32_t)f);
    virtio_reg_write(t, common(t), VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
    virtio_reg_write(t, common(t), VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(f >> 32));
}

static uint8_t pci_config_generation(struct virtio_transport *t)
{
    return (uint8_t)virtio_reg_read(t, common(t), VIRTIO_PCI_COMMON_CFGGENERATION, 1);
}

static uint16_t pci_queue_max(struct virtio_transport *t, uint16_t q)
{
    if (q >= (uint16_t)virtio_reg_read(t, common(t), VIRTIO_PCI_COMMON_NUMQ, 2))
        return 0;
    virtio_reg_write(t, common(t), VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
    return (uint16_t)virtio_reg_read(t, common(t), VIRTIO_PCI_COMMON_Q_SIZE, 2);
}

/* The queue's notify address is notify.base + queue_notify_off * multiplier;
 * a 16-bit write there must fit inside the notify structure. */
static int pci_queue_setup(struct virtio_transport *t, uint16_t q, uint16_t size,
                           const struct virtio_queue_addrs *a, uint16_t vector,
                           uintptr_t *notify_addr)
{
    const struct virtio_region *c = common(t);
    if (vector != VIRTIO_MSI_NO_VECTOR && !t->has_msix)
        return -VIRTIO_EINVAL;
    if (t->has_msix) {                  /* before queue_enable, as the spec asks */
        int rc = virtio_transport_set_queue_vector(t, q, vector);
        if (rc < 0)
            return rc;
    }
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
    uint64_t off = (uint64_t)(uint16_t)virtio_reg_read(t, c, VIRTIO_PCI_COMMON_Q_NOFF, 2) *
                   t->u.pci.notify_mult;
    if (!virtio_region_has(&t->u.pci.notify, off, 2))
        return -VIRTIO_ERANGE;
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_Q_DESCLO, 4, (uint32_t)a->desc);
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_Q_DESCHI, 4, (uint32_t)(a->desc >> 32));
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_Q_AVAILLO, 4, (uint32_t)a->avail);
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_Q_AVAILHI, 4, (uint32_t)(a->avail >> 32));
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_Q_USEDLO, 4, (uint32_t)a->used);
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_Q_USEDHI, 4, (uint32_t)(a->used >> 32));
    virtio_reg_write(t, c, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
    *notify_addr = t->u.pci.notify.base + (uintptr_t)off;
    return 0;
}

static void pci_notify(struct virtio_transport *t, uint16_t q, uintptr_t notify_addr)
{
    t->io.write16(t->io.ctx, notify_addr, q);
}

static uint8_t pci_isr(struct virtio_transport *t)
{
    return (uint8_t)virtio_reg_read(t, &t->u.pci.isr, 0, 1);   /* reading acknowledges */
}

static const struct virtio_transport_ops pci_ops = {
    .get_status = pci_get_status,
    .set_status = pci_set_status,
    .get_features = pci_get_features,
    .set_features = pci_set_features,
    .config_generation = pci_config_generation,
    .queue_max = pci_queue_max,
    .queue_setup = pci_queue_setup,
    .notify = pci_notify,
    .isr = pci_isr,
};

/* One vendor capability: check it against its BAR and record its region
 * (the first usable capability of each type wins, as the spec asks).
 * Capabilities naming an unmapped or nonexistent BAR are skipped. */
static int pci_take_cap(const struct virtio_pci_cfgio *cfg, uint8_t pos,
                        const uintptr_t bar_base[6], const uint64_t bar_size[6],
                        struct virtio_region *out, bool *found)
{
    uint8_t cap_len = cfg->cfg_read8(cfg->ctx, pos + VIRTIO_PCI_CAP_LEN);
    if (cap_len < sizeof(struct virtio_pci_cap) || pos + cap_len > 256)
        return -VIRTIO_ERANGE;            /* fields would lie past config space */
    uint8_t bar = cfg->cfg_read8(cfg->ctx, pos + VIRTIO_PCI_CAP_BAR);
    if (*found || bar > 5 || bar_size[bar] == 0)
        return 0;
    uint64_t off = cfg->cfg_read32(cfg->ctx, pos + VIRTIO_PCI_CAP_OFFSET);
    uint64_t len = cfg->cfg_read32(cfg->ctx, pos + VIRTIO_PCI_CAP_LENGTH);
    if (off > bar_size[bar] || len > bar_size[bar] - off)
        return -VIRTIO_ERANGE;
    out->base = bar_base[bar] + (uintptr_t)off;
    out->len = (uint32_t)len;
    *found = true;
    return 0;
}

int virtio_pci_probe(struct virtio_transport *t, const struct virtio_io *io,
                     const struct virtio_pci_cfgio *cfg, const uintptr_t bar_base[6],
                     const uint64_t bar_size[6])
{
    *t = (struct virtio_transport){ .ops = &pci_ops, .kind = VIRTIO_PCI_MODERN, .io = *io,
                                    .ring_align = 4, .modern = true };
    if (!(cfg->cfg_read16(cfg->ctx, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return -VIRTIO_ENODEV;
    bool found[5] = { false };
    uint64_t seen = 0;                        /* one bit per dword of config space */
    uint8_t pos = cfg->cfg_read8(cfg->ctx, PCI_CAP_PTR) & 0xfc;
    for (unsigned n = 0; pos != 0; n++) {
        if (n == VIRTIO_PCI_MAX_CAPS || pos < 0x40 || (seen >> (pos / 4) & 1))
            return -VIRTIO_ENODEV;            /* too long, in the header, or a loop */
        seen |= 1ull << (pos / 4);
        uint8_t id = cfg->cfg_read8(cfg->ctx, pos);
        uint8_t type = cfg->cfg_read8(cfg->ctx, pos + VIRTIO_PCI_CAP_CFG_TYPE);
        int rc = 0;
        if (id == PCI_CAP_ID_MSIX) {
            t->has_msix = true;
        } else if (id == PCI_CAP_ID_VNDR) {
            struct virtio_region *r = NULL;
            switch (type) {
            case VIRTIO_PCI_CAP_COMMON_CFG: r = &t->u.pci.common; break;
            case VIRTIO_PCI_CAP_NOTIFY_CFG: r = &t->u.pci.notify; break;
            case VIRTIO_PCI_CAP_ISR_CFG: r = &t->u.pci.isr; break;
            case VIRTIO_PCI_CAP_DEVICE_CFG: r = &t->device_cfg; break;
            }
            if (r != NULL) {
                bool was = found[type];
                rc = pci_take_cap(cfg, pos, bar_base, bar_size, r, &found[type]);
                if (rc == 0 && !was && found[type] && type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
                    if (cfg->cfg_read8(cfg->ctx, pos + VIRTIO_PCI_CAP_LEN) <
                        sizeof(struct virtio_pci_notify_cap))
                        return -VIRTIO_ERANGE;
                    t->u.pci.notify_mult =
                        cfg->cfg_read32(cfg->ctx, pos + VIRTIO_PCI_NOTIFY_CAP_MULT);
                }
            }
        }
        if (rc < 0)
            return rc;
        pos = cfg->cfg_read8(cfg->ctx, pos + VIRTIO_PCI_CAP_NEXT) & 0xfc;
    }
    if (!found[VIRTIO_PCI_CAP_COMMON_CFG] || !found[VIRTIO_PCI_CAP_NOTIFY_CFG] ||
        !found[VIRTIO_PCI_CAP_ISR_CFG])
        return -VIRTIO_ENODEV;
    if (t->u.pci.common.len < sizeof(struct virtio_pci_common_cfg) || t->u.pci.isr.len < 1)
        return -VIRTIO_ERANGE;
    return 0;
}
