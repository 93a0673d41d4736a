/* Unit tests for servers/devmgr/pci.c against a fake configuration space.
 * Each function of the fake is 4 KiB of register values plus a write mask
 * per byte: a write changes only the writable bits, so a BAR written with
 * all-ones reads back its size mask with the read-only type bits kept, and
 * read-only fields (ids, class, header type, status, MSI-X table size)
 * ignore writes. Absent functions read all-ones and ignore writes. The
 * fake also checks the access rules of struct pci_cfg (aligned, width 1, 2
 * or 4, off < 4096), that BARs are only written while decoding is off
 * during enumeration, and counts accesses so that walks are seen bounded. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pci.h"
#include "suites.h"

struct ffn {
    uint8_t v[4096];
    uint8_t wm[4096];
};

struct fake {
    struct ffn *f[256][32][8];
    unsigned long reads, writes;
    unsigned bad_access;        /* misaligned, bad width, out of range */
    unsigned bar_write_decoding; /* BAR writes with memory/IO decoding on */
    bool enumerating;
};

static struct fake *fk;

static struct ffn *fn_of(uint8_t bus, uint8_t dev, uint8_t fn)
{
    if (dev >= 32 || fn >= 8) {
        fk->bad_access++;
        return NULL;
    }
    return fk->f[bus][dev][fn];
}

static bool access_ok(uint16_t off, unsigned w)
{
    if ((w != 1 && w != 2 && w != 4) || off % w != 0 || off + w > 4096) {
        fk->bad_access++;
        return false;
    }
    return true;
}

static uint32_t get(const uint8_t *p, uint16_t off, unsigned w)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < w; i++)
        v |= (uint32_t)p[off + i] << (8 * i);
    return v;
}

