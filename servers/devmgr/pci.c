/* PCI enumeration: see pci.h. */
#include "pci.h"

#define PCI_VENDOR      0x00
#define PCI_COMMAND     0x04
#define PCI_CLASS_REV   0x08
#define PCI_HEADER      0x0e
#define PCI_BAR0        0x10
#define PCI_SUBSYS      0x2c
#define PCI_CAP_PTR     0x34
#define PCI_INTERRUPT   0x3c
#define PCI_SECONDARY   0x19
#define PCI_STATUS_CAPS 0x10
#define PCI_CMD_MEM     0x2
#define PCI_CMD_IO      0x1
#define PCI_CMD_MASTER  0x4
#define PCI_CAP_MSIX    0x11
#define PCI_CAP_WALK_MAX 48

static uint32_t rd(const struct pci_cfg *c, const struct pci_func *f, uint16_t off, unsigned w)
{
    return c->read(c->ctx, f->bus, f->dev, f->fn, off, w);
}

static void wr(const struct pci_cfg *c, const struct pci_func *f, uint16_t off, unsigned w, uint32_t v)
{
    c->write(c->ctx, f->bus, f->dev, f->fn, off, w, v);
}

/* Sizes the BARs of a type-0 function with decoding off. */
static void size_bars(const struct pci_cfg *c, struct pci_func *f)
{
    uint16_t cmd = (uint16_t)rd(c, f, PCI_COMMAND, 2);
    wr(c, f, PCI_COMMAND, 2, cmd & ~(PCI_CMD_MEM | PCI_CMD_IO));
    for (unsigned i = 0; i < 6; i++) {
        uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
        uint32_t orig = rd(c, f, off, 4);
        wr(c, f, off, 4, 0xffffffffu);
        uint32_t mask = rd(c, f, off, 4);
        wr(c, f, off, 4, orig);
        struct pci_bar *b = &f->bar[i];
        if (mask == 0 || mask == 0xffffffffu)
            continue;
        if (orig & 1) {
            b->io = true;
            uint32_t m = mask & ~3u;
            b->size = (~m + 1) & 0xffff;
            b->addr = orig & ~3u;
            continue;
        }
        b->prefetch = (orig & 8) != 0;
        uint64_t m = mask & ~0xfull, a = orig & ~0xfull;
        if (((orig >> 1) & 3) == 2 && i < 5) {
            uint16_t hoff = (uint16_t)(off + 4);
            uint32_t horig = rd(c, f, hoff, 4);
            wr(c, f, hoff, 4, 0xffffffffu);
            uint32_t hmask = rd(c, f, hoff, 4);
            wr(c, f, hoff, 4, horig);
            m |= (uint64_t)hmask << 32;
            a |= (uint64_t)horig << 32;
            b->is64 = true;
        } else {
            m |= 0xffffffff00000000ull;
        }
        b->size = ~m + 1;
        b->addr = a;
        if (b->is64)
            i++;        /* the upper half is not a BAR of its own */
    }
    wr(c, f, PCI_COMMAND, 2, cmd);
}

static void find_msix(const struct pci_cfg *c, struct pci_func *f)
{
    if (!(rd(c, f, 0x06, 2) & PCI_STATUS_CAPS))
        return;
    uint8_t ptr = (uint8_t)rd(c, f, PCI_CAP_PTR, 1) & 0xfc;
    for (unsigned n = 0; ptr >= 0x40 && n < PCI_CAP_WALK_MAX; n++) {
        if (rd(c, f, ptr, 1) == PCI_CAP_MSIX) {
            f->msix_cap = ptr;
            f->msix_entries = (uint16_t)((rd(c, f, (uint16_t)(ptr + 2), 2) & 0x7ff) + 1);
            return;
        }
        ptr = (uint8_t)rd(c, f, (uint16_t)(ptr + 1), 1) & 0xfc;
    }
}

