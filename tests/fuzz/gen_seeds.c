/* Writes the seed corpora of the fuzz harnesses: small valid inputs, in the
 * input format each harness documents, under DIR/<harness>/.
 *
 *   gen_seeds DIR
 *
 * Host code, run at build time (make fuzz-build), so no binary seeds live
 * in the source tree. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xen/arch-x86/hvm/start_info.h>

static const char *outdir;
static uint8_t buf[8192];

static void put(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void mkdir_p(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
}

static void write_seed(const char *harness, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, harness);
    mkdir_p(path);
    snprintf(path, sizeof path, "%s/%s/%s", outdir, harness, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* The memory's base for a mode, as fuzz_pick_base computes it. */
static uint64_t base_for(unsigned mode, size_t size)
{
    switch (mode & 3) {
    case 0: return 0x100000;
    case 1: return 0;
    case 2: return 0x100000000ull - size;
    default: return 0 - (uint64_t)size;
    }
}

/* --- bootinfo: mode byte, then memory with the start info first ---------- */

static void seed_bootinfo(unsigned mode, uint32_t version, const char *name)
{
    enum { SI = 0, MODLIST = 0x40, MEMMAP = 0x100, CMDLINE = 0x200, MODCMD = 0x280, MOD = 0x300,
           SIZE = 0x400 };
    uint8_t *m = buf + 1;
    memset(buf, 0, SIZE + 1);
    buf[0] = (uint8_t)mode;
    uint64_t base = base_for(mode, SIZE);

    put(m + SI + offsetof(struct hvm_start_info, magic), XEN_HVM_START_MAGIC_VALUE, 4);
    put(m + SI + offsetof(struct hvm_start_info, version), version, 4);
    put(m + SI + offsetof(struct hvm_start_info, flags), 1, 4);
    put(m + SI + offsetof(struct hvm_start_info, nr_modules), 2, 4);
    put(m + SI + offsetof(struct hvm_start_info, modlist_paddr), base + MODLIST, 8);
    put(m + SI + offsetof(struct hvm_start_info, cmdline_paddr), base + CMDLINE, 8);
    put(m + SI + offsetof(struct hvm_start_info, rsdp_paddr), 0xf0000, 8);
    if (version >= 1) {
        put(m + SI + offsetof(struct hvm_start_info, memmap_paddr), base + MEMMAP, 8);
        put(m + SI + offsetof(struct hvm_start_info, memmap_entries), 5, 4);
    }
    /* Two modules, one with a command line, one overlapping it. */
    put(m + MODLIST + 0, base + MOD, 8);
    put(m + MODLIST + 8, 0x80, 8);
    put(m + MODLIST + 16, base + MODCMD, 8);
    put(m + MODLIST + 32, base + MOD + 0x40, 8);
    put(m + MODLIST + 40, 0x80, 8);
    strcpy((char *)m + MODCMD, "bundle");
    strcpy((char *)m + CMDLINE, "loglevel=3 selftest console=\"com1,xen\"");
    /* A QEMU-like map: low RAM, a hole, RAM with the memory in it, a
     * reserved window overlapping RAM, and an empty entry. */
    static const uint64_t map[5][3] = {
        { 0, 0x9fc00, 1 }, { 0xf0000, 0x10000, 2 }, { 0x100000, 0x7f00000, 1 },
        { 0xfeffc000, 0x4000, 2 }, { 0x2000, 0, 1 },
    };
    for (unsigned i = 0; i < 5; i++) {
        uint64_t b = map[i][0];
        if (i == 2)
            b = base & ~0xfffull;   /* RAM around the memory, wherever it is */
        put(m + MEMMAP + 24 * i, b, 8);
        put(m + MEMMAP + 24 * i + 8, map[i][1], 8);
        put(m + MEMMAP + 24 * i + 16, map[i][2], 4);
    }
    write_seed("bootinfo", name, buf, SIZE + 1);
}