static void put(uint8_t *p, uint16_t off, unsigned w, uint32_t v)
{
    for (unsigned i = 0; i < w; i++)
        p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t f_read(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned w)
{
    CHECK(ctx == fk);
    fk->reads++;
    struct ffn *f = fn_of(bus, dev, fn);
    if (!access_ok(off, w) || !f)
        return w == 4 ? 0xffffffffu : (1u << (8 * w)) - 1;
    return get(f->v, off, w);
}

static void f_write(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned w, uint32_t v)
{
    CHECK(ctx == fk);
    fk->writes++;
    struct ffn *f = fn_of(bus, dev, fn);
    if (!access_ok(off, w) || !f)
        return;
    if (fk->enumerating && off >= 0x10 && off < 0x28 && (f->v[0x0e] & 0x7f) == 0 &&
        (get(f->v, 0x04, 2) & 3) != 0)
        fk->bar_write_decoding++;
    for (unsigned i = 0; i < w; i++) {
        uint8_t b = (uint8_t)(v >> (8 * i));
        f->v[off + i] = (uint8_t)((f->v[off + i] & ~f->wm[off + i]) | (b & f->wm[off + i]));
    }
}

static const struct pci_cfg cfg_template = { f_read, f_write, NULL };
static struct pci_cfg cfg;

static void setup(void)
{
    fk = calloc(1, sizeof *fk);
    ck_assert_ptr_nonnull(fk);
    cfg = cfg_template;
    cfg.ctx = fk;
}

static void teardown(void)
{
    for (unsigned b = 0; b < 256; b++)
        for (unsigned d = 0; d < 32; d++)
            for (unsigned f = 0; f < 8; f++)
                free(fk->f[b][d][f]);
    free(fk);
    fk = NULL;
}

/* Direct access to the fake's registers (not counted). */
static uint32_t peek(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, unsigned w)
{
    return get(fk->f[bus][dev][fn]->v, off, w);
}

static void poke(struct ffn *f, uint16_t off, unsigned w, uint32_t v, uint32_t wmask)
{
    put(f->v, off, w, v);
    put(f->wm, off, w, wmask);
}

/* A function with ids, class 0x020000, the command register writable
 * (I/O, memory, master, INTx disable) and everything else read-only. */
static struct ffn *add_fn(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t vendor, uint16_t device,
                          uint8_t header)
{
    struct ffn *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    fk->f[bus][dev][fn] = f;
    poke(f, 0x00, 4, vendor | (uint32_t)device << 16, 0);
    poke(f, 0x04, 2, 0, 0x0407);
    poke(f, 0x08, 4, 0x02000001, 0);
    poke(f, 0x0e, 1, header, 0);
    return f;
}

static struct ffn *add_bridge(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t secondary)
{
    struct ffn *f = add_fn(bus, dev, fn, 0x8086, 0x244e, 0x01);
    poke(f, 0x08, 4, 0x06040001, 0);
    poke(f, 0x18, 1, bus, 0xff);
    poke(f, 0x19, 1, secondary, 0xff);
    poke(f, 0x1a, 1, secondary, 0xff);
    return f;
}

enum { MEM32, MEM64, IO16, IO32 };

/* A BAR of a power-of-two size at addr; prefetchable memory with pf. */
static void set_bar(struct ffn *f, unsigned i, int kind, uint64_t size, uint64_t addr, bool pf)
{
    uint16_t off = (uint16_t)(0x10 + 4 * i);
    switch (kind) {
    case MEM32:
        poke(f, off, 4, (uint32_t)addr | (pf ? 8 : 0), (uint32_t)~(size - 1) & ~0xfu);
        break;
    case MEM64:
        poke(f, off, 4, (uint32_t)addr | 4 | (pf ? 8 : 0), (uint32_t)~(size - 1) & ~0xfu);
        poke(f, (uint16_t)(off + 4), 4, (uint32_t)(addr >> 32), (uint32_t)(~(size - 1) >> 32));
        break;
    case IO16:
        poke(f, off, 4, (uint32_t)addr | 1, (uint32_t)~(size - 1) & 0xfffc);
        break;
    case IO32:
        poke(f, off, 4, (uint32_t)addr | 1, (uint32_t)~(size - 1) & ~3u);
        break;
    }
}

/* A capability at off with the given id, pointing to next. */
static void add_cap(struct ffn *f, uint8_t off, uint8_t id, uint8_t next)
{
    poke(f, off, 1, id, 0);
    poke(f, (uint16_t)(off + 1), 1, next, 0);
}

static void caps_start(struct ffn *f, uint8_t first)
{
    poke(f, 0x06, 2, 0x0010, 0);
    poke(f, 0x34, 1, first, 0);
}

/* An MSI-X capability with table_size + 1 entries; enable and function
 * mask writable, the table size read-only. */
static void add_msix(struct ffn *f, uint8_t off, uint8_t next, uint16_t table_size, uint16_t ctrl_bits)
{
    add_cap(f, off, 0x11, next);
    poke(f, (uint16_t)(off + 2), 2, table_size | ctrl_bits, 0xc000);
    poke(f, (uint16_t)(off + 4), 4, 0x2000, 0);
    poke(f, (uint16_t)(off + 8), 4, 0x3000, 0);
}

static unsigned enumerate(struct pci_func *out, unsigned cap)
{
    fk->enumerating = true;
    unsigned n = pci_enumerate(&cfg, out, cap);
    fk->enumerating = false;
    CHECK_EQ(fk->bad_access, 0);
    CHECK_EQ(fk->bar_write_decoding, 0);
    return n;
}

static const struct pci_func *find(const struct pci_func *out, unsigned n, uint8_t bus, uint8_t dev,
                                   uint8_t fn)
{
    const struct pci_func *r = NULL;
    for (unsigned i = 0; i < n; i++)
        if (out[i].bus == bus && out[i].dev == dev && out[i].fn == fn) {
            ck_assert_msg(r == NULL, "%02x:%02x.%x reported twice", bus, dev, fn);
            r = &out[i];
        }
    return r;
}

/* --- enumeration ------------------------------------------------------------ */

START_TEST(test_enum_empty)
{
    struct pci_func out[4];
    ck_assert_uint_eq(enumerate(out, 4), 0);
    /* 32 devices, one read each of function 0 */
    ck_assert_uint_le(fk->reads, 32);
}
END_TEST

START_TEST(test_enum_bus0)
{
    struct ffn *f;
    /* single-function device: functions 1..7 alias function 0 on some
     * hardware; they must not be reported */
    f = add_fn(0, 0, 0, 0x8086, 0x1237, 0x00);
    for (uint8_t fn = 1; fn < 8; fn++)
        add_fn(0, 0, fn, 0x8086, 0x1237, 0x00);
    /* multi-function: 0, 2, 5 (1 absent: scanning goes on) */
    f = add_fn(0, 3, 0, 0x1af4, 0x1041, 0x80);
    poke(f, 0x08, 4, 0x01080203, 0);
    poke(f, 0x2c, 4, 0x11001af4, 0);
    poke(f, 0x3c, 2, 0x010b, 0);
    add_fn(0, 3, 2, 0x1af4, 0x1042, 0x00);
    add_fn(0, 3, 5, 0x1af4, 0x1043, 0x80);
    /* vendor 0 is no device; a function behind an absent function 0 is not scanned */
    add_fn(0, 7, 0, 0x0000, 0x1234, 0x00);
    add_fn(0, 9, 1, 0x8086, 0x1234, 0x00);
    add_fn(0, 31, 0, 0x10ec, 0x8139, 0x00);

    struct pci_func out[16];
    unsigned n = enumerate(out, 16);
    ck_assert_uint_eq(n, 5);
    ck_assert_ptr_nonnull(find(out, n, 0, 0, 0));
    ck_assert_ptr_null(find(out, n, 0, 0, 1));
    const struct pci_func *p = find(out, n, 0, 3, 0);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(p->vendor, 0x1af4);
    ck_assert_uint_eq(p->device, 0x1041);
    ck_assert_uint_eq(p->class_code, 0x01);
    ck_assert_uint_eq(p->subclass, 0x08);
    ck_assert_uint_eq(p->prog_if, 0x02);
    ck_assert_uint_eq(p->header_type, 0x80);
    ck_assert_uint_eq(p->subsys_vendor, 0x1af4);
    ck_assert_uint_eq(p->subsys_id, 0x1100);
    ck_assert_uint_eq(p->irq_line, 0x0b);
    ck_assert_uint_eq(p->irq_pin, 0x01);
    ck_assert_ptr_nonnull(find(out, n, 0, 3, 2));
    ck_assert_ptr_null(find(out, n, 0, 3, 1));
    ck_assert_uint_eq(find(out, n, 0, 3, 5)->device, 0x1043);
    ck_assert_ptr_null(find(out, n, 0, 7, 0));
    ck_assert_ptr_null(find(out, n, 0, 9, 1));
    ck_assert_uint_eq(find(out, n, 0, 31, 0)->vendor, 0x10ec);
    /* in scan order */
    ck_assert_uint_eq(out[0].dev, 0);
    ck_assert_uint_eq(out[4].dev, 31);
}
END_TEST

START_TEST(test_enum_bridge)
{
    add_fn(0, 0, 0, 0x8086, 0x1237, 0x00);
    add_bridge(0, 1, 0, 2);
    add_fn(2, 0, 0, 0x1af4, 0x1041, 0x00);
    add_fn(2, 4, 0, 0x1af4, 0x1042, 0x00);
    add_fn(1, 0, 0, 0x1af4, 0x1043, 0x00);      /* no bridge leads to bus 1 */

    struct pci_func out[16];
    unsigned n = enumerate(out, 16);
    ck_assert_uint_eq(n, 4);
    const struct pci_func *b = find(out, n, 0, 1, 0);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(b->header_type & 0x7f, 1);
    ck_assert_uint_eq(find(out, n, 2, 0, 0)->device, 0x1041);
    ck_assert_uint_eq(find(out, n, 2, 4, 0)->device, 0x1042);
    ck_assert_ptr_null(find(out, n, 1, 0, 0));
}
END_TEST

START_TEST(test_enum_bridge_loops)
{
    add_bridge(0, 0, 0, 0);     /* back to bus 0 */
    add_bridge(0, 1, 0, 1);
    add_bridge(1, 0, 0, 1);     /* to itself */
    add_bridge(1, 1, 0, 0);     /* back to bus 0 */
    add_bridge(1, 2, 0, 2);
    add_bridge(2, 0, 0, 1);     /* back to bus 1 */
    add_bridge(0, 2, 0, 2);     /* a second way to bus 2 */
    add_fn(2, 5, 0, 0x1af4, 0x1041, 0x00);

    struct pci_func out[32];
    unsigned n = enumerate(out, 32);
    ck_assert_uint_eq(n, 8);    /* each once (find checks no duplicates) */
    for (unsigned i = 0; i < n; i++)
        find(out, n, out[i].bus, out[i].dev, out[i].fn);
    ck_assert_ptr_nonnull(find(out, n, 2, 5, 0));
}
END_TEST

START_TEST(test_enum_bus_limit)
{
    /* a chain of bridges 0 -> 1 -> ... -> 40, and a fan-out on bus 0 */
    for (unsigned b = 0; b < 40; b++) {
        add_bridge((uint8_t)b, 0, 0, (uint8_t)(b + 1));
        add_fn((uint8_t)b, 1, 0, 0x1af4, 0x1041, 0x00);
    }
    for (unsigned d = 2; d < 32; d++)
        add_bridge(0, (uint8_t)d, 0, (uint8_t)(100 + d));

    struct pci_func out[256];
    unsigned n = enumerate(out, 256);
    bool seen[256] = { false };
    unsigned nb = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!seen[out[i].bus])
            nb++;
        seen[out[i].bus] = true;
        find(out, n, out[i].bus, out[i].dev, out[i].fn);
    }
    ck_assert_uint_le(nb, PCI_MAX_BUSES);
    ck_assert(seen[0] && seen[1]);
    /* bus 0: 32 functions; each further bus scanned: 2 at most */
    ck_assert_uint_le(n, 32 + 2 * (PCI_MAX_BUSES - 1));
    ck_assert_uint_lt(fk->reads, 100000);
}
END_TEST

