/* The hand-over from the device manager (servers/devmgr) to a driver
 * process, and the device manager's own protocol. Shared by devmgr, every
 * driver (pvdrivers/) and their clients.
 *
 * A driver starts with exactly the capabilities of its own device, in the
 * slots below, and a read-only page describing it (struct pvk_devinfo) at
 * PVK_DEVINFO_VADDR. Nothing of any other device. */
#ifndef PVK_DEVINFO_H
#define PVK_DEVINFO_H

#include <stdint.h>

/* Slots every driver starts with (0: absent). */
#define PVK_SLOT_DEVINFO   3    /* frame: struct pvk_devinfo (read-only) */
#define PVK_SLOT_DEVMGR    4    /* endpoint to the device manager (send, badged) */
#define PVK_SLOT_DMAPOOL   5    /* DMA pool (read, write: allocate; never release) */
#define PVK_SLOT_REGS      6    /* devmem: the virtio-mmio slot's page, or the PCI function's config space */
#define PVK_SLOT_BAR0      7    /* devmem: BAR i at PVK_SLOT_BAR0 + i (memory BARs only) */
#define PVK_SLOT_IRQ0      13   /* interrupt i at PVK_SLOT_IRQ0 + i (a line, or MSI vectors) */
#define PVK_MAX_IRQS       4
#define PVK_SLOT_SERVICE   17   /* endpoint clients call (receive) */
#define PVK_SLOT_IOPORT    18   /* I/O ports (the 16550 for the console fallback) */
#define PVK_SLOT_HEARTBEAT 19   /* notification: signal it to answer a ping (service.h) */
#define PVK_SLOT_FIRST_FREE 24

#define PVK_DEVINFO_VADDR  0x0000003f00000000ull
#define PVK_DEVINFO_MAGIC  0x6f666e69766564ull   /* "devinfo" */

enum pvk_transport {
    PVK_TRANSPORT_MMIO = 1,     /* virtio-mmio (version in the registers) */
    PVK_TRANSPORT_PCI = 2,      /* virtio-pci 1.x */
    PVK_TRANSPORT_UART = 3,     /* a 16550 at I/O ports (console fallback) */
};

enum pvk_irq_kind {
    PVK_IRQ_NONE = 0,
    PVK_IRQ_LINE = 1,           /* one I/O APIC line: ack after handling */
    PVK_IRQ_MSIX = 2,           /* nirq MSI-X vectors: the driver programs the table */
};

struct pvk_devinfo {
    uint64_t magic;
    uint32_t transport;         /* enum pvk_transport */
    uint32_t device_type;       /* virtio device id (1 net, 2 blk, 3 console) */
    uint32_t instance;          /* nth device of its type: blk0, blk1, ... */
    uint32_t platform_flags;    /* INIT_PLATFORM_* (Xen: DMA goes through the IOMMU) */
    char name[16];              /* "blk0" */
    uint64_t regs_paddr;        /* MMIO: the slot; PCI: the config space */
    uint32_t regs_offset;       /* offset of the registers in the PVK_SLOT_REGS page */
    uint32_t regs_size;
    uint16_t pci_segment;
    uint8_t pci_bus, pci_dev, pci_fn, reserved[3];
    struct {
        uint64_t paddr;         /* 0: no memory BAR here */
        uint64_t size;
    } bar[6];
    uint32_t irq_kind;          /* enum pvk_irq_kind */
    uint32_t nirq;
    uint32_t irq_line;          /* PVK_IRQ_LINE: its GSI (for the log) */
    uint32_t uart_port;         /* PVK_TRANSPORT_UART: base port */
    uint64_t dma_allowance;     /* bytes the pool may hold */
    /* PCI without ECAM (configuration only through the shared 0xCF8 ports,
     * which the driver must not have): the first 256 bytes of the
     * function's configuration space as the manager read them, and MSI-X
     * already enabled by the manager. PVK_SLOT_REGS is then empty. */
    uint32_t config_snapshot;   /* 1: use pci_config below */
    uint32_t generation;        /* this start of the driver: 1, 2, ... (service.h) */
    uint8_t pci_config[256];
};
_Static_assert(sizeof(struct pvk_devinfo) <= 4096, "the hand-over fits a page");

/* The device manager's protocol (labels), on the endpoint init gives
 * clients and drivers:
 *   DEVMGR_READY    driver -> devmgr: initialised; MR0 = 0 or a negative
 *                   error; cap: the driver's notification badged
 *                   PVK_NTFN_PING (heartbeats, service.h)
 *   DEVMGR_LOOKUP   client -> devmgr: MR0 = device type, MR1 = instance;
 *                   optional cap: the client's notification, on which
 *                   devmgr signals PVK_NTFN_PEER_RESTARTED when this
 *                   instance of the driver stops. Reply MR0 = 0, MR1 = the
 *                   driver's generation, and a send capability to its
 *                   service endpoint (recv_slot; badge PVK_BADGE_*), or a
 *                   negative error (SYS_ENOENT: no such device; SYS_EBUSY:
 *                   its driver is (re)starting: try again; PVK_EFAILED:
 *                   given up; PVK_ESTOPPED: stopped on request)
 *   DEVMGR_LOOKUP_NAME  the same by name: MR0..MR1 = "blk0" (service.h
 *                   pvk_name_pack)
 *   DEVMGR_LAST_WORDS  driver -> devmgr, sent without blocking (nbsend)
 *                   just before an injected fault fires: MR0 = the fault
 *                   kind, MR1 = sys_time(); kept as the fault's time for
 *                   the recovery figures (SUP_STATS MR8); no reply
 *   SUP_*           the control protocol of service.h, for the drivers
 *   DEVMGR_RESTART  (platform holders' tests) MR0 = type, MR1 = instance:
 *                   kill the driver, reset the device, release its DMA
 *                   memory, start a fresh driver; reply MR0 = 0, MR1 =
 *                   devmgr's quota use afterwards, MR2 = DMA frames released
 *   DEVMGR_LIST     reply MR0 = number of devices found, MR1 = number driven */
#define DEVMGR_READY   0xd001ull
#define DEVMGR_LOOKUP  0xd002ull
#define DEVMGR_RESTART 0xd003ull
#define DEVMGR_LIST    0xd004ull
#define DEVMGR_LOOKUP_NAME 0xd005ull
#define DEVMGR_LAST_WORDS  0xd006ull

/* The slot where init puts the device manager's endpoint in the programs it
 * starts with run= (send right). */
#define PVK_SLOT_DEVMGR_CLIENT 5

#endif
