/* Static x86-64 ELF64 executables (see elf.h). Every field is read byte by
 * byte (the image may be unaligned) and every offset is bounds-checked
 * before use, without arithmetic that can overflow. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf.h"

/* The parts of the ELF64 format used here. */
#define EHDR_SIZE     64u
#define PHDR_SIZE     56u
#define ELFCLASS64    2u
#define ELFDATA2LSB   1u
#define EV_CURRENT    1u
#define ET_EXEC       2u
#define EM_X86_64     62u
#define PT_LOAD       1u
#define PT_DYNAMIC    2u
#define PT_INTERP     3u
#define PAGE_MASK     ((uint64_t)ELF_PAGE_SIZE - 1)

struct header {
    uint64_t entry;
    uint64_t phoff;
    unsigned phnum;
};

struct phdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t memsz;
};

/* Little-endian unsigned integer of n bytes at p. */
static uint64_t load_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    while (n-- > 0)
        v = (v << 8) | p[n];
    return v;
}

/* Checks the ELF header and that the program header table lies inside the
 * file; fills *h. */
static int read_header(const uint8_t *b, size_t size, struct header *h)
{
    if (b == NULL || size < EHDR_SIZE)
        return ELF_E_SHORT;
    if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
        return ELF_E_MAGIC;
    if (b[4] != ELFCLASS64)
        return ELF_E_CLASS;
    if (b[5] != ELFDATA2LSB)
        return ELF_E_DATA;
    if (b[6] != EV_CURRENT || load_le(b + 20, 4) != EV_CURRENT)
        return ELF_E_VERSION;
    if (load_le(b + 18, 2) != EM_X86_64)
        return ELF_E_MACHINE;
    if (load_le(b + 16, 2) != ET_EXEC)
        return ELF_E_TYPE;
    if (load_le(b + 54, 2) != PHDR_SIZE)
        return ELF_E_PHDR;
    h->entry = load_le(b + 24, 8);
    h->phoff = load_le(b + 32, 8);
    h->phnum = (unsigned)load_le(b + 56, 2);
    /* phnum * PHDR_SIZE < 2^22: no overflow. */
    if (h->phoff > size || size - h->phoff < (uint64_t)h->phnum * PHDR_SIZE)
        return ELF_E_PHDR;
    return ELF_OK;
}

/* Program header i; read_header has checked the table is in the file. */
static void read_phdr(const uint8_t *b, const struct header *h, unsigned i, struct phdr *p)
{
    const uint8_t *q = b + h->phoff + (uint64_t)i * PHDR_SIZE;
    p->type = (uint32_t)load_le(q, 4);
    p->flags = (uint32_t)load_le(q + 4, 4) & (ELF_PF_R | ELF_PF_W | ELF_PF_X);
    p->offset = load_le(q + 8, 8);
    p->vaddr = load_le(q + 16, 8);
    p->filesz = load_le(q + 32, 8);
    p->memsz = load_le(q + 40, 8);
}

static bool is_empty_load(const struct phdr *p)
{
    return p->type == PT_LOAD && p->filesz == 0 && p->memsz == 0;
}

/* The checks elf_segment repeats: file range inside the file, filesz <= memsz. */
static int check_file_range(const struct phdr *p, size_t size)
{
    if (p->offset > size || p->filesz > size - p->offset)
        return ELF_E_SEG_FILE;
    if (p->filesz > p->memsz)
        return ELF_E_SEG_SIZE;
    return ELF_OK;
}

/* A validated segment: its byte range and the pages it covers. */
struct span {
    uint64_t start, end;          /* [vaddr, vaddr + memsz) */
    uint64_t page_lo, page_hi;    /* whole pages covering it */
    unsigned flags;
};