START_TEST(test_enum_cap)
{
    for (uint8_t d = 0; d < 5; d++)
        for (uint8_t fn = 0; fn < 8; fn++)
            add_fn(0, d, fn, 0x8086, (uint16_t)(d * 8 + fn), 0x80);
    struct pci_func *out = malloc(10 * sizeof *out);       /* ASan sees an overrun */
    ck_assert_uint_eq(enumerate(out, 10), 10);
    for (unsigned i = 0; i < 10; i++)
        ck_assert_uint_eq(out[i].device, i);
    free(out);
    ck_assert_uint_eq(enumerate(NULL, 0), 0);
    struct pci_func all[64];
    ck_assert_uint_eq(enumerate(all, 64), 40);
}
END_TEST

/* --- BAR sizing ----------------------------------------------------------- */

START_TEST(test_bars)
{
    struct ffn *f = add_fn(0, 2, 0, 0x1af4, 0x1041, 0x00);
    poke(f, 0x04, 2, 0x0407, 0x0407);
    set_bar(f, 0, MEM32, 0x1000, 0xfebf0000, false);
    set_bar(f, 1, IO32, 0x20, 0xc040, false);
    set_bar(f, 2, MEM64, 0x4000, 0x800000000ull, true);
    /* BAR 4: all-ones (read-only), BAR 5 zero: absent */
    poke(f, 0x20, 4, 0xffffffff, 0);

    struct ffn *g = add_fn(0, 3, 0, 0x8086, 0x100e, 0x00);
    poke(g, 0x04, 2, 0x0003, 0x0407);
    set_bar(g, 0, MEM64, 8ull << 30, 0, false);   /* 8 GiB, unassigned */
    set_bar(g, 2, IO16, 0x100, 0xd000, false);
    set_bar(g, 3, MEM32, 16u << 20, 0xe0000000, true);
    set_bar(g, 4, MEM64, 0x1000, 0xfe000000, false);  /* 64-bit below 4 GiB */

    uint32_t before_f[6], before_g[6];
    for (unsigned i = 0; i < 6; i++) {
        before_f[i] = peek(0, 2, 0, (uint16_t)(0x10 + 4 * i), 4);
        before_g[i] = peek(0, 3, 0, (uint16_t)(0x10 + 4 * i), 4);
    }

    struct pci_func out[4];
    ck_assert_uint_eq(enumerate(out, 4), 2);
    const struct pci_bar *b = out[0].bar;
    ck_assert_uint_eq(b[0].size, 0x1000);
    ck_assert_uint_eq(b[0].addr, 0xfebf0000);
    ck_assert(!b[0].io && !b[0].is64 && !b[0].prefetch);
    ck_assert_uint_eq(b[1].size, 0x20);
    ck_assert_uint_eq(b[1].addr, 0xc040);
    ck_assert(b[1].io && !b[1].is64);
    ck_assert_uint_eq(b[2].size, 0x4000);
    ck_assert_uint_eq(b[2].addr, 0x800000000ull);
    ck_assert(!b[2].io && b[2].is64 && b[2].prefetch);
    ck_assert_uint_eq(b[3].size, 0);            /* the upper half */
    ck_assert_uint_eq(b[4].size, 0);
    ck_assert_uint_eq(b[5].size, 0);

    b = out[1].bar;
    ck_assert_uint_eq(b[0].size, 8ull << 30);
    ck_assert_uint_eq(b[0].addr, 0);
    ck_assert(b[0].is64 && !b[0].prefetch && !b[0].io);
    ck_assert_uint_eq(b[1].size, 0);
    ck_assert_uint_eq(b[2].size, 0x100);
    ck_assert_uint_eq(b[2].addr, 0xd000);
    ck_assert(b[2].io);
    ck_assert_uint_eq(b[3].size, 16u << 20);
    ck_assert(b[3].prefetch && !b[3].is64);
    ck_assert_uint_eq(b[4].size, 0x1000);
    ck_assert_uint_eq(b[4].addr, 0xfe000000);
    ck_assert(b[4].is64);
    ck_assert_uint_eq(b[5].size, 0);

    /* command registers and BARs as they were */
    ck_assert_uint_eq(peek(0, 2, 0, 0x04, 2), 0x0407);
    ck_assert_uint_eq(peek(0, 3, 0, 0x04, 2), 0x0003);
    for (unsigned i = 0; i < 6; i++) {
        ck_assert_uint_eq(peek(0, 2, 0, (uint16_t)(0x10 + 4 * i), 4), before_f[i]);
        ck_assert_uint_eq(peek(0, 3, 0, (uint16_t)(0x10 + 4 * i), 4), before_g[i]);
    }
}
END_TEST