/* A start info whose command line is longer than the kernel keeps. */
static void seed_bootinfo_long_cmdline(void)
{
    enum { CMDLINE = 0x40, LEN = 1500 };
    memset(buf, 0, 1 + CMDLINE + LEN + 1);
    uint8_t *m = buf + 1;
    put(m + offsetof(struct hvm_start_info, magic), XEN_HVM_START_MAGIC_VALUE, 4);
    put(m + offsetof(struct hvm_start_info, version), 1, 4);
    put(m + offsetof(struct hvm_start_info, cmdline_paddr), 0x100000 + CMDLINE, 8);
    for (unsigned i = 0; i < LEN; i++)
        m[CMDLINE + i] = (uint8_t)(i % 16 == 15 ? ' ' : 'a' + i % 26);
    write_seed("bootinfo", "long-cmdline", buf, 1 + CMDLINE + LEN + 1);
}

/* --- memmap: mode, cap, entries of (base u64, size u64, type u32) -------- */

static void seed_memmap(unsigned mode, unsigned cap, const uint64_t (*e)[3], unsigned n,
                        const char *name)
{
    buf[0] = (uint8_t)mode;
    buf[1] = (uint8_t)cap;
    for (unsigned i = 0; i < n; i++) {
        put(buf + 2 + 20 * i, e[i][0], 8);
        put(buf + 2 + 20 * i + 8, e[i][1], 8);
        put(buf + 2 + 20 * i + 16, e[i][2], 4);
    }
    write_seed("memmap", name, buf, 2 + 20 * (size_t)n);
}

/* --- acpi: mode, signature, memory with the RSDP first ------------------- */

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

static void table(uint8_t *t, const char *sig, uint32_t len)
{
    memcpy(t, sig, 4);
    put(t + 4, len, 4);
    t[8] = 2;
    memcpy(t + 10, "PVSEED", 6);
    t[9] = 0;
    t[9] = (uint8_t)-sum(t, len);
}

static void seed_acpi(unsigned mode, unsigned revision, const char *name)
{
    enum { RSDP = 0, XSDT = 0x40, RSDT = 0x80, FACP = 0xc0, DSDT = 0x200, APIC = 0x280,
           SIZE = 0x300 };
    uint8_t *m = buf + 5;
    memset(buf, 0, SIZE + 5);
    buf[0] = (uint8_t)mode;
    memcpy(buf + 1, "HPET", 4);
    uint64_t base = base_for(mode, SIZE);

    /* DSDT: \_S5_ = Package (4) { 5, 5, 0, 0 } */
    static const uint8_t aml[] = { 0x10, 0x11, '\\', 0x00, 0x08, '_', 'S', '5', '_', 0x12, 0x08,
                                   0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
    memcpy(m + DSDT + 36, aml, sizeof aml);
    table(m + DSDT, "DSDT", 36 + sizeof aml);

    /* FADT (276 bytes, revision 6): DSDT, SCI 9, PM1a 0x604, X_ fields. */
    uint8_t *f = m + FACP;
    put(f + 40, (uint32_t)(base + DSDT), 4);
    f[46] = 9;
    put(f + 64, 0x604, 4);
    f[89] = 2;
    put(f + 112, 1u << 10, 4);
    f[116] = 1; f[117] = 8;
    put(f + 120, 0xcf9, 8);
    f[128] = 6;
    put(f + 140, base + DSDT, 8);
    f[172] = 1; f[173] = 16;
    put(f + 176, 0x604, 8);
    f[244] = 0; f[245] = 8;
    put(f + 248, 0xfeb00000, 8);
    table(f, "FACP", 276);

    /* MADT: local APIC, I/O APIC, override, x2APIC, local APIC override. */
    uint8_t *a = m + APIC;
    put(a + 36, 0xfee00000, 4);
    put(a + 40, 1, 4);
    uint8_t *e = a + 44;
    e[0] = 0; e[1] = 8; e[2] = 0; e[3] = 0; put(e + 4, 1, 4); e += 8;
    e[0] = 1; e[1] = 12; e[2] = 0; put(e + 4, 0xfec00000, 4); put(e + 8, 0, 4); e += 12;
    e[0] = 2; e[1] = 10; e[2] = 0; e[3] = 0; put(e + 4, 2, 4); put(e + 8, 0, 2); e += 10;
    e[0] = 9; e[1] = 16; put(e + 4, 1, 4); put(e + 8, 1, 4); e += 16;
    e[0] = 5; e[1] = 12; put(e + 4, 0xfee00000, 8); e += 12;
    table(a, "APIC", (uint32_t)(e - a));

    put(m + XSDT + 36, base + FACP, 8);
    put(m + XSDT + 44, base + APIC, 8);
    table(m + XSDT, "XSDT", 52);
    put(m + RSDT + 36, (uint32_t)(base + FACP), 4);
    put(m + RSDT + 40, (uint32_t)(base + APIC), 4);
    table(m + RSDT, "RSDT", 44);

    uint8_t *r = m + RSDP + (base == 0 ? 16 : 0);   /* address 0 would mean "no RSDP" */
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "PVSEED", 6);
    r[15] = (uint8_t)revision;
    put(r + 16, (uint32_t)(base + RSDT), 4);
    put(r + 20, 36, 4);
    put(r + 24, revision >= 2 ? base + XSDT : 0, 8);
    r[8] = (uint8_t)-sum(r, 20);
    r[32] = (uint8_t)-sum(r, 36);
    write_seed("acpi", name, buf, SIZE + 5);
}

