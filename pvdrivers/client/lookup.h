/* Finding and opening a driver through the device manager (pvdrivers/client/lookup.c). */
#ifndef PVK_LOOKUP_H
#define PVK_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>
#include "ipc.h"

/* How long a lookup keeps asking while the driver (re)starts (SYS_EBUSY). */
#define PVK_LOOKUP_BOUND_NS 5000000000ull

/* Asks the device manager (its endpoint in slot devmgr) for a send
 * capability to the service endpoint of the driver of device type
 * (virtio id) number instance, retrying for about 5 s while the driver
 * starts (SYS_EBUSY). watch_ntfn (0: none) is a notification of ours the
 * device manager keeps: it signals PVK_NTFN_PEER_RESTARTED (pvk/service.h)
 * on it when this instance of the driver stops. 0, *ep_out = the new slot
 * and *gen_out (may be NULL) = the driver's generation (0: the device
 * manager did not say), or a negative error: SYS_ENOENT, PVK_EFAILED,
 * PVK_ESTOPPED (at once), SYS_ETIMEOUT (still starting after 5 s). */
long pvk_lookup_device(uint64_t devmgr, uint32_t type, uint32_t instance, uint64_t watch_ntfn, uint64_t *ep_out,
                       uint32_t *gen_out);
/* The same by name ("blk0", "net1", "console0": DEVMGR_LOOKUP_NAME). */
long pvk_lookup_name(uint64_t devmgr, const char *name, uint64_t watch_ntfn, uint64_t *ep_out, uint32_t *gen_out);
/* pvk_lookup_name, asking until deadline (ns since boot) instead of 5 s. */
long pvk_lookup_name_until(uint64_t devmgr, const char *name, uint64_t watch_ntfn, uint64_t deadline,
                           uint64_t *ep_out, uint32_t *gen_out);
/* The device manager's name for device type number instance ("blk0"):
 * writes out[16] (NUL-terminated). */
void pvk_device_name(uint32_t type, uint32_t instance, char out[16]);

/* What opening a device through its driver's service endpoint gives. */
struct pvk_opened {
    uint64_t ep;            /* the driver's service endpoint */
    uint64_t ntfn;          /* ours: the driver signals it; so does the device manager (PVK_NTFN_PEER_RESTARTED) */
    uint64_t region;        /* the shared region (frame) */
    uint64_t doorbell;      /* the driver's notification, badged for us */
    uint32_t gen;           /* the driver's generation (0: unknown) */
    struct msg reply;       /* the open call's reply (MR0 = 0, MR1.. protocol-specific) */
};

/* Makes a notification, looks the device up with it as the watch
 * notification (pvk_lookup_device), then opens it: the notification sent
 * with the open_label call, the region received with the reply, mapped
 * read-write at va, then the doorbell asked for with doorbell_label.
 * min_bytes: the smallest region the protocol accepts. With a known
 * generation, the region's first ring header must carry it as its epoch
 * (else SYS_EINVAL). 0 or a negative error (everything made so far is
 * dropped). */
long pvk_open_device(uint64_t devmgr, uint32_t type, uint32_t instance, uint64_t open_label,
                     uint64_t doorbell_label, uint64_t va, uint64_t min_bytes, struct pvk_opened *out);
/* The same by name, the lookup asking until deadline (0: about 5 s). */
long pvk_open_name(uint64_t devmgr, const char *name, uint64_t open_label, uint64_t doorbell_label, uint64_t va,
                   uint64_t min_bytes, uint64_t deadline, struct pvk_opened *out);
/* The region's size in bytes, from an open reply (pages in MR3 bits 32..). */
static inline uint64_t pvk_region_bytes(const struct msg *reply)
{
    return (reply->mr[3] >> 32) * 4096ull;
}
/* Moves a newly opened region (o, mapped at scratch_va) to va, where
 * old_region is mapped now: 0, or an error with old_region mapped at va
 * again and o closed. */
long pvk_swap_region(struct pvk_opened *o, uint64_t old_region, uint64_t va, uint64_t scratch_va);
/* The driver of a region died: copies the region's first keep bytes
 * into a private frame of size bytes (our quota), puts that at va in the
 * region's place, and drops the region, so that its memory goes back to
 * the device manager (on a small machine the next instance's DMA pool
 * needs it) while the caller's pointers into it stay valid. scratch_va:
 * a free range of size bytes, used for a moment. 0 and *region = the
 * private frame, or an error (nothing changed: the region is kept). */
long pvk_evacuate_region(uint64_t *region, uint64_t va, uint64_t size, uint64_t keep, uint64_t scratch_va);

/* A client's region while its driver is away. */
struct pvk_away {
    uint64_t *region;           /* the slot of what is mapped at va: the dead region, or the private copy */
    uint64_t va, size;          /* where and how big */
    uint64_t keep;              /* bytes from va that an evacuation keeps */
    bool evacuated;             /* *region is the private copy */
};
/* Opens name again after its driver died, the new region mapped at
 * scratch_va (then the caller copies what it keeps from va and calls
 * pvk_swap_region). The device manager restarts a crashed driver before
 * its clients run, so one try comes first, with the dead region still at
 * va: nothing is copied twice and no private frame is made. If the driver
 * is not back, the region is evacuated (pvk_evacuate_region, a->evacuated
 * set) so the dead instance's memory goes back while the lookup waits
 * until deadline. 0 and *o, or the error. */
long pvk_reopen_name(uint64_t devmgr, const char *name, uint64_t open_label, uint64_t doorbell_label,
                     uint64_t scratch_va, uint64_t min_bytes, uint64_t deadline, struct pvk_away *a,
                     struct pvk_opened *o);
/* A new notification in a fresh slot (*slot): 0 or SYS_ENOMEM. */
long pvk_new_ntfn(uint64_t *slot);
/* Drops what pvk_open_device made (unmaps va if mapped and va is not 0). */
void pvk_close_device(struct pvk_opened *o, uint64_t va);

#endif