START_TEST(test_bar_hostile)
{
    /* BAR 5 claims to be 64-bit: there is no upper half to size */
    struct ffn *f = add_fn(0, 0, 0, 0x1af4, 0x1041, 0x00);
    set_bar(f, 5, MEM64, 0x1000, 0, false);
    /* bridge BARs are not sized as a type-0 function's (and the
     * secondary bus number is not a BAR) */
    add_bridge(0, 1, 0, 0);
    struct pci_func out[4];
    unsigned n = enumerate(out, 4);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(out[0].bar[5].size, 0x1000);
    ck_assert(!out[0].bar[5].is64);
    for (unsigned i = 0; i < 6; i++)
        ck_assert_uint_eq(out[1].bar[i].size, 0);
    /* nothing beyond the header was touched */
    ck_assert_uint_eq(fk->bad_access, 0);
}
END_TEST

/* --- capabilities --------------------------------------------------------- */

START_TEST(test_msix_found)
{
    struct ffn *f = add_fn(0, 4, 0, 0x1af4, 0x1041, 0x00);
    caps_start(f, 0x40);
    add_cap(f, 0x40, 0x01, 0x53);       /* power management; low bits ignored */
    add_cap(f, 0x50, 0x05, 0x98);       /* MSI */
    add_cap(f, 0x98, 0x09, 0x70);       /* vendor */
    add_msix(f, 0x70, 0x00, 7, 0);

    struct ffn *g = add_fn(0, 5, 0, 0x1af4, 0x1041, 0x00);
    caps_start(g, 0xb0);
    add_msix(g, 0xb0, 0x00, 0x7ff, 0);

    /* a capability pointer but no capabilities bit in the status */
    struct ffn *h = add_fn(0, 6, 0, 0x1af4, 0x1041, 0x00);
    poke(h, 0x34, 1, 0x40, 0);
    add_msix(h, 0x40, 0x00, 3, 0);

    /* a list without MSI-X */
    struct ffn *k = add_fn(0, 7, 0, 0x1af4, 0x1041, 0x00);
    caps_start(k, 0x40);
    add_cap(k, 0x40, 0x01, 0x50);
    add_cap(k, 0x50, 0x05, 0x00);

    struct pci_func out[8];
    ck_assert_uint_eq(enumerate(out, 8), 4);
    ck_assert_uint_eq(out[0].msix_cap, 0x70);
    ck_assert_uint_eq(out[0].msix_entries, 8);
    ck_assert_uint_eq(out[1].msix_cap, 0xb0);
    ck_assert_uint_eq(out[1].msix_entries, 2048);
    ck_assert_uint_eq(out[2].msix_cap, 0);
    ck_assert_uint_eq(out[2].msix_entries, 0);
    ck_assert_uint_eq(out[3].msix_cap, 0);
}
END_TEST

