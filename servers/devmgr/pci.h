/* PCI enumeration (servers/devmgr/pci.c). Pure code: configuration space
 * is read and written through struct pci_cfg (ECAM mapped memory in the
 * device manager, the 0xCF8/0xCFC ports as a fallback, a fake in the host
 * unit tests), and nothing the devices answer is trusted: header types,
 * capability pointers and BAR sizes are checked and every walk is bounded. */
#ifndef DEVMGR_PCI_H
#define DEVMGR_PCI_H

#include <stdbool.h>
#include <stdint.h>

struct pci_cfg {
    /* off < 4096 and aligned to width (1, 2, 4); a missing function reads all-ones */
    uint32_t (*read)(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width);
    void (*write)(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned width, uint32_t v);
    void *ctx;
};

#define PCI_MAX_FUNCS 64
#define PCI_MAX_BUSES 8         /* buses scanned: 0 and the secondaries of bridges found */

struct pci_bar {
    uint64_t addr;              /* as assigned (0: unassigned) */
    uint64_t size;              /* 0: no BAR */
    bool io, is64, prefetch;
};

struct pci_func {
    uint8_t bus, dev, fn;
    uint16_t vendor, device, subsys_vendor, subsys_id;
    uint8_t class_code, subclass, prog_if, header_type;
    uint8_t irq_line, irq_pin;
    uint16_t msix_cap;          /* offset of the MSI-X capability (0: none) */
    uint16_t msix_entries;
    struct pci_bar bar[6];
};

/* Scans bus 0 and the buses behind bridges (at most PCI_MAX_BUSES), fills
 * out[0..cap) with every function found, BARs sized (decoding is turned off
 * while sizing and restored). Returns how many. */
unsigned pci_enumerate(const struct pci_cfg *cfg, struct pci_func *out, unsigned cap);

/* Assigns unassigned memory BARs of f from [*next, limit) (naturally
 * aligned, 64-bit BARs placed there too); false if one does not fit (a
 * 32-bit BAR fits only below 4 GiB). */
bool pci_assign_bars(const struct pci_cfg *cfg, struct pci_func *f, uint64_t *next, uint64_t limit);

/* Turns on memory decoding and bus mastering (the driver's device may DMA). */
void pci_enable(const struct pci_cfg *cfg, const struct pci_func *f);
/* Enables MSI-X (function unmasked) for a driver that has no access to
 * configuration space; its table entries stay masked until it programs them. */
void pci_msix_enable(const struct pci_cfg *cfg, const struct pci_func *f);
/* Turns off bus mastering: the device can no longer reach memory (the first
 * step of a reset, whatever the device). */
void pci_stop_dma(const struct pci_cfg *cfg, const struct pci_func *f);

/* The virtio device type of a virtio-pci function (0: not virtio): modern
 * ids 0x1040 + type, transitional 0x1000-0x103f by subsystem id. */
uint32_t pci_virtio_type(const struct pci_func *f);

#endif