/* --- elf: mode (bounds), then a static x86-64 executable ----------------- */

static void seed_elf(unsigned mode, unsigned extra_phdrs, const char *name)
{
    enum { TEXT = 0x100, DATA = 0x200, SIZE = 0x240 };
    size_t pre = (mode & 4) ? 17 : 1;
    uint8_t *img = buf + pre;
    bool one_page = (mode & 7) == 3;   /* bounds [0x400000, 0x401000): text only */
    unsigned phnum = (one_page ? 1 : 2) + extra_phdrs;
    memset(buf, 0, pre + SIZE);
    buf[0] = (uint8_t)mode;
    if (mode & 4) {
        put(buf + 1, 0x400000, 8);
        put(buf + 9, 0x500000, 8);
    }
    /* vaddr and file offset congruent modulo 4096. */
    uint64_t text_va = (one_page ? 0x400000 : 0x401000) + TEXT;
    uint64_t data_va = 0x402000 + DATA;
    static const uint8_t ident[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
    memcpy(img, ident, sizeof ident);
    put(img + 16, 2, 2);              /* ET_EXEC */
    put(img + 18, 62, 2);             /* EM_X86_64 */
    put(img + 20, 1, 4);              /* EV_CURRENT */
    put(img + 24, text_va + 0x10, 8); /* entry, in the text segment */
    put(img + 32, 64, 8);             /* phoff */
    put(img + 52, 64, 2);             /* ehsize */
    put(img + 54, 56, 2);             /* phentsize */
    put(img + 56, phnum, 2);
    uint8_t *ph = img + 64;
    /* text: R+X, 0x20 bytes */
    put(ph, 1, 4); put(ph + 4, 5, 4); put(ph + 8, TEXT, 8); put(ph + 16, text_va, 8);
    put(ph + 24, text_va, 8); put(ph + 32, 0x20, 8); put(ph + 40, 0x20, 8); put(ph + 48, 0x1000, 8);
    if (!one_page) {
        /* data + bss: R+W, 0x40 bytes from the file, 0x2000 in memory */
        ph += 56;
        put(ph, 1, 4); put(ph + 4, 6, 4); put(ph + 8, DATA, 8); put(ph + 16, data_va, 8);
        put(ph + 24, data_va, 8); put(ph + 32, 0x40, 8); put(ph + 40, 0x2000, 8);
        put(ph + 48, 0x1000, 8);
    }
    for (unsigned i = 0; i < extra_phdrs; i++) {
        ph += 56;
        put(ph, i == 0 ? 0x6474e551u : 4u, 4);   /* PT_GNU_STACK, PT_NOTE */
        put(ph + 4, 6, 4);
    }
    static const uint8_t code[] = { 0x90, 0x90, 0x0f, 0x05, 0xeb, 0xfe };
    memcpy(img + TEXT + 0x10, code, sizeof code);
    memcpy(img + DATA, "data", 4);
    write_seed("elf", name, buf, pre + SIZE);
}

/* One more loadable segment than elf.h allows: each one page of bss. */
static void seed_elf_too_many(void)
{
    enum { PHNUM = 17 };
    size_t size = 64 + 56 * PHNUM;
    memset(buf, 0, 1 + size);
    buf[0] = 1;   /* bounds: the user half */
    uint8_t *img = buf + 1;
    static const uint8_t ident[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
    memcpy(img, ident, sizeof ident);
    put(img + 16, 2, 2);
    put(img + 18, 62, 2);
    put(img + 20, 1, 4);
    put(img + 24, 0x400000, 8);
    put(img + 32, 64, 8);
    put(img + 52, 64, 2);
    put(img + 54, 56, 2);
    put(img + 56, PHNUM, 2);
    for (unsigned i = 0; i < PHNUM; i++) {
        uint8_t *ph = img + 64 + 56 * i;
        put(ph, 1, 4);
        put(ph + 4, i == 0 ? 5 : 6, 4);
        put(ph + 16, 0x400000 + 0x1000 * (uint64_t)i, 8);
        put(ph + 40, 0x10, 8);
    }
    write_seed("elf", "seventeen-segments", buf, 1 + size);
}

/* --- cpio: a newc archive as `cpio -o -H newc` writes it ----------------- */

static size_t cpio_entry(uint8_t *p, const char *name, uint32_t mode, const void *data,
                         uint32_t size)
{
    uint32_t namesize = (uint32_t)strlen(name) + 1;
    char hdr[111];
    snprintf(hdr, sizeof hdr, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u,
             mode, 0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u, namesize, 0u);
    size_t off = 0;
    memcpy(p, hdr, 110);
    off += 110;
    memcpy(p + off, name, namesize);
    off += namesize;
    while (off & 3)
        p[off++] = 0;
    memcpy(p + off, data, size);
    off += size;
    while (off & 3)
        p[off++] = 0;
    return off;
}

static void seed_cpio(void)
{
    size_t off = 0;
    memset(buf, 0, sizeof buf);
    off += cpio_entry(buf + off, ".", 0040755, "", 0);
    off += cpio_entry(buf + off, "init", 0100755, "\x7f" "ELF init", 9);
    off += cpio_entry(buf + off, "./demo", 0100644, "demo!", 5);
    off += cpio_entry(buf + off, "init", 0100644, "second", 6);
    off += cpio_entry(buf + off, "TRAILER!!!", 0, "", 0);
    write_seed("cpio", "bundle", buf, (off + 511) & ~(size_t)511);
    write_seed("cpio", "bundle-unpadded", buf, off);
}

/* --- cmdline: line \0 key \0 item ---------------------------------------- */

static void seed_cmdline(const char *name, const char *line, const char *key, const char *item)
{
    size_t n = 0;
    memcpy(buf + n, line, strlen(line));
    n += strlen(line);
    if (key != NULL) {
        buf[n++] = 0;
        memcpy(buf + n, key, strlen(key));
        n += strlen(key);
        if (item != NULL) {
            buf[n++] = 0;
            memcpy(buf + n, item, strlen(item));
            n += strlen(item);
        }
    }
    write_seed("cmdline", name, buf, n);
}

/* --- ext2: small images made by Debian's mke2fs ---------------------------- */

/* Builds a folder (a file, one needing an indirect block at 1 KiB blocks,
 * a directory with a file, a fast symlink) and makes a 64 KiB image of it
 * with block size bs. Without mke2fs (scripts/setup installs e2fsprogs)
 * the harness starts from no seed and says so here. */
static void seed_ext2(unsigned bs, const char *name)
{
    const char *mke2fs = access("/sbin/mke2fs", X_OK) == 0 ? "/sbin/mke2fs" : "/usr/sbin/mke2fs";
    if (access(mke2fs, X_OK) != 0) {
        fprintf(stderr, "gen_seeds: no mke2fs (run scripts/setup): no ext2 seeds\n");
        return;
    }
    char dir[] = "/tmp/gen-seeds-ext2-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    char path[4096], cmd[8192];
    snprintf(path, sizeof path, "%s/%s", outdir, "ext2");
    mkdir_p(path);
    snprintf(cmd, sizeof cmd,
             "set -e; cd %s; mkdir -p src/a/b; echo hello > src/small; echo in-b > src/a/b/file; "
             "head -c 14000 /dev/zero | tr '\\0' 'x' > src/a/indirect; ln -s small src/link; "
             "truncate -s 64K image; %s -F -q -t ext2 -b %u -N 32 -r 1 -d src image",
             dir, mke2fs, bs);
    int rc = system(cmd);
    snprintf(cmd, sizeof cmd, "cp %s/image %s/ext2/%s; rm -rf %s", dir, outdir, name, dir);
    if (rc != 0 || system(cmd) != 0) {
        fprintf(stderr, "gen_seeds: mke2fs -b %u failed\n", bs);
        exit(1);
    }
}

/* --- netinput: Ethernet frames for lwIP (fuzz_netinput.c's format) -------- */

static const uint8_t nmac_ours[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t nmac_peer[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static const uint8_t nmac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
#define NIP_OURS 0x0a00020fu
#define NIP_PEER 0x0a000202u
static size_t net_len;

static void nput16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void nput32(uint8_t *p, uint32_t v) { nput16(p, (uint16_t)(v >> 16)); nput16(p + 2, (uint16_t)v); }

/* Starts a seed: the mode byte. */
static void net_begin(unsigned mode)
{
    buf[0] = (uint8_t)mode;
    net_len = 1;
}

/* Appends a frame's length and Ethernet header; returns where its payload goes. */
static uint8_t *net_frame(const uint8_t *dst, uint16_t type, size_t payload)
{
    uint8_t *f = buf + net_len;
    nput16(f, (uint16_t)(14 + payload));
    memcpy(f + 2, dst, 6);
    memcpy(f + 8, nmac_peer, 6);
    nput16(f + 14, type);
    memset(f + 16, 0, payload);
    net_len += 2 + 14 + payload;
    return f + 16;
}

static void net_arp(uint16_t oper)
{
    uint8_t *a = net_frame(oper == 1 ? nmac_bcast : nmac_ours, 0x0806, 28);
    nput16(a, 1);
    nput16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    nput16(a + 6, oper);
    memcpy(a + 8, nmac_peer, 6);
    nput32(a + 14, NIP_PEER);
    if (oper == 2)
        memcpy(a + 18, nmac_ours, 6);
    nput32(a + 24, NIP_OURS);
}

/* An IPv4 packet (checksums left 0: the harness computes them); returns the L4 header. */
static uint8_t *net_ip(uint8_t proto, uint32_t dst, size_t l4len)
{
    uint8_t *ip = net_frame(dst == 0xffffffffu ? nmac_bcast : nmac_ours, 0x0800, 20 + l4len);
    ip[0] = 0x45;
    nput16(ip + 2, (uint16_t)(20 + l4len));
    nput16(ip + 4, 1);
    nput16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = proto;
    nput32(ip + 12, NIP_PEER);
    nput32(ip + 16, dst);
    return ip + 20;
}

static void net_tcp(uint16_t sport, uint16_t dport, uint8_t flags, const char *data)
{
    size_t n = data ? strlen(data) : 0;
    uint8_t *t = net_ip(6, NIP_OURS, 20 + n);
    nput16(t, sport);
    nput16(t + 2, dport);
    nput32(t + 4, 1000);
    t[12] = 5 << 4;
    t[13] = flags;
    nput16(t + 14, 65535);
    memcpy(t + 20, data, n);
}

static void net_dhcp(uint8_t type)
{
    static const uint8_t opts[] = {99, 130, 83, 99, 53, 1, 0, 54, 4, 10, 0, 2, 2, 51, 4, 0, 1, 81,
                                   128, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2, 255};
    uint8_t *u = net_ip(17, 0xffffffffu, 8 + 236 + sizeof opts);
    nput16(u, 67);
    nput16(u + 2, 68);
    nput16(u + 4, (uint16_t)(8 + 236 + sizeof opts));
    uint8_t *b = u + 8;
    b[0] = 2;
    b[1] = 1;
    b[2] = 6;
    nput32(b + 16, NIP_OURS);
    memcpy(b + 28, nmac_ours, 6);
    memcpy(b + 236, opts, sizeof opts);
    b[236 + 6] = type;
}

static void seed_netinput(void)
{
    net_begin(1);
    net_arp(1);
    write_seed("netinput", "arp-request", buf, net_len);

    net_begin(1);
    net_arp(2);
    uint8_t *icmp = net_ip(1, NIP_OURS, 8 + 16);
    icmp[0] = 8;
    nput16(icmp + 4, 0x1234);
    nput16(icmp + 6, 1);
    memcpy(icmp + 8, "abcdefghijklmnop", 16);
    write_seed("netinput", "icmp-echo", buf, net_len);

    net_begin(3);
    net_arp(2);
    net_tcp(40000, 80, 0x02, NULL);
    net_tcp(40000, 80, 0x10, NULL);
    net_tcp(40000, 80, 0x18, "GET / HTTP/1.0\r\n\r\n");
    net_tcp(40000, 80, 0x11, NULL);
    write_seed("netinput", "tcp-session", buf, net_len);

    net_begin(1);
    net_arp(1);
    uint8_t *u = net_ip(17, NIP_OURS, 8 + 5);
    nput16(u, 5000);
    nput16(u + 2, 7);
    nput16(u + 4, 8 + 5);
    memcpy(u + 8, "hello", 5);
    write_seed("netinput", "udp-echo", buf, net_len);

    net_begin(1 | 4 | 8);
    net_dhcp(2);
    net_dhcp(5);
    write_seed("netinput", "dhcp-offer-ack", buf, net_len);

    net_begin(1 | 2 | 16);
    net_arp(2);
    net_tcp(8080, 49153, 0x12, NULL);
    net_tcp(8080, 49153, 0x18, "hi");
    write_seed("netinput", "tcp-connect", buf, net_len);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    mkdir_p(outdir);

    seed_bootinfo(0, 1, "v1-low");
    seed_bootinfo(1, 1, "v1-zero");
    seed_bootinfo(2, 1, "v1-4g");
    seed_bootinfo(3, 1, "v1-top");
    seed_bootinfo(0, 0, "v0-low");
    seed_bootinfo_long_cmdline();

    static const uint64_t qemu[][3] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 },
        { 0x100000, 0x7f00000, 1 }, { 0xfeffc000, 0x4000, 2 }, { 0x100000000ull, 0x40000000, 1 },
    };
    static const uint64_t messy[][3] = {
        { 0x5000, 0x3000, 1 }, { 0x1000, 0x8000, 1 }, { 0x6000, 0x100, 3 }, { 0x0, 0x0, 1 },
        { 0x2000, 0x1000, 4 }, { 0x7000, 0x4000, 2 }, { 0xfffffffffffff800ull, 0x1000, 1 },
        { 0xffff0000ull, 0xffffffffffffffffull, 1 }, { 0x1000, 0x8000, 7 },
    };
    seed_memmap(0, 0, qemu, 6, "qemu");
    seed_memmap(2, 0, messy, 9, "messy");
    seed_memmap(3, 4, messy, 9, "messy-small-cap");
    seed_memmap(3, 3, messy, 9, "small-coords");

    seed_acpi(0, 2, "xsdt-low");
    seed_acpi(1, 0, "rsdt-zero");
    seed_acpi(2, 2, "xsdt-4g");
    seed_acpi(3, 2, "xsdt-top");
    seed_acpi(4, 2, "xsdt-low-fixsum");
    seed_acpi(5, 0, "rsdt-zero-fixsum");

    seed_elf(0, 0, "init-bounds");
    seed_elf(1, 2, "user-half-notes");
    seed_elf(2, 0, "everything");
    seed_elf(3, 0, "one-page");
    seed_elf(4, 1, "explicit-bounds");
    seed_elf_too_many();

    seed_cpio();

    seed_ext2(1024, "image-1k");

    seed_netinput();

    seed_cmdline("kernel", "loglevel=3 selftest console=\"com1,xen\" run=ktest,demo", "run",
                 "demo");
    seed_cmdline("numbers", "loglevel=0x1f mem=18446744073709551615 x=0X", "mem", NULL);
    seed_cmdline("quotes", "a=\"b c\"d\te= f=\"unterminated", "f", "b c");
    seed_cmdline("repeat", "  selftest=a,b selftest=fault  poweroff ", NULL, NULL);
    return 0;
}
