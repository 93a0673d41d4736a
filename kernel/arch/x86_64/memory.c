/* Physical memory set-up: the frame allocator over all RAM (above 4 GiB
 * included), the direct map, the kernel image mapped with per-section
 * permissions (text RX, rodata R, data RW+NX), and MMIO windows. */
#include "kernel.h"
#include "cpu.h"
#include "memory.h"
#include "platform.h"

struct frame_allocator frame_allocator;
uint64_t kernel_root;

extern const char _boot_start[], _boot_end[];
extern const char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern const char _data_start[], _data_end[];

#define MAX_DIRECT 64
static struct { uint64_t base, end; } direct[MAX_DIRECT];
static unsigned ndirect;
static bool final_tables;
static uint64_t nx;     /* PTE_NX when the CPU supports it */

static const void *firmware_map(uint64_t paddr, size_t len);

/* Before the final tables: anything in the first 4 GiB (boot tables).
 * After: the direct map for RAM, else a read-only 4 KiB-page window (ACPI
 * tables and other firmware data live in reserved ranges). */
static const void *kernel_phys_read(void *ctx, uint64_t paddr, size_t len)
{
    (void)ctx;
    uint64_t end = paddr + len;
    if (end < paddr)
        return NULL;
    if (!final_tables)
        return end <= 0x100000000ull ? phys_to_virt(paddr) : NULL;
    for (unsigned i = 0; i < ndirect; i++)
        if (paddr >= direct[i].base && end <= direct[i].end)
            return phys_to_virt(paddr);
    return firmware_map(paddr, len);
}

const struct phys_access phys_access_kernel = { .read = kernel_phys_read };

/* Before the final tables are live only the first 4 GiB are reachable, so
 * page-table frames come from below 4 GiB until then. */
uint64_t frame_alloc_zeroed(void)
{
    uint64_t pa = final_tables ? frame_alloc(&frame_allocator)
                               : frame_alloc_contig(&frame_allocator, 1, 0, 0x100000000ull);
    if (pa != FRAME_NONE)
        memset(phys_to_virt(pa), 0, FRAME_SIZE);
    return pa;
}

static uint64_t pt_alloc_table(void *ctx)
{
    (void)ctx;
    return frame_alloc_zeroed();
}

static uint64_t *pt_table_ptr(void *ctx, uint64_t paddr)
{
    (void)ctx;
    return phys_to_virt(paddr);
}

const struct pt_ops kernel_pt_ops = { .alloc_table = pt_alloc_table, .table_ptr = pt_table_ptr };

struct reserved {
    uint64_t base, end;
};

/* Finds size bytes of RAM below 4 GiB that overlap no reserved range. */
static uint64_t find_free_low(const struct frame_span *spans, unsigned nspans,
                              const struct reserved *res, unsigned nres, uint64_t size)
{
    for (unsigned i = 0; i < nspans; i++) {
        uint64_t cand = ALIGN_UP(spans[i].base, FRAME_SIZE);
        uint64_t end = spans[i].base + spans[i].size;
        bool moved = true;
        while (moved) {
            moved = false;
            for (unsigned r = 0; r < nres; r++) {
                if (cand < res[r].end && cand + size > res[r].base) {
                    cand = ALIGN_UP(res[r].end, FRAME_SIZE);
                    moved = true;
                }
            }
        }
        if (cand + size <= end && cand + size <= 0x100000000ull)
            return cand;
    }
    return 0;
}

static void map_or_die(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags, bool huge, const char *what)
{
    int rc = pt_map_range(&kernel_pt_ops, kernel_root, va, pa, size, flags, huge);
    if (rc != PT_OK)
        panic("memory: cannot map %s (%#llx bytes at %#llx): error %d", what, (unsigned long long)size,
              (unsigned long long)pa, rc);
}