/* Address checks of one segment against [lo, hi); fills *s. */
static int check_placement(const struct phdr *p, uint64_t lo, uint64_t hi, struct span *s)
{
    if (((p->vaddr ^ p->offset) & PAGE_MASK) != 0)
        return ELF_E_SEG_ALIGN;
    if (p->vaddr < lo || p->vaddr >= hi || p->memsz > hi - p->vaddr)
        return ELF_E_SEG_RANGE;
    s->start = p->vaddr;
    s->end = p->vaddr + p->memsz;
    if (s->end > UINT64_MAX - PAGE_MASK)
        return ELF_E_SEG_RANGE;   /* its last page would wrap */
    s->page_lo = s->start & ~PAGE_MASK;
    s->page_hi = (s->end + PAGE_MASK) & ~PAGE_MASK;
    s->flags = p->flags;
    return ELF_OK;
}

int elf_check(const void *image, size_t size, uint64_t user_lo, uint64_t user_hi,
              struct elf_info *out)
{
    const uint8_t *b = image;
    struct header h;
    struct span seg[ELF_MAX_SEGMENTS];
    unsigned n = 0;

    if (out == NULL || user_lo > user_hi)
        return ELF_E_ARG;
    int err = read_header(b, size, &h);
    if (err != ELF_OK)
        return err;
    for (unsigned i = 0; i < h.phnum; i++) {
        struct phdr p;
        read_phdr(b, &h, i, &p);
        if (p.type == PT_INTERP || p.type == PT_DYNAMIC)
            return ELF_E_DYNAMIC;
        if (p.type != PT_LOAD || is_empty_load(&p))
            continue;
        if (n == ELF_MAX_SEGMENTS)
            return ELF_E_TOO_MANY;
        err = check_file_range(&p, size);
        if (err == ELF_OK)
            err = check_placement(&p, user_lo, user_hi, &seg[n]);
        if (err != ELF_OK)
            return err;
        for (unsigned j = 0; j < n; j++)
            if (seg[n].page_lo < seg[j].page_hi && seg[j].page_lo < seg[n].page_hi)
                return ELF_E_OVERLAP;
        n++;
    }
    if (n == 0)
        return ELF_E_NOLOAD;

    bool entry_ok = false;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned j = 0; j < n; j++) {
        if ((seg[j].flags & ELF_PF_X) && h.entry >= seg[j].start && h.entry < seg[j].end)
            entry_ok = true;
        lo = seg[j].start < lo ? seg[j].start : lo;
        hi = seg[j].end > hi ? seg[j].end : hi;
    }
    if (!entry_ok)
        return ELF_E_ENTRY;
    out->entry = h.entry;
    out->nsegments = n;
    out->vaddr_lo = lo;
    out->vaddr_hi = hi;
    return ELF_OK;
}

int elf_segment(const void *image, size_t size, unsigned index, struct elf_segment *out)
{
    const uint8_t *b = image;
    struct header h;

    if (out == NULL)
        return ELF_E_ARG;
    int err = read_header(b, size, &h);
    if (err != ELF_OK)
        return err;
    for (unsigned i = 0, n = 0; i < h.phnum; i++) {
        struct phdr p;
        read_phdr(b, &h, i, &p);
        if (p.type != PT_LOAD || is_empty_load(&p))
            continue;
        if (n++ != index)
            continue;
        err = check_file_range(&p, size);
        if (err != ELF_OK)
            return err;
        out->vaddr = p.vaddr;
        out->memsz = p.memsz;
        out->offset = p.offset;
        out->filesz = p.filesz;
        out->flags = p.flags;
        return ELF_OK;
    }
    return ELF_E_INDEX;
}

const char *elf_strerror(int error)
{
    static const char *const text[] = {
        "ok", "file too short", "bad magic", "not ELF64", "not little-endian",
        "bad version", "not x86-64", "not an executable (ET_EXEC)",
        "bad program header table", "dynamic executable (PT_INTERP/PT_DYNAMIC)",
        "no loadable segment", "too many loadable segments",
        "segment outside the file", "segment filesz > memsz",
        "segment address out of range", "segment vaddr/offset not congruent mod 4096",
        "segments share a page", "entry point not in an executable segment",
        "no such segment", "bad argument",
    };
    unsigned i = 0u - (unsigned)error;   /* -error without overflow */
    if (error > 0 || i >= sizeof text / sizeof text[0])
        return "unknown error";
    return text[i];
}
