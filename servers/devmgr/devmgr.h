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
#include "pvk/devinfo.h"

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

struct device {
    char name[16];
    uint32_t type, instance;
    uint32_t transport;             /* enum pvk_transport */
    const char *driver;             /* program in the bundle, NULL: none */
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
    unsigned restarts;
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

#endif
