/* Starting a driver with its own device's capabilities, and taking the
 * device back when the driver dies (see devmgr.h). */
#include "devmgr.h"

/* DMA memory a driver may hold (its manifest line's dma=): its queues and
 * one 2 MiB shared region per client. */
static uint64_t dma_allowance(const struct device *d)
{
    return d->entry ? d->entry->dma : 1u << 20;
}
#define SCRATCH_VA      0x0000003c00000000ull
#define VIRTIO_MMIO_STATUS 0x70

static uint64_t keep(struct device *d, uint64_t slot)
{
    if (slot && d->ngiven < DM_MAX_GIVEN)
        d->given[d->ngiven++] = slot;
    return slot;
}

static uint64_t new_slot(struct device *d)
{
    int s = rt_slot_alloc();
    return s < 0 ? 0 : keep(d, (uint64_t)s);
}

/* The page describing the device, read-only in the driver. */
static uint64_t make_devinfo(struct device *d)
{
    uint64_t slot = new_slot(d);
    if (!slot || sys_create(CAP_FRAME, slot, 1).ret != 0 ||
        sys_map(slot, RT_SLOT_SELF_PROCESS, SCRATCH_VA, CAP_R_READ | CAP_R_WRITE).ret != 0)
        return 0;
    struct pvk_devinfo *di = (struct pvk_devinfo *)SCRATCH_VA;
    memset(di, 0, sizeof *di);
    di->magic = PVK_DEVINFO_MAGIC;
    di->transport = d->transport;
    di->device_type = d->type;
    di->instance = d->instance;
    di->platform_flags = dm_boot->platform_flags;
    strlcpy(di->name, d->name, sizeof di->name);
    di->dma_allowance = dma_allowance(d);
    di->generation = d->track.generation;
    if (d->transport == PVK_TRANSPORT_UART) {
        di->uart_port = d->uart_port;
        di->irq_kind = PVK_IRQ_LINE;
        di->nirq = 1;
        di->irq_line = d->uart_gsi;
    } else if (d->transport == PVK_TRANSPORT_MMIO) {
        di->regs_paddr = d->mmio_paddr;
        di->regs_offset = (uint32_t)(d->mmio_paddr & 0xfff);
        di->regs_size = 0x200;
        di->irq_kind = PVK_IRQ_LINE;
        di->nirq = 1;
        di->irq_line = d->mmio_gsi;
    } else {
        di->pci_bus = d->pci.bus;
        di->pci_dev = d->pci.dev;
        di->pci_fn = d->pci.fn;
        di->regs_size = 4096;
        const struct pci_cfg *cfg = dm_pci_cfg();
        if (cfg && !dm_boot->necam && !(dm_boot->platform_flags & INIT_PLATFORM_MICROVM)) {
            di->config_snapshot = 1;
            for (unsigned off = 0; off < 256; off += 4) {
                uint32_t v = cfg->read(cfg->ctx, d->pci.bus, d->pci.dev, d->pci.fn, (uint16_t)off, 4);
                memcpy(&di->pci_config[off], &v, 4);
            }
        }
        for (unsigned i = 0; i < 6; i++) {
            if (d->pci.bar[i].size && !d->pci.bar[i].io) {
                di->bar[i].paddr = d->pci.bar[i].addr;
                di->bar[i].size = d->pci.bar[i].size;
            }
        }
    }
    sys_unmap(RT_SLOT_SELF_PROCESS, SCRATCH_VA);
    return slot;
}

