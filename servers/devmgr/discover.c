/* Device discovery: PCI functions through ECAM (ACPI MCFG, or microvm's
 * fixed window with pcie=on) or the 0xCF8/0xCFC ports, and the virtio-mmio
 * slots ACPI describes. Each device gets a name (blk0, net0, ...) and the
 * driver program that takes it, if the bundle has one; the log lists them
 * all, the ones nobody drives included. */
#include "cpio.h"
#include "devmgr.h"

#define VIRTIO_MMIO_MAGIC 0x74726976u       /* "virt" */
#define MICROVM_ECAM      0xe0000000ull     /* microvm,pcie=on (no MCFG) */
#define MICROVM_MMIO32_LO 0xc0000000ull     /* its 32-bit BAR window */
#define MICROVM_MMIO32_HI 0xe0000000ull
#define ECAM_BUSES_MAPPED 8

static volatile uint8_t *ecam_bus[ECAM_BUSES_MAPPED];
static uint64_t ecam_base;
static uint8_t ecam_first_bus, ecam_last_bus;

static volatile uint8_t *ecam_at(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    if (bus < ecam_first_bus || bus > ecam_last_bus || bus - ecam_first_bus >= ECAM_BUSES_MAPPED)
        return NULL;
    unsigned i = bus - ecam_first_bus;
    if (!ecam_bus[i])
        ecam_bus[i] = dm_map_device(ecam_base + ((uint64_t)i << 20), 1u << 20);
    if (!ecam_bus[i])
        return NULL;
    return ecam_bus[i] + ((uint32_t)dev << 15 | (uint32_t)fn << 12 | off);
}

static uint32_t ecam_read(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned w)
{
    (void)ctx;
    volatile uint8_t *p = ecam_at(bus, dev, fn, off);
    if (!p)
        return 0xffffffffu;
    return w == 1 ? *p : w == 2 ? *(volatile uint16_t *)p : *(volatile uint32_t *)p;
}

static void ecam_write(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned w, uint32_t v)
{
    (void)ctx;
    volatile uint8_t *p = ecam_at(bus, dev, fn, off);
    if (!p)
        return;
    if (w == 1)
        *p = (uint8_t)v;
    else if (w == 2)
        *(volatile uint16_t *)p = (uint16_t)v;
    else
        *(volatile uint32_t *)p = v;
}

/* The legacy mechanism: address to 0xCF8, data at 0xCFC + (off & 3);
 * only the first 256 bytes of configuration space. */
static uint32_t port_read(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned w)
{
    (void)ctx;
    if (off >= 256)
        return 0xffffffffu;
    uint32_t addr = 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (off & 0xfc);
    sys_ioport(DM_SLOT_IOPORT, SYS_IO_OUT4, 0xcf8, addr);
    uint64_t op = w == 1 ? SYS_IO_IN1 : w == 2 ? SYS_IO_IN2 : SYS_IO_IN4;
    return (uint32_t)sys_ioport(DM_SLOT_IOPORT, op, 0xcfc + (off & 3), 0).ret;
}

static void port_write(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned w, uint32_t v)
{
    (void)ctx;
    if (off >= 256)
        return;
    uint32_t addr = 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (off & 0xfc);
    sys_ioport(DM_SLOT_IOPORT, SYS_IO_OUT4, 0xcf8, addr);
    uint64_t op = w == 1 ? SYS_IO_OUT1 : w == 2 ? SYS_IO_OUT2 : SYS_IO_OUT4;
    sys_ioport(DM_SLOT_IOPORT, op, 0xcfc + (off & 3), v);
}

static struct pci_cfg cfg;
static bool have_pci;

const struct pci_cfg *dm_pci_cfg(void)
{
    return have_pci ? &cfg : NULL;
}

static const char *type_name(uint32_t type)
{
    switch (type) {
    case 1: return "net";
    case 2: return "blk";
    case 3: return "console";
    case 4: return "rng";
    case 5: return "balloon";
    case 9: return "9p";
    case 16: return "gpu";
    case 18: return "input";
    case 19: return "vsock";
    default: return "virtio";
    }
}

/* The driver program for a virtio type: its manifest line's, if the
 * bundle holds it (a line naming a missing program is logged). */
static const char *driver_for(uint32_t type)
{
    const struct manifest_entry *m = dm_driver_entry(type);
    struct cpio_entry e;
    if (!m)
        return NULL;
    if (cpio_find(dm_bundle, dm_boot->bundle_size, m->program, &e) == CPIO_OK)
        return m->program;
    printf("devmgr: manifest line %u: driver %s: no program '%s' in the bundle", m->line, m->name, m->program);
    return NULL;
}

static struct device *new_device(uint32_t type, uint32_t transport)
{
    if (dm_ndevices == DM_MAX_DEVICES)
        return NULL;
    struct device *d = &dm_devices[dm_ndevices++];
    *d = (struct device){ .type = type, .transport = transport };
    for (unsigned i = 0; i + 1 < dm_ndevices; i++)
        if (dm_devices[i].type == type)
            d->instance++;
    snprintf(d->name, sizeof d->name, "%s%u", type_name(type), d->instance);
    d->driver = driver_for(type);
    d->entry = dm_driver_entry(type);
    return d;
}