unsigned pci_enumerate(const struct pci_cfg *c, struct pci_func *out, unsigned cap)
{
    uint8_t buses[PCI_MAX_BUSES] = { 0 };
    unsigned nbuses = 1, n = 0;
    for (unsigned bi = 0; bi < nbuses; bi++) {
        for (uint8_t dev = 0; dev < 32; dev++) {
            for (uint8_t fn = 0; fn < 8; fn++) {
                struct pci_func f = { .bus = buses[bi], .dev = dev, .fn = fn };
                uint32_t id = rd(c, &f, PCI_VENDOR, 4);
                if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0) {
                    if (fn == 0)
                        break;
                    continue;
                }
                f.vendor = (uint16_t)id;
                f.device = (uint16_t)(id >> 16);
                uint32_t cr = rd(c, &f, PCI_CLASS_REV, 4);
                f.class_code = (uint8_t)(cr >> 24);
                f.subclass = (uint8_t)(cr >> 16);
                f.prog_if = (uint8_t)(cr >> 8);
                f.header_type = (uint8_t)rd(c, &f, PCI_HEADER, 1);
                uint8_t type = f.header_type & 0x7f;
                if (type == 0) {
                    uint32_t ss = rd(c, &f, PCI_SUBSYS, 4);
                    f.subsys_vendor = (uint16_t)ss;
                    f.subsys_id = (uint16_t)(ss >> 16);
                    uint32_t irq = rd(c, &f, PCI_INTERRUPT, 2);
                    f.irq_line = (uint8_t)irq;
                    f.irq_pin = (uint8_t)(irq >> 8);
                    size_bars(c, &f);
                    find_msix(c, &f);
                } else if (type == 1) {
                    uint8_t sec = (uint8_t)rd(c, &f, PCI_SECONDARY, 1);
                    bool seen = false;
                    for (unsigned k = 0; k < nbuses; k++)
                        seen |= buses[k] == sec;
                    if (sec != 0 && !seen && nbuses < PCI_MAX_BUSES)
                        buses[nbuses++] = sec;
                }
                if (n < cap)
                    out[n++] = f;
                if (fn == 0 && !(f.header_type & 0x80))
                    break;      /* single-function device */
            }
        }
    }
    return n;
}

bool pci_assign_bars(const struct pci_cfg *c, struct pci_func *f, uint64_t *next, uint64_t limit)
{
    for (unsigned i = 0; i < 6; i++) {
        struct pci_bar *b = &f->bar[i];
        if (b->size == 0 || b->io || b->addr != 0)
            continue;
        if (b->size & (b->size - 1))
            return false;       /* a BAR size is a power of two */
        uint64_t size = b->size < 4096 ? 4096 : b->size;
        uint64_t a = (*next + size - 1) & ~(size - 1);
        if (a < *next || a + size > limit || a + size < a)
            return false;
        if (!b->is64 && a + size > 0x100000000ull)
            return false;       /* a 32-bit BAR cannot hold the address */
        uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
        uint32_t low = rd(c, f, off, 4) & 0xf;
        wr(c, f, off, 4, (uint32_t)a | low);
        if (b->is64)
            wr(c, f, (uint16_t)(off + 4), 4, (uint32_t)(a >> 32));
        b->addr = a;
        *next = a + size;
    }
    return true;
}

void pci_enable(const struct pci_cfg *c, const struct pci_func *f)
{
    uint16_t cmd = (uint16_t)rd(c, f, PCI_COMMAND, 2);
    wr(c, f, PCI_COMMAND, 2, cmd | PCI_CMD_MEM | PCI_CMD_MASTER);
}

void pci_msix_enable(const struct pci_cfg *c, const struct pci_func *f)
{
    uint16_t off = (uint16_t)(f->msix_cap + 2);
    uint16_t ctrl = (uint16_t)rd(c, f, off, 2);
    wr(c, f, off, 2, (uint16_t)((ctrl | 0x8000) & ~0x4000));
}

void pci_stop_dma(const struct pci_cfg *c, const struct pci_func *f)
{
    uint16_t cmd = (uint16_t)rd(c, f, PCI_COMMAND, 2);
    wr(c, f, PCI_COMMAND, 2, cmd & ~PCI_CMD_MASTER);
}

uint32_t pci_virtio_type(const struct pci_func *f)
{
    if (f->vendor != 0x1af4)
        return 0;
    if (f->device >= 0x1040 && f->device <= 0x107f)
        return f->device - 0x1040u;
    if (f->device >= 0x1000 && f->device <= 0x103f)
        return f->subsys_id;
    return 0;
}