START_TEST(test_caps_hostile)
{
    struct ffn *f;
    /* a loop of two */
    f = add_fn(0, 0, 0, 0x1af4, 0x1041, 0x00);
    caps_start(f, 0x40);
    add_cap(f, 0x40, 0x01, 0x48);
    add_cap(f, 0x48, 0x05, 0x40);
    /* points to itself */
    f = add_fn(0, 1, 0, 0x1af4, 0x1041, 0x00);
    caps_start(f, 0x60);
    add_cap(f, 0x60, 0x09, 0x60);
    /* into the header, where 0x11 happens to be */
    f = add_fn(0, 2, 0, 0x1af4, 0x1041, 0x00);
    caps_start(f, 0x10);
    poke(f, 0x10, 4, 0x00000011, 0);
    /* a list that goes into the header after one entry */
    f = add_fn(0, 3, 0, 0x1af4, 0x1041, 0x00);
    caps_start(f, 0x40);
    add_cap(f, 0x40, 0x01, 0x08);
    /* a first pointer of 0xff and a chain to the end of the space */
    f = add_fn(0, 4, 0, 0x1af4, 0x1041, 0x00);
    caps_start(f, 0xff);
    add_cap(f, 0xfc, 0x09, 0xfd);
    /* a long list (more entries than any real one) with MSI-X at the end */
    f = add_fn(0, 5, 0, 0x1af4, 0x1041, 0x00);
    caps_start(f, 0x40);
    for (uint8_t off = 0x40; off < 0xfc; off = (uint8_t)(off + 4))
        add_cap(f, off, 0x09, (uint8_t)(off + 4));
    add_msix(f, 0xf0, 0x00, 1, 0);

    unsigned long r0 = fk->reads;
    struct pci_func out[8];
    ck_assert_uint_eq(enumerate(out, 8), 6);
    for (unsigned i = 0; i < 5; i++)
        ck_assert_uint_eq(out[i].msix_cap, 0);
    ck_assert_uint_eq(out[5].msix_cap, 0xf0);       /* the 45th entry */
    ck_assert_uint_eq(out[5].msix_entries, 2);
    ck_assert_uint_lt(fk->reads - r0, 2000);
}
END_TEST

