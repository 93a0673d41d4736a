/* Finding and opening a driver through the device manager (pvdrivers/client/lookup.c). */
#ifndef PVK_LOOKUP_H
#define PVK_LOOKUP_H

#include <stdint.h>
#include "ipc.h"

/* Asks the device manager (its endpoint in slot devmgr) for a send
 * capability to the service endpoint of the driver of device type
 * (virtio id) number instance, retrying for about 5 s while the driver
 * starts. 0 and *ep_out = the new slot, or a negative SYS_E* error. */
long pvk_lookup_device(uint64_t devmgr, uint32_t type, uint32_t instance, uint64_t *ep_out);

/* What opening a device through its driver's service endpoint gives. */
struct pvk_opened {
    uint64_t ep;            /* the driver's service endpoint */
    uint64_t ntfn;          /* ours: the driver signals it */
    uint64_t region;        /* the shared region (frame) */
    uint64_t doorbell;      /* the driver's notification, badged for us */
    struct msg reply;       /* the open call's reply (MR0 = 0, MR1.. protocol-specific) */
};

/* Looks the device up (pvk_lookup_device), then opens it: a new
 * notification sent with the open_label call, the region received with
 * the reply, mapped read-write at va, then the doorbell asked for with
 * doorbell_label. min_bytes: the smallest region the protocol accepts.
 * 0 or a negative SYS_E* error (everything made so far is dropped). */
long pvk_open_device(uint64_t devmgr, uint32_t type, uint32_t instance, uint64_t open_label,
                     uint64_t doorbell_label, uint64_t va, uint64_t min_bytes, struct pvk_opened *out);
/* The region's size in bytes, from an open reply (pages in MR3 bits 32..). */
static inline uint64_t pvk_region_bytes(const struct msg *reply)
{
    return (reply->mr[3] >> 32) * 4096ull;
}
/* Drops what pvk_open_device made (unmaps va if mapped). */
void pvk_close_device(struct pvk_opened *o, uint64_t va);

#endif