void dm_start_driver(struct device *d)
{
    struct spawn_caps caps[24];
    unsigned n = 0;
    d->ngiven = 0;
    d->pool = d->service_ep = 0;
    d->ready = false;
    if (!d->entry || !d->driver)
        return;

    uint64_t info = make_devinfo(d);
    if (!info) {
        printf("devmgr: %s: cannot describe the device to its driver", d->name);
        return;
    }
    caps[n++] = (struct spawn_caps){ info, PVK_SLOT_DEVINFO, CAP_R_READ };
    /* The manager's endpoint, badged with the device, for READY. */
    uint64_t to_me = new_slot(d);
    /* Grant: DEVMGR_READY carries the driver's ping capability. */
    if (!to_me || sys_cap_copy(DM_SLOT_EP, to_me, CAP_R_WRITE | CAP_R_GRANT, 0xd10000ull | (uint64_t)(d - dm_devices)).ret)
        return;
    caps[n++] = (struct spawn_caps){ to_me, PVK_SLOT_DEVMGR, CAP_R_WRITE | CAP_R_GRANT };
    /* Heartbeat answers: our notification, badged with the device's bit. */
    uint64_t pong = new_slot(d);
    if (!pong || sys_cap_copy(dm_death_ntfn, pong, CAP_R_WRITE, DM_PONG_BIT(d - dm_devices)).ret)
        return;
    caps[n++] = (struct spawn_caps){ pong, PVK_SLOT_HEARTBEAT, CAP_R_WRITE };
    /* A DMA pool: its frames outlive the driver until the device is reset. */
    d->pool = new_slot(d);
    if (!d->pool || sys_device(INIT_CAP_DEVMEM_BASE, SYS_DEV_DMA_POOL, d->pool, dma_allowance(d), 0).ret) {
        printf("devmgr: %s: no memory for a DMA pool", d->name);
        return;
    }
    caps[n++] = (struct spawn_caps){ d->pool, PVK_SLOT_DMAPOOL, CAP_R_READ | CAP_R_WRITE };
    /* The service endpoint clients will call. */
    d->service_ep = new_slot(d);
    if (!d->service_ep || sys_create(CAP_ENDPOINT, d->service_ep, 0).ret)
        return;
    caps[n++] = (struct spawn_caps){ d->service_ep, PVK_SLOT_SERVICE, CAP_R_READ };

    if (d->transport == PVK_TRANSPORT_UART) {
        /* Its eight I/O ports and its line (edge, active high: ISA). */
        uint64_t io = new_slot(d);
        if (!io || sys_device(DM_SLOT_IOPORT, SYS_DEV_IOPORT_DERIVE, io, d->uart_port, 8).ret != 0) {
            printf("devmgr: %s: cannot derive the UART's I/O ports; not started", d->name);
            return;
        }
        caps[n++] = (struct spawn_caps){ io, PVK_SLOT_IOPORT, CAP_R_WRITE };
        uint64_t line = INIT_CAP_IRQ_BASE + d->uart_gsi;
        if (d->uart_gsi < INIT_IRQ_COUNT && sys_cap_info(line).ret == CAP_IRQ &&
            sys_irq_ctl(line, SYS_IRQ_MODE, SYS_IRQ_MODE_EDGE | SYS_IRQ_MODE_HIGH).ret == 0)
            caps[n++] = (struct spawn_caps){ line, PVK_SLOT_IRQ0, CAP_R_WRITE };
    } else if (d->transport == PVK_TRANSPORT_MMIO) {
        uint64_t regs = keep(d, dm_derive_devmem(d->mmio_paddr, 0x200));
        if (!regs)
            return;
        caps[n++] = (struct spawn_caps){ regs, PVK_SLOT_REGS, CAP_R_READ | CAP_R_WRITE };
        uint64_t line = INIT_CAP_IRQ_BASE + d->mmio_gsi;
        if (d->mmio_gsi < INIT_IRQ_COUNT) {
            sys_irq_ctl(line, SYS_IRQ_MODE, d->mmio_mode);
            caps[n++] = (struct spawn_caps){ line, PVK_SLOT_IRQ0, CAP_R_WRITE };
        }
    } else {
        const struct pci_cfg *cfg = dm_pci_cfg();
        uint64_t regs = 0;
        if (dm_boot->necam || (dm_boot->platform_flags & INIT_PLATFORM_MICROVM)) {
            uint64_t base = dm_boot->necam ? dm_boot->ecam[0].paddr : 0xe0000000ull;
            uint8_t first = dm_boot->necam ? dm_boot->ecam[0].bus_start : 0;
            regs = keep(d, dm_derive_devmem(base + ((uint64_t)(d->pci.bus - first) << 20 |
                                                    (uint64_t)d->pci.dev << 15 | (uint64_t)d->pci.fn << 12), 4096));
        }
        if (regs)
            caps[n++] = (struct spawn_caps){ regs, PVK_SLOT_REGS, CAP_R_READ | CAP_R_WRITE };
        else if (!cfg) {
            printf("devmgr: %s: no access to its configuration space; not started", d->name);
            return;
        }
        for (unsigned i = 0; i < 6; i++) {
            const struct pci_bar *b = &d->pci.bar[i];
            if (!b->size || b->io || !b->addr)
                continue;
            uint64_t bar = keep(d, dm_derive_devmem(b->addr, b->size));
            if (bar)
                caps[n++] = (struct spawn_caps){ bar, PVK_SLOT_BAR0 + i, CAP_R_READ | CAP_R_WRITE };
        }
        if (d->pci.msix_cap) {
            unsigned nvec = d->pci.msix_entries < PVK_MAX_IRQS ? d->pci.msix_entries : PVK_MAX_IRQS;
            for (unsigned i = 0; i < nvec; i++) {
                uint64_t v = new_slot(d);
                if (!v || sys_irq_ctl(DM_SLOT_MSI, SYS_IRQ_MSI_ALLOC, v).ret != 0)
                    break;
                caps[n++] = (struct spawn_caps){ v, PVK_SLOT_IRQ0 + i, CAP_R_WRITE };
            }
        } else if (d->pci.irq_pin && d->pci.irq_line < INIT_IRQ_COUNT) {
            caps[n++] = (struct spawn_caps){ INIT_CAP_IRQ_BASE + d->pci.irq_line, PVK_SLOT_IRQ0, CAP_R_WRITE };
        }
        if (cfg) {
            pci_enable(cfg, &d->pci);
            if (!regs && d->pci.msix_cap)
                pci_msix_enable(cfg, &d->pci);
        }
    }

    struct spawn_args a = {
        .bundle = dm_bundle, .bundle_size = dm_boot->bundle_size, .name = d->driver,
        .quota = d->entry->quota, .priority = d->entry->priority, .arg = 0,
        .fault_ep = DM_SLOT_EP, .fault_badge = 0xfa0000ull | (uint64_t)(d - dm_devices), .caps = caps, .ncaps = n,
    };
    long rc = spawn(&a, &d->proc);
    if (rc < 0) {
        printf("devmgr: %s: cannot start driver %s: error %ld", d->name, d->driver, rc);
        dm_reclaim(d, "it did not start");
        return;
    }
    d->running = true;
    /* Its death, however it comes, is signalled to the manager. */
    int bit = rt_slot_alloc();
    if (bit >= 0 && sys_cap_copy(dm_death_ntfn, (uint64_t)bit, CAP_R_WRITE, 1ull << (d - dm_devices)).ret == 0)
        sys_thread_ctl(d->proc.thread_slot, SYS_THREAD_DEATH_NTFN, (uint64_t)bit);
    if (bit >= 0) {
        sys_cap_delete((uint64_t)bit);
        rt_slot_free(bit);
    }
}

