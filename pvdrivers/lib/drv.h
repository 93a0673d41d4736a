/* The driver skeleton every driver in pvdrivers/ is built on (drv.c). A
 * driver fills a struct drv_ops; drv_main owns the process: it maps the
 * device the device manager handed over (struct pvk_devinfo), sets up the
 * virtio transport (virtio-mmio v1/v2 or virtio-pci 1.x with MSI-X),
 * binds the interrupts, tells the device manager it is ready, and runs the
 * loop: device interrupts call ops->interrupt, client doorbells
 * ops->request, control messages on the service endpoint ops->control.
 * Reading one driver teaches all.
 *
 * Everything a driver knows is rebuilt from the device at start-up: killed
 * at any instruction, it is started again from its pristine image by the
 * device manager after the device was reset. */
#ifndef DRV_H
#define DRV_H

#include <stdbool.h>
#include <stdint.h>
#include "faultinj.h"
#include "runtime.h"
#include "virtio_dev.h"
#include "pvk/devinfo.h"

#define DRV_MAX_CLIENTS 4
#define DRV_MAX_QUEUES  4

struct drv;

struct drv_client {
    bool open;
    uint64_t badge;             /* the devmgr-minted badge of its endpoint capability */
    uint64_t ntfn;              /* slot: the client's notification (we signal it) */
    uint64_t region;            /* slot: the shared region (DMA frame) */
    void *shared;               /* its mapping in the driver */
    uint64_t shared_phys;
    uint64_t size;
};

struct drv_ops {
    const char *name;
    uint32_t device_type;       /* virtio device id (0: not a virtio driver) */
    /* Devices handed over with a non-virtio transport (PVK_TRANSPORT_UART)
     * skip the virtio set-up: no registers, no negotiation; init runs with
     * the interrupts bound and does the device's own set-up. */
    uint64_t features;          /* feature bits wanted beyond the library's */
    /* The device is negotiated (d->vdev.features known); set up the queues
     * and whatever else, before DRIVER_OK. 0 or a negative error. */
    int (*init)(struct drv *d);
    /* A device interrupt arrived (queues to poll). */
    void (*interrupt)(struct drv *d);
    /* A client rang its doorbell. */
    void (*request)(struct drv *d, struct drv_client *c);
    /* A control message (badge in m->badge; c is the client with that
     * badge if it opened, else NULL); received_slot holds a capability that
     * came with it (0: none), which the handler keeps or deletes. Fill the
     * reply in m and return true, or false if it already replied. */
    bool (*control)(struct drv *d, struct drv_client *c, struct msg *m, uint64_t received_slot);
    /* The device broke the protocol: reset it and set up again (the
     * library resets and calls init again after this). */
    void (*reset)(struct drv *d);
    /* The driver's invariants over its own bookkeeping (at least the state
     * it registered with fi_set_state): NULL when they hold, else what is
     * broken. A few compares: it runs at the top of every loop iteration
     * and right after a fault point fired (drv_fault_point). May be NULL. */
    const char *(*check)(struct drv *d);
};

struct drv {
    const struct drv_ops *ops;
    const struct pvk_devinfo *info;
    struct virtio_transport t;
    struct virtio_dev vdev;
    struct virtio_mem mem;
    uint64_t ntfn;              /* slot: interrupts and doorbells arrive here */
    uint16_t vectors[DRV_MAX_QUEUES + 1];   /* MSI-X vector per queue (NO_VECTOR: none) */
    unsigned nirq;
    bool msix;
    struct drv_client clients[DRV_MAX_CLIENTS];
    bool virtio;                /* a virtio transport (not PVK_TRANSPORT_UART) */
    uint64_t wake_tsc;          /* TSC when the loop last woke for a device interrupt */
    bool heartbeat;             /* PVK_SLOT_HEARTBEAT holds the supervisor's notification */
};

/* Runs the driver; returns only if it cannot start (the exit code). */
int drv_main(const struct drv_ops *ops);

/* DMA memory from the device's pool: contiguous, zeroed, mapped read-write
 * in the driver; *phys for the device. slot_out (may be NULL) gets the
 * frame's slot (to share it with a client). 0 or a negative SYS_E*. */
long drv_dma_alloc(struct drv *d, size_t bytes, void **virt, uint64_t *phys, uint64_t *slot_out);

/* Registers a new client for a control message carrying its notification
 * (received into a slot): returns it, or NULL (then m gets an error). */
struct drv_client *drv_client_open(struct drv *d, struct msg *m, uint64_t received_slot);
/* Replies to m with a capability (the region frame without the PHYS
 * right, or a badged doorbell). */
void drv_reply_cap(struct msg *m, uint64_t slot, unsigned rights);
/* A doorbell capability for client c (the driver's notification, badged). */
uint64_t drv_doorbell(struct drv *d, struct drv_client *c);
/* Gives client c its shared region of bytes of DMA memory (allocated on
 * its first opening, kept for the next: DMA memory only goes back when the
 * device is reset). False, with the client closed and an error reply in m,
 * if the pool is spent. */
bool drv_client_region(struct drv *d, struct drv_client *c, uint64_t bytes, struct msg *m);
/* Replies to a doorbell request from client c (NULL: not open) with its
 * badged doorbell, or an error. */
void drv_reply_doorbell(struct drv *d, struct drv_client *c, struct msg *m);
/* Signals client c's notification. */
static inline void drv_signal_client(struct drv_client *c)
{
    sys_signal(c->ntfn, 1);
}
/* Runs ops->check; a violation is logged ("state corrupt: ...; exiting")
 * and ends the process with exit status 2: corrupt state ends in a
 * detected failure (and a restart), never in wrong data. */
void drv_check(struct drv *d);
/* A fault point (faultinj.h fi_point) in a driver's request or completion
 * path. A fault that returns (FI_CORRUPT) is checked for at once, before
 * the damaged state is used: the driver's bookkeeping must be consistent
 * wherever it puts one. */
static inline void drv_fault_point(struct drv *d)
{
    if (__builtin_expect(fi_countdown != 0, 0) && --fi_countdown == 0) {
        fi_fire();
        drv_check(d);
    }
}
/* Answers a heartbeat ping that arrived while the driver is busy in a long
 * operation (other pending notification bits stay pending for the loop). */
void drv_poll_ping(struct drv *d);
/* Logs "name: text". */
void drv_log(struct drv *d, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));

#endif