/* --- assignment and command bits ------------------------------------------ */

static struct pci_func scan_one(void)
{
    struct pci_func out[2];
    ck_assert_uint_eq(enumerate(out, 2), 1);
    return out[0];
}

START_TEST(test_assign)
{
    struct ffn *f = add_fn(0, 2, 0, 0x1af4, 0x1041, 0x00);
    set_bar(f, 0, MEM32, 0x100, 0, false);       /* takes a page */
    set_bar(f, 1, MEM32, 0x10000, 0, true);
    set_bar(f, 2, MEM64, 0x100000, 0, true);
    set_bar(f, 4, IO32, 0x40, 0xc000, false);     /* I/O: left alone */
    set_bar(f, 5, MEM32, 0x1000, 0xfeb00000, false); /* already assigned */
    struct pci_func pf = scan_one();

    uint64_t next = 0xe0001000, limit = 0xf0000000;
    ck_assert(pci_assign_bars(&cfg, &pf, &next, limit));
    ck_assert_uint_eq(pf.bar[0].addr, 0xe0001000);
    ck_assert_uint_eq(pf.bar[1].addr, 0xe0010000);
    ck_assert_uint_eq(pf.bar[2].addr, 0xe0100000);
    ck_assert_uint_eq(pf.bar[4].addr, 0xc000);
    ck_assert_uint_eq(pf.bar[5].addr, 0xfeb00000);
    ck_assert_uint_eq(next, 0xe0200000);
    ck_assert_uint_eq(peek(0, 2, 0, 0x10, 4), 0xe0001000);
    ck_assert_uint_eq(peek(0, 2, 0, 0x14, 4), 0xe0010008);     /* prefetch bit kept */
    ck_assert_uint_eq(peek(0, 2, 0, 0x18, 4), 0xe010000c);
    ck_assert_uint_eq(peek(0, 2, 0, 0x1c, 4), 0);
    ck_assert_uint_eq(peek(0, 2, 0, 0x20, 4), 0xc001);
    ck_assert_uint_eq(peek(0, 2, 0, 0x24, 4), 0xfeb00000);
    /* every BAR naturally aligned */
    for (unsigned i = 0; i < 6; i++)
        if (pf.bar[i].size && !pf.bar[i].io)
            ck_assert_uint_eq(pf.bar[i].addr % pf.bar[i].size, 0);
    /* assigned BARs are not assigned again */
    uint64_t n2 = next;
    ck_assert(pci_assign_bars(&cfg, &pf, &n2, limit));
    ck_assert_uint_eq(n2, next);
}
END_TEST

