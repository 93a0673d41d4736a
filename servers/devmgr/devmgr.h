/* The device manager (servers/devmgr): finds the machine's devices (PCI
 * through ECAM or the 0xCF8 ports, virtio-mmio slots from ACPI), logs them,
 * starts one driver process per device it has a driver for, handing it the
 * capabilities of that device only, and takes a dead driver's device back
 * (DMA stopped, device reset, DMA memory released) before anything else. */
#ifndef DEVMGR_H
#define DEVMGR_H

#include <stdbool.h>
#include <stdint.h>
#include "pci.h"
#include "runtime.h"
#include "spawn.h"
#include "manifest.h"
#include "superv.h"
#include "pvk/devinfo.h"
#include "pvk/service.h"

/* Slots init gives the device manager. */
#define DM_SLOT_BOOTINFO  3     /* frame: a copy of init's boot information */
#define DM_SLOT_BUNDLE    4
#define DM_SLOT_IOPORT    5
#define DM_SLOT_MSI       6
#define DM_SLOT_EP        7     /* its endpoint (receive): drivers, clients, faults */
#define DM_SLOT_PLATFORM  8     /* platform (only in test runs: DEVMGR_RESTART) */

#define DM_MAX_DEVICES 16
extern uint64_t dm_death_ntfn;      /* bit i: device i's driver died */
#define DM_MAX_GIVEN   16       /* capabilities derived for one driver */
#define DM_MAX_WATCH   8        /* clients told when a driver instance stops */
/* Bits of dm_death_ntfn: 0..15 device i's driver died; 32..47 device i's
 * driver answered a heartbeat ping. */
#define DM_PONG_BIT(i) (1ull << (32 + (i)))

struct device {
    char name[16];
    uint32_t type, instance;
    uint32_t transport;             /* enum pvk_transport */
    const char *driver;             /* program in the bundle, NULL: none */
    const struct manifest_entry *entry; /* its manifest line (NULL: none for this type) */
    struct pci_func pci;
    uint64_t mmio_paddr;
    uint32_t mmio_gsi, mmio_mode;
    volatile uint32_t *mmio_regs;   /* devmgr's own mapping, to reset the device */
    uint16_t uart_port;             /* PVK_TRANSPORT_UART: base port (8 ports) */
    uint32_t uart_gsi;
    /* The running driver. */
    bool running, ready;
    struct spawned proc;
    uint64_t service_ep;            /* the driver's service endpoint (devmgr creates it) */
    uint64_t pool;
    uint64_t given[DM_MAX_GIVEN];   /* derived capabilities to revoke when it dies */
    unsigned ngiven;
    /* Supervision (supervise.c). */
    struct svc_track track;
    uint64_t ping;                  /* the driver's notification, badged PVK_NTFN_PING (0: none yet) */
    struct svc_heartbeat beat;      /* the instance's last sign of life and unanswered ping */
    uint64_t last_words;            /* when its last injected fault fired (DEVMGR_LAST_WORDS) */
    uint64_t ready_at;              /* when the running instance became ready */
    uint64_t watch[DM_MAX_WATCH];   /* clients' notifications (slots) */
    unsigned nwatch;
};

extern const struct init_bootinfo *dm_boot;
extern const void *dm_bundle;      /* mapped, dm_boot->bundle_size bytes */
extern struct device dm_devices[DM_MAX_DEVICES];
extern unsigned dm_ndevices;

/* Maps [paddr, paddr + size) of device memory (page-rounded) into the
 * device manager; returns the address of paddr, or 0. */
volatile void *dm_map_device(uint64_t paddr, uint64_t size);
/* A new capability (in a fresh slot) to the device memory [paddr, paddr +
 * size), page-rounded, derived from the window that covers it; 0 if none. */
uint64_t dm_derive_devmem(uint64_t paddr, uint64_t size);

/* Discovery (discover.c): fills dm_devices and logs what was found. */
void dm_discover(void);
/* Drivers (drivers.c). */
void dm_start_driver(struct device *d);
/* Takes the device back from a driver that is dead or about to be killed:
 * DMA stopped and the device reset, then its DMA memory released and every
 * capability it was given revoked. Returns the DMA frames released. */
long dm_reclaim(struct device *d, const char *why);
const struct pci_cfg *dm_pci_cfg(void);

/* Supervision (supervise.c): the manifest, restart policy, heartbeats. */
extern struct manifest dm_manifest;
void dm_load_manifest(void);
/* The manifest's driver entry for a virtio type (NULL: none). */
const struct manifest_entry *dm_driver_entry(uint32_t type);
/* The driver instance ended (why: enum pvk_svc_failure): take the device
 * back, tell its clients, and restart it or not as its policy says. */
void dm_driver_ended(struct device *d, enum pvk_svc_failure why, uint32_t vector, uint64_t address);
/* The driver reported DEVMGR_READY (ok: its start-up worked; ping: its
 * notification for heartbeats, a slot we now own, or 0). */
void dm_driver_ready(struct device *d, bool ok, uint64_t ping);
/* A heartbeat answer arrived from device i's driver. */
void dm_pong(struct device *d);
/* Heartbeats, ready time-outs and back-offs due at now; returns the next
 * time something is due (0: nothing). */
uint64_t dm_tick(uint64_t now);
/* A client's notification to tell when the driver stops (slot owned now). */
void dm_watch(struct device *d, uint64_t ntfn);
/* Signals bits (PVK_NTFN_PEER_*) to every watcher and forgets them. */
void dm_tell_watchers(struct device *d, uint64_t bits);
/* SUP_* control messages; fills the reply in m. privileged: may change states. */
void dm_control(struct msg *m, bool privileged);
/* Whether restart lines for d go to the log now (the first ones, then one in 100). */
bool dm_log_restart(const struct device *d);
/* Starts the driver of d (a new generation), logging a failure to start. */
void dm_launch(struct device *d);

#endif