static void build_kernel_tables(const struct phys_region *map, unsigned n)
{
    kernel_root = frame_alloc_zeroed();
    BUG_ON(kernel_root == FRAME_NONE, "a frame for the kernel PML4");
    for (unsigned i = 0; i < n; i++) {
        uint32_t t = map[i].type;
        if (t != PHYS_RAM && t != PHYS_ACPI && t != PHYS_NVS)
            continue;
        uint64_t base = ALIGN_UP(map[i].base, FRAME_SIZE);
        uint64_t end = ALIGN_DOWN(map[i].base + map[i].size, FRAME_SIZE);
        if (end <= base || end > PHYS_MAP_LIMIT || ndirect == MAX_DIRECT)
            continue;
        map_or_die(PHYS_MAP_BASE + base, base, end - base, PTE_WRITE | PTE_GLOBAL | nx, true, "direct map");
        direct[ndirect].base = base;
        direct[ndirect].end = end;
        ndirect++;
    }
    struct {
        const char *start, *end;
        uint64_t flags;
        const char *name;
    } sections[] = {
        { _text_start, _text_end, PTE_GLOBAL, "kernel text" },
        { _rodata_start, _rodata_end, PTE_GLOBAL | nx, "kernel rodata" },
        { _data_start, _data_end, PTE_GLOBAL | PTE_WRITE | nx, "kernel data" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(sections); i++)
        map_or_die((uint64_t)sections[i].start, kernel_image_phys(sections[i].start),
                   (uint64_t)(sections[i].end - sections[i].start), sections[i].flags, false,
                   sections[i].name);
}

void memory_init(const struct boot_info *bi, const struct phys_region *map, unsigned n)
{
    nx = cpu_has_nx ? PTE_NX : 0;
    if (!nx)
        pr_warn("memory: CPU has no NX bit: kernel data stays executable");

    static struct frame_span spans[FRAMES_MAX_REGIONS];
    unsigned nspans = 0;
    for (unsigned i = 0; i < n && nspans < FRAMES_MAX_REGIONS; i++) {
        if (map[i].type != PHYS_RAM)
            continue;
        uint64_t base = map[i].base < 0x100000 ? 0x100000 : map[i].base;  /* keep low 1 MiB */
        uint64_t end = map[i].base + map[i].size;
        if (end > base)
            spans[nspans++] = (struct frame_span){ base, end - base };
    }
    if (nspans == 0)
        panic("memory: no usable RAM above 1 MiB in the memory map");

    struct reserved res[4 + BOOT_MODULES_MAX + 2];
    unsigned nres = 0;
    /* The boot section sits at its physical address, just below the rest. */
    res[nres++] = (struct reserved){ (uint64_t)_boot_start, kernel_image_phys(_data_end) };
    for (unsigned i = 0; i < bi->boot_data_count; i++)
        res[nres++] = (struct reserved){ bi->boot_data[i].base, bi->boot_data[i].base + bi->boot_data[i].size };
    for (unsigned i = 0; i < bi->module_count; i++)
        res[nres++] = (struct reserved){ bi->modules[i].paddr, bi->modules[i].paddr + bi->modules[i].size };

    size_t meta_size = ALIGN_UP(frame_alloc_metadata_size(spans, nspans), FRAME_SIZE);
    uint64_t meta = find_free_low(spans, nspans, res, nres, meta_size);
    if (!meta)
        panic("memory: no room below 4 GiB for the %zu-byte frame bitmap", meta_size);
    if (frame_alloc_init(&frame_allocator, spans, nspans, phys_to_virt(meta), meta_size) != 0)
        panic("memory: frame allocator rejected the memory map");
    res[nres++] = (struct reserved){ meta, meta + meta_size };
    for (unsigned i = 0; i < nres; i++)
        frame_alloc_reserve(&frame_allocator, res[i].base, res[i].end - res[i].base);

    build_kernel_tables(map, n);
    write_cr3(kernel_root);
    final_tables = true;

    uint64_t total = frame_allocator.total_frames * FRAME_SIZE;
    pr_info("memory: %llu MiB usable in %u regions up to %#llx, %llu MiB free, bitmap %zu KiB at %#llx",
            (unsigned long long)(total >> 20), frame_allocator.nregions,
            (unsigned long long)memmap_ram_end(map, n),
            (unsigned long long)((frame_allocator.free_frames * FRAME_SIZE) >> 20), meta_size >> 10,
            (unsigned long long)meta);
    pr_info("memory: kernel text %#llx-%#llx read-only, data non-executable%s",
            (unsigned long long)(uint64_t)_text_start, (unsigned long long)(uint64_t)_data_end,
            nx ? "" : " (no NX: not enforced)");
}

/* Maps [base, base + len) (page-aligned) into the window at *next with
 * flags, recording it in the table so later requests inside it reuse it. */
struct window {
    uint64_t next, limit;
    unsigned count;
    struct { uint64_t paddr, size, vaddr; } map[32];
};

static void *window_map(struct window *w, uint64_t paddr, uint64_t size, uint64_t flags)
{
    uint64_t base = ALIGN_DOWN(paddr, PAGE_SIZE);
    uint64_t len = ALIGN_UP(paddr + size, PAGE_SIZE) - base;
    for (unsigned i = 0; i < w->count; i++)
        if (base >= w->map[i].paddr && base + len <= w->map[i].paddr + w->map[i].size)
            return (void *)(w->map[i].vaddr + (paddr - w->map[i].paddr));
    if (w->count == ARRAY_SIZE(w->map) || len > w->limit - w->next)
        return NULL;
    if (pt_map_range(&kernel_pt_ops, kernel_root, w->next, base, len, flags, false) != PT_OK)
        return NULL;
    w->map[w->count].paddr = base;
    w->map[w->count].size = len;
    w->map[w->count].vaddr = w->next;
    w->count++;
    w->next += len;
    return (void *)(w->map[w->count - 1].vaddr + (paddr - base));
}

static struct window firmware_window = { .next = FIRMWARE_MAP_BASE, .limit = FIRMWARE_MAP_BASE + FIRMWARE_MAP_SIZE };

static const void *firmware_map(uint64_t paddr, size_t len)
{
    if (len == 0 || len > FIRMWARE_MAP_SIZE || paddr + len < paddr || paddr + len > PHYS_MAP_LIMIT)
        return NULL;
    return window_map(&firmware_window, paddr, len, PTE_GLOBAL | nx);
}

/* MMIO windows: uncached, at MMIO_MAP_BASE; the same physical page asked
 * twice gets the same mapping. */
static struct window mmio_window = { .next = MMIO_MAP_BASE, .limit = MMIO_MAP_BASE + MMIO_MAP_SIZE };

volatile void *mmio_map(uint64_t paddr, uint64_t size)
{
    if (!final_tables)
        return paddr + size <= 0x100000000ull ? (volatile void *)phys_to_virt(paddr) : NULL;
    if (size == 0 || paddr + size < paddr)
        return NULL;
    return window_map(&mmio_window, paddr, size, PTE_WRITE | PTE_PCD | PTE_PWT | PTE_GLOBAL | nx);
}

/* Creates the kernel-half top-level entries every address space shares
 * (direct map, MMIO/firmware windows, self-test area, kernel image), so a
 * user PML4 can copy them once: later kernel mappings land below them. */
void memory_prepare_user_spaces(void)
{
    static const unsigned slots[] = { 256, 257, 384, PML4_INDEX_KSTACKS, 399, 400, 511 };
    uint64_t *pml4 = phys_to_virt(kernel_root);
    for (unsigned i = 0; i < ARRAY_SIZE(slots); i++) {
        if (pml4[slots[i]] & PTE_PRESENT)
            continue;
        uint64_t pa = frame_alloc_zeroed();
        BUG_ON(pa == FRAME_NONE, "a frame for a kernel page-table root entry");
        pml4[slots[i]] = pa | PTE_PRESENT | PTE_WRITE;
    }
}