static bool setup_pci_access(void)
{
    if (dm_boot->necam) {
        ecam_base = dm_boot->ecam[0].paddr;
        ecam_first_bus = dm_boot->ecam[0].bus_start;
        ecam_last_bus = dm_boot->ecam[0].bus_end;
    } else if (dm_boot->platform_flags & INIT_PLATFORM_MICROVM) {
        ecam_base = MICROVM_ECAM;
        ecam_first_bus = 0;
        ecam_last_bus = 255;
    }
    if (ecam_base) {
        cfg = (struct pci_cfg){ .read = ecam_read, .write = ecam_write };
        uint32_t id = ecam_read(NULL, ecam_first_bus, 0, 0, 0, 4);
        if (id != 0xffffffffu && id != 0) {
            printf("devmgr: PCI configuration through ECAM at %#llx (buses %u-%u)%s",
                   (unsigned long long)ecam_base, ecam_first_bus, ecam_last_bus,
                   dm_boot->necam ? "" : ", microvm's fixed window");
            return true;
        }
        if (dm_boot->necam)
            printf("devmgr: ECAM at %#llx does not answer; trying the 0xCF8 ports", (unsigned long long)ecam_base);
        else
            return false;       /* microvm without pcie=on: no PCI at all */
    }
    cfg = (struct pci_cfg){ .read = port_read, .write = port_write };
    uint32_t id = port_read(NULL, 0, 0, 0, 0, 4);
    if (id == 0xffffffffu || id == 0)
        return false;
    printf("devmgr: PCI configuration through the 0xCF8 ports (no ECAM)");
    return true;
}

static void discover_pci(void)
{
    static struct pci_func funcs[PCI_MAX_FUNCS];
    have_pci = setup_pci_access();
    if (!have_pci)
        return;
    unsigned n = pci_enumerate(&cfg, funcs, PCI_MAX_FUNCS);
    uint64_t next = MICROVM_MMIO32_LO;
    for (unsigned i = 0; i < n; i++) {
        struct pci_func *f = &funcs[i];
        uint32_t vt = pci_virtio_type(f);
        char where[32];
        snprintf(where, sizeof where, "pci %04x:%02x:%02x.%x", 0, f->bus, f->dev, f->fn);
        if (!vt) {
            printf("devmgr: %s %04x:%04x class %02x.%02x: no driver", where, f->vendor, f->device,
                   f->class_code, f->subclass);
            continue;
        }
        if (!dm_boot->necam && (dm_boot->platform_flags & INIT_PLATFORM_MICROVM) &&
            !pci_assign_bars(&cfg, f, &next, MICROVM_MMIO32_HI)) {
            printf("devmgr: %s virtio-%s: its BARs do not fit the PCI window; not driven", where, type_name(vt));
            continue;
        }
        struct device *d = new_device(vt, PVK_TRANSPORT_PCI);
        if (!d) {
            printf("devmgr: %s: too many devices; ignored", where);
            continue;
        }
        d->pci = *f;
        printf("devmgr: %s %04x:%04x virtio-%s (%s)%s -> %s", where, f->vendor, f->device, type_name(vt),
               d->name, f->msix_cap ? ", MSI-X" : ", INTx", d->driver ? d->driver : "no driver");
    }
}

static void discover_mmio(void)
{
    for (unsigned i = 0; i < dm_boot->nmmio && i < INIT_MMIO_MAX; i++) {
        uint64_t pa = dm_boot->mmio[i].paddr;
        volatile uint32_t *regs = dm_map_device(pa, dm_boot->mmio[i].size);
        if (!regs) {
            printf("devmgr: mmio %#llx: not inside device memory; ignored", (unsigned long long)pa);
            continue;
        }
        uint32_t magic = regs[0], version = regs[1], id = regs[2];
        if (magic != VIRTIO_MMIO_MAGIC || (version != 1 && version != 2)) {
            printf("devmgr: mmio %#llx: not a virtio-mmio device (magic %#x, version %u)", (unsigned long long)pa,
                   magic, version);
            continue;
        }
        if (id == 0)
            continue;       /* an empty slot */
        struct device *d = new_device(id, PVK_TRANSPORT_MMIO);
        if (!d)
            break;
        d->mmio_paddr = pa;
        d->mmio_gsi = dm_boot->mmio[i].gsi;
        d->mmio_mode = dm_boot->mmio[i].irq_mode;
        d->mmio_regs = regs;
        printf("devmgr: mmio %#llx irq %u virtio-%s v%u (%s) -> %s", (unsigned long long)pa, d->mmio_gsi,
               type_name(id), version, d->name, d->driver ? d->driver : "no driver");
    }
}

/* No virtio console: the console driver takes COM1 (the 16550 the kernel
 * logs to), if the bundle has it. */
static void add_uart_console(void)
{
    for (unsigned i = 0; i < dm_ndevices; i++)
        if (dm_devices[i].type == 3)
            return;
    if (!driver_for(3))
        return;
    struct device *d = new_device(3, PVK_TRANSPORT_UART);
    if (!d)
        return;
    d->uart_port = 0x3f8;
    d->uart_gsi = 4;
    printf("devmgr: uart %#x (%s) -> %s", d->uart_port, d->name, d->driver);
}

void dm_discover(void)
{
    discover_pci();
    discover_mmio();
    unsigned driven = 0;
    for (unsigned i = 0; i < dm_ndevices; i++)
        driven += dm_devices[i].driver != NULL;
    printf("devmgr: %u virtio devices, %u with a driver", dm_ndevices, driven);
    add_uart_console();
}
