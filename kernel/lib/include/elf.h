/* Static x86-64 ELF64 executables (kernel/lib/elf.c). Pure code, used by the
 * kernel, by the user runtime (init loads programs) and by host tests.
 *
 * The image is untrusted bytes in memory (pointer + size, any alignment).
 * elf_check validates the whole file once; a loader then walks the loadable
 * segments with elf_segment. Accepted files:
 *  - ELF64, little-endian, version 1, machine x86-64, type ET_EXEC;
 *  - program headers of the ELF64 size, entirely inside the file;
 *  - no PT_INTERP or PT_DYNAMIC (static executables only);
 *  - 1..ELF_MAX_SEGMENTS non-empty PT_LOAD segments (PT_LOAD entries with
 *    filesz = memsz = 0 are ignored: linker scripts with PHDRS emit them);
 *  - each segment: file range inside the file, filesz <= memsz, vaddr and
 *    offset congruent modulo 4096, [vaddr, vaddr + memsz) without overflow
 *    and inside [user_lo, user_hi);
 *  - no two segments touch the same 4 KiB page, so every page of the image
 *    has exactly one set of permissions;
 *  - the entry point lies inside an executable segment.
 * p_align is not checked (static linkers differ); other program header
 * types (PT_NOTE, PT_GNU_STACK, PT_TLS, ...) are ignored. */
#ifndef ELF_H
#define ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16
#define ELF_PAGE_SIZE    4096u

/* Segment permission flags (the ELF p_flags bits). */
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

enum elf_error {
    ELF_OK = 0,
    ELF_E_SHORT = -1,      /* smaller than the ELF header (or NULL image) */
    ELF_E_MAGIC = -2,      /* not \x7fELF */
    ELF_E_CLASS = -3,      /* not ELF64 */
    ELF_E_DATA = -4,       /* not little-endian */
    ELF_E_VERSION = -5,    /* e_ident version or e_version is not 1 */
    ELF_E_MACHINE = -6,    /* not x86-64 */
    ELF_E_TYPE = -7,       /* not ET_EXEC */
    ELF_E_PHDR = -8,       /* bad phentsize, or program headers outside the file */
    ELF_E_DYNAMIC = -9,    /* PT_INTERP or PT_DYNAMIC present */
    ELF_E_NOLOAD = -10,    /* no loadable segment */
    ELF_E_TOO_MANY = -11,  /* more than ELF_MAX_SEGMENTS loadable segments */
    ELF_E_SEG_FILE = -12,  /* segment's file range outside the file */
    ELF_E_SEG_SIZE = -13,  /* filesz > memsz */
    ELF_E_SEG_RANGE = -14, /* vaddr + memsz overflows or leaves [user_lo, user_hi) */
    ELF_E_SEG_ALIGN = -15, /* vaddr and offset not congruent modulo 4096 */
    ELF_E_OVERLAP = -16,   /* two segments share a page */
    ELF_E_ENTRY = -17,     /* entry point not inside an executable segment */
    ELF_E_INDEX = -18,     /* elf_segment: no such loadable segment */
    ELF_E_ARG = -19,       /* NULL out pointer or user_lo > user_hi */
};

struct elf_info {
    uint64_t entry;        /* entry point (inside an executable segment) */
    unsigned nsegments;    /* loadable segments: indexes 0..nsegments-1 */
    uint64_t vaddr_lo;     /* lowest segment address */
    uint64_t vaddr_hi;     /* one past the highest segment byte */
};

struct elf_segment {
    uint64_t vaddr;        /* first byte in memory (need not be page-aligned) */
    uint64_t memsz;        /* bytes in memory; [filesz, memsz) is zero */
    uint64_t offset;       /* file offset of the first byte */
    uint64_t filesz;       /* bytes taken from the file */
    unsigned flags;        /* ELF_PF_R | ELF_PF_W | ELF_PF_X */
};

/* Validates the image as described above, with every segment inside
 * [user_lo, user_hi). Returns ELF_OK and fills *out, or a negative
 * enum elf_error (out untouched). */
int elf_check(const void *image, size_t size, uint64_t user_lo, uint64_t user_hi,
              struct elf_info *out);

/* Describes loadable segment index (0-based, in program-header order,
 * skipping non-PT_LOAD and empty entries). Meant for images that passed
 * elf_check; on any image it only re-checks what it reads (header, program
 * header table, the segment's file range and filesz <= memsz), so it never
 * reads out of bounds. Returns ELF_OK or a negative enum elf_error. */
int elf_segment(const void *image, size_t size, unsigned index, struct elf_segment *out);

/* A short English description of an enum elf_error value. */
const char *elf_strerror(int error);

#endif