/* Stops the device reaching memory and resets it, whatever state the dead
 * driver left it in. */
static void reset_device(struct device *d)
{
    if (d->transport == PVK_TRANSPORT_MMIO && d->mmio_regs) {
        d->mmio_regs[VIRTIO_MMIO_STATUS / 4] = 0;
        for (unsigned i = 0; i < 100000 && d->mmio_regs[VIRTIO_MMIO_STATUS / 4] != 0; i++)
            ;
    } else if (d->transport == PVK_TRANSPORT_PCI && dm_pci_cfg()) {
        pci_stop_dma(dm_pci_cfg(), &d->pci);
    } else if (d->transport == PVK_TRANSPORT_UART) {
        sys_ioport(DM_SLOT_IOPORT, SYS_IO_OUT1, d->uart_port + 1u, 0);     /* IER: no interrupts */
    }
}

long dm_reclaim(struct device *d, const char *why)
{
    bool was_running = d->running;
    if (!was_running && !d->ngiven)
        return 0;
    if (was_running) {
        sys_thread_ctl(d->proc.thread_slot, SYS_THREAD_DEATH_NTFN, 0);    /* we know */
        sys_thread_ctl(d->proc.thread_slot, SYS_THREAD_KILL, 0);
    }
    reset_device(d);
    long released = d->pool ? sys_device(d->pool, SYS_DEV_DMA_RELEASE, 0, 0, 0).ret : 0;
    for (unsigned i = d->ngiven; i-- > 0;) {
        uint64_t s = d->given[i];
        if (s == d->service_ep)
            continue;       /* clients keep their capabilities: they learn of the death */
        sys_cap_revoke(s);
        sys_cap_delete(s);
        rt_slot_free((int)s);
    }
    /* The service endpoint goes with the driver: clients' calls fail with
     * SYS_EDEAD and they look the device up again. */
    if (d->service_ep) {
        sys_cap_revoke(d->service_ep);
        sys_cap_delete(d->service_ep);
        rt_slot_free((int)d->service_ep);
    }
    if (was_running) {
        sys_cap_revoke(d->proc.thread_slot);
        sys_cap_revoke(d->proc.process_slot);
        sys_cap_delete(d->proc.thread_slot);
        sys_cap_delete(d->proc.process_slot);
        rt_slot_free((int)d->proc.thread_slot);
        rt_slot_free((int)d->proc.process_slot);
    }
    d->ngiven = 0;
    d->pool = d->service_ep = 0;
    d->running = d->ready = false;
    if (dm_log_restart(d))
        printf("devmgr: %s: driver stopped (%s); device reset, %ld DMA frames released", d->name, why, released);
    return released;
}