START_TEST(test_assign_64_high)
{
    struct ffn *f = add_fn(0, 2, 0, 0x1af4, 0x1041, 0x00);
    set_bar(f, 0, MEM64, 0x4000, 0, true);
    set_bar(f, 2, MEM64, 4ull << 30, 0, true);
    struct pci_func pf = scan_one();
    uint64_t next = 0x800001000ull, limit = 0x1000000000ull;
    ck_assert(pci_assign_bars(&cfg, &pf, &next, limit));
    ck_assert_uint_eq(pf.bar[0].addr, 0x800004000ull);
    ck_assert_uint_eq(pf.bar[2].addr, 0x900000000ull);
    ck_assert_uint_eq(next, 0xa00000000ull);
    ck_assert_uint_eq(peek(0, 2, 0, 0x10, 4), 0x0000400c);
    ck_assert_uint_eq(peek(0, 2, 0, 0x14, 4), 0x8);
    ck_assert_uint_eq(peek(0, 2, 0, 0x18, 4), 0x0000000c);
    ck_assert_uint_eq(peek(0, 2, 0, 0x1c, 4), 0x9);
}
END_TEST

START_TEST(test_assign_refused)
{
    struct ffn *f = add_fn(0, 2, 0, 0x1af4, 0x1041, 0x00);
    set_bar(f, 0, MEM32, 0x100000, 0, false);
    struct pci_func pf = scan_one();

    /* does not fit: the window is too small once aligned */
    uint64_t next = 0xe0001000, limit = 0xe01ff000;
    ck_assert(!pci_assign_bars(&cfg, &pf, &next, limit));
    ck_assert_uint_eq(pf.bar[0].addr, 0);
    ck_assert_uint_eq(peek(0, 2, 0, 0x10, 4), 0);
    ck_assert_uint_eq(next, 0xe0001000);
    /* fits exactly once aligned */
    limit = 0xe0200000;
    ck_assert(pci_assign_bars(&cfg, &pf, &next, limit));
    ck_assert_uint_eq(pf.bar[0].addr, 0xe0100000);
    ck_assert_uint_eq(next, limit);

    /* a window at the top of the address space: no wrap-around */
    pf.bar[0].addr = 0;
    next = 0xfffffffffff01000ull, limit = UINT64_MAX;
    ck_assert(!pci_assign_bars(&cfg, &pf, &next, limit));
    ck_assert_uint_eq(pf.bar[0].addr, 0);

    /* a size that is not a power of two */
    pf.bar[0].size = 0x3000;
    next = 0xe0000000, limit = 0xf0000000;
    ck_assert(!pci_assign_bars(&cfg, &pf, &next, limit));
    ck_assert_uint_eq(pf.bar[0].addr, 0);
    ck_assert_uint_eq(next, 0xe0000000);
}
END_TEST

START_TEST(test_assign_32_above_4g)
{
    /* a 32-bit BAR cannot hold an address at or above 4 GiB */
    struct ffn *f = add_fn(0, 2, 0, 0x1af4, 0x1041, 0x00);
    set_bar(f, 0, MEM32, 0x1000, 0, false);
    struct pci_func pf = scan_one();
    uint64_t next = 0x800000000ull, limit = 0x900000000ull;
    ck_assert(!pci_assign_bars(&cfg, &pf, &next, limit));
    ck_assert_uint_eq(pf.bar[0].addr, 0);
    ck_assert_uint_eq(peek(0, 2, 0, 0x10, 4), 0);
    /* across the 4 GiB line */
    next = 0xfffff000ull, limit = 0x200000000ull;
    pf.bar[0].size = 0x2000;
    ck_assert(!pci_assign_bars(&cfg, &pf, &next, limit));
    ck_assert_uint_eq(pf.bar[0].addr, 0);
}
END_TEST

START_TEST(test_command_bits)
{
    struct ffn *f = add_fn(0, 2, 0, 0x1af4, 0x1041, 0x00);
    poke(f, 0x04, 2, 0x0401, 0x0407);    /* I/O on, INTx disabled */
    caps_start(f, 0x40);
    add_msix(f, 0x40, 0x00, 0x1f, 0x4000);   /* function masked */
    struct pci_func pf = scan_one();
    ck_assert_uint_eq(pf.msix_cap, 0x40);

    pci_enable(&cfg, &pf);
    ck_assert_uint_eq(peek(0, 2, 0, 0x04, 2), 0x0407);
    pci_stop_dma(&cfg, &pf);
    ck_assert_uint_eq(peek(0, 2, 0, 0x04, 2), 0x0403);
    pci_stop_dma(&cfg, &pf);
    ck_assert_uint_eq(peek(0, 2, 0, 0x04, 2), 0x0403);
    pci_enable(&cfg, &pf);
    ck_assert_uint_eq(peek(0, 2, 0, 0x04, 2), 0x0407);

    pci_msix_enable(&cfg, &pf);
    ck_assert_uint_eq(peek(0, 2, 0, 0x42, 2), 0x801f);
    ck_assert_uint_eq(peek(0, 2, 0, 0x40, 2), 0x0011);     /* id and next untouched */
    ck_assert_uint_eq(peek(0, 2, 0, 0x04, 2), 0x0407);
    ck_assert_uint_eq(fk->bad_access, 0);
}
END_TEST

