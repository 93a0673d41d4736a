/* A software virtio device for the host tests of pvdrivers/virtio: the
 * register files of virtio-mmio v1 and v2 and of modern virtio-pci (a fake
 * configuration space with vendor capabilities and a fake BAR), rings in a
 * host memory pool whose device addresses are offset from the host ones
 * (phys = VM_PHYS_BASE + pool offset), so a missed translation shows.
 * The model consumes the avail ring and writes the used ring like a device
 * ("echo": device-readable bytes are copied into the writable ones).
 * Register accesses outside the register file abort the test. */
#ifndef VIRTIO_MODEL_H
#define VIRTIO_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_dev.h"

#define VM_PHYS_BASE   0x4000000000ull
#define VM_MMIO_BASE   0xfeb00000u
#define VM_MMIO_LEN    0x200u
#define VM_BAR_BASE    0xfe000000u    /* BAR 4 */
#define VM_BAR_SIZE    0x4000u
#define VM_MAX_QUEUES  4

enum vm_kind { VM_MMIO1 = 1, VM_MMIO2, VM_PCI };

struct vm_queue {
    uint16_t num_max, num, msix, notify_off;
    bool ready;
    uint32_t pfn;
    uint64_t desc, avail, used;        /* device addresses */
    uint16_t last_avail, used_idx;
    unsigned notifies;
};

/* One request as the device saw it. */
struct vm_req {
    uint16_t head;
    uint32_t out_len, in_len;          /* readable / writable bytes */
    unsigned nseg;
    bool indirect;
};

struct vm {
    enum vm_kind kind;
    uint8_t *pool;                     /* DMA memory */
    size_t pool_size, pool_used;
    uint8_t *priv;                     /* the driver's private memory */
    size_t priv_size, priv_used;
    uint32_t device_id;
    uint64_t dev_features, drv_features;
    uint32_t dfsel, gfsel;
    uint8_t status;
    uint8_t gen;
    uint16_t qsel, num_queues;
    struct vm_queue q[VM_MAX_QUEUES];
    uint8_t cfg[256];                  /* device-specific configuration */
    uint32_t page_size, queue_align;
    uint32_t isr;
    uint16_t config_msix;
    bool msix;                         /* accepts MSI-X vectors 0..7 */
    /* Behaviour knobs for the tests. */
    bool refuse_features_ok, gen_unstable;
    unsigned reset_delay, reset_reads;
    unsigned interrupts;               /* interrupts the device raised */
    /* PCI */
    uint8_t pcicfg[256];
    uintptr_t bar_base[6];
    uint64_t bar_size[6];
    /* Transport handles for the library. */
    struct virtio_io io;
    struct virtio_pci_cfgio cfgio;
    struct virtio_mem mem;
};

struct vm *vm_create(enum vm_kind kind, uint32_t device_id, uint64_t features);
void vm_destroy(struct vm *m);
/* Probe the model with the library's transport of its kind. */
int vm_probe(struct vm *m, struct virtio_transport *t);

void *vm_virt(struct vm *m, uint64_t phys, uint64_t len);     /* aborts outside the pool */
uint64_t vm_phys(struct vm *m, const void *virt);
void *vm_alloc(struct vm *m, size_t bytes, uint64_t *phys);  /* a DMA buffer */

/* Take the next request from queue qi's avail ring (false: none). */
bool vm_pop(struct vm *m, unsigned qi, struct vm_req *r);
/* Write one used element {id, len} and advance used->idx (raw: the tests
 * of a malicious device pass anything). Raises an interrupt when the
 * driver asked for one. */
void vm_push_used(struct vm *m, unsigned qi, uint32_t id, uint32_t len);
/* Pop every request, echo it, complete it in order. Returns the count. */
unsigned vm_run(struct vm *m, unsigned qi);
/* Set the device's avail_event (EVENT_IDX) / used->flags. */
void vm_set_avail_event(struct vm *m, unsigned qi, uint16_t v);
void vm_set_used_flags(struct vm *m, unsigned qi, uint16_t v);
volatile struct vring_used *vm_used(struct vm *m, unsigned qi);
volatile struct vring_avail *vm_avail(struct vm *m, unsigned qi);
volatile struct vring_desc *vm_desc(struct vm *m, unsigned qi);

#endif