START_TEST(test_msix_enable_without_cap)
{
    /* no MSI-X capability (the manager does not call it then): at worst a
     * write to the read-only device id, nothing changes */
    struct ffn *f = add_fn(0, 2, 0, 0x1af4, 0x1041, 0x00);
    poke(f, 0x04, 2, 0x0006, 0x0407);
    struct pci_func pf = scan_one();
    ck_assert_uint_eq(pf.msix_cap, 0);
    pci_msix_enable(&cfg, &pf);
    ck_assert_uint_eq(peek(0, 2, 0, 0x00, 4), 0x10411af4);
    ck_assert_uint_eq(peek(0, 2, 0, 0x04, 2), 0x0006);
    ck_assert_uint_eq(fk->bad_access, 0);
}
END_TEST

START_TEST(test_virtio_type)
{
    struct pci_func f = { .vendor = 0x1af4 };
    f.device = 0x1041;
    ck_assert_uint_eq(pci_virtio_type(&f), 1);
    f.device = 0x1042;
    ck_assert_uint_eq(pci_virtio_type(&f), 2);
    f.device = 0x105a;
    ck_assert_uint_eq(pci_virtio_type(&f), 26);
    f.device = 0x107f;
    ck_assert_uint_eq(pci_virtio_type(&f), 0x3f);
    f.device = 0x1080;
    ck_assert_uint_eq(pci_virtio_type(&f), 0);
    f.device = 0x1110;              /* ivshmem: same vendor, not virtio */
    ck_assert_uint_eq(pci_virtio_type(&f), 0);
    f.device = 0x0fff;
    ck_assert_uint_eq(pci_virtio_type(&f), 0);
    /* transitional: the type is the subsystem id */
    f.device = 0x1000, f.subsys_id = 1;
    ck_assert_uint_eq(pci_virtio_type(&f), 1);
    f.device = 0x1001, f.subsys_id = 2;
    ck_assert_uint_eq(pci_virtio_type(&f), 2);
    f.device = 0x1003, f.subsys_id = 3;
    ck_assert_uint_eq(pci_virtio_type(&f), 3);
    /* other vendors */
    struct pci_func g = { .vendor = 0x8086, .device = 0x1041, .subsys_id = 1 };
    ck_assert_uint_eq(pci_virtio_type(&g), 0);
    g.device = 0x1000;
    ck_assert_uint_eq(pci_virtio_type(&g), 0);
    g.vendor = 0xffff;
    ck_assert_uint_eq(pci_virtio_type(&g), 0);
}
END_TEST

Suite *pci_suite(void)
{
    Suite *s = suite_create("pci");
    TCase *tc = tcase_create("enumerate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_enum_empty);
    tcase_add_test(tc, test_enum_bus0);
    tcase_add_test(tc, test_enum_bridge);
    tcase_add_test(tc, test_enum_bridge_loops);
    tcase_add_test(tc, test_enum_bus_limit);
    tcase_add_test(tc, test_enum_cap);
    suite_add_tcase(s, tc);

    tc = tcase_create("bars");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_bars);
    tcase_add_test(tc, test_bar_hostile);
    suite_add_tcase(s, tc);

    tc = tcase_create("caps");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_msix_found);
    tcase_add_test(tc, test_caps_hostile);
    suite_add_tcase(s, tc);

    tc = tcase_create("assign");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_assign);
    tcase_add_test(tc, test_assign_64_high);
    tcase_add_test(tc, test_assign_refused);
    tcase_add_test(tc, test_assign_32_above_4g);
    tcase_add_test(tc, test_command_bits);
    tcase_add_test(tc, test_msix_enable_without_cap);
    tcase_add_test(tc, test_virtio_type);
    suite_add_tcase(s, tc);
    return s;
}
