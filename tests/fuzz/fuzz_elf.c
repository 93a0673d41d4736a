/* libFuzzer harness for kernel/lib/elf.c.
 *
 * Input: byte 0 = mode, then (mode bit 2 set) 16 bytes of address bounds
 * user_lo, user_hi, then the ELF image.
 * Mode bits 0-1 without bit 2 pick the bounds: the kernel's for init
 * [USER_BASE, 4 GiB), the whole user half, everything, or one page.
 *
 * When elf_check accepts the image, every promise of elf.h is checked:
 * 1..ELF_MAX_SEGMENTS segments, each readable with elf_segment, its file
 * range inside the image, filesz <= memsz, [vaddr, vaddr + memsz) inside
 * [user_lo, user_hi) with its page-rounded end representable, vaddr and
 * offset congruent mod 4096, no two segments sharing a page, vaddr_lo/hi
 * the segments' extent, the entry inside an executable segment, and no
 * segment past the last. Whatever elf_check says, elf_segment is asked for
 * a few indexes and anything it returns must lie inside the image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elf.h"
#include "fuzz.h"

#define PAGE 4096ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    data++;
    size--;
    uint64_t lo, hi;
    if (mode & 4) {
        if (size < 16)
            return 0;
        lo = fuzz_le64(data);
        hi = fuzz_le64(data + 8);
        data += 16;
        size -= 16;
    } else {
        static const uint64_t bounds[4][2] = {
            { 0x1000, 0x100000000ull },
            { 0x1000, 0x800000000000ull },
            { 0, UINT64_MAX },
            { 0x400000, 0x401000 },
        };
        lo = bounds[mode & 3][0];
        hi = bounds[mode & 3][1];
    }
    /* An exact-size copy: ASan reports any read past the image. */
    uint8_t *image = malloc(size != 0 ? size : 1);
    FUZZ_ASSERT(image != NULL);
    memcpy(image, data, size);

    struct elf_info info;
    memset(&info, 0xa5, sizeof info);
    int rc = elf_check(image, size, lo, hi, &info);
    FUZZ_ASSERT(rc <= 0 && rc >= ELF_E_ARG);
    if (fuzz_verbose())
        fprintf(stderr, "elf: [0x%llx, 0x%llx): %s\n", (unsigned long long)lo,
                (unsigned long long)hi, elf_strerror(rc));
    FUZZ_ASSERT(elf_strerror(rc) != NULL);
    if (lo > hi)
        FUZZ_ASSERT(rc == ELF_E_ARG);

    if (rc == ELF_OK) {
        FUZZ_ASSERT(info.nsegments >= 1 && info.nsegments <= ELF_MAX_SEGMENTS);
        struct elf_segment seg[ELF_MAX_SEGMENTS];
        uint64_t ext_lo = UINT64_MAX, ext_hi = 0;
        bool entry_ok = false;
        for (unsigned i = 0; i < info.nsegments; i++) {
            struct elf_segment *s = &seg[i];
            FUZZ_ASSERT(elf_segment(image, size, i, s) == ELF_OK);
            FUZZ_ASSERT(s->offset <= size && s->filesz <= size - s->offset);
            FUZZ_ASSERT(s->filesz <= s->memsz);
            FUZZ_ASSERT(s->memsz != 0);
            FUZZ_ASSERT(s->vaddr >= lo && s->vaddr < hi && s->memsz <= hi - s->vaddr);
            FUZZ_ASSERT(s->vaddr + s->memsz <= UINT64_MAX - (PAGE - 1));
            FUZZ_ASSERT(((s->vaddr ^ s->offset) & (PAGE - 1)) == 0);
            FUZZ_ASSERT((s->flags & ~(unsigned)(ELF_PF_R | ELF_PF_W | ELF_PF_X)) == 0);
            uint64_t page_lo = s->vaddr & ~(PAGE - 1);
            uint64_t page_hi = (s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1);
            for (unsigned j = 0; j < i; j++) {
                uint64_t o_lo = seg[j].vaddr & ~(PAGE - 1);
                uint64_t o_hi = (seg[j].vaddr + seg[j].memsz + PAGE - 1) & ~(PAGE - 1);
                FUZZ_ASSERT(page_hi <= o_lo || o_hi <= page_lo);
            }
            if (s->vaddr < ext_lo)
                ext_lo = s->vaddr;
            if (s->vaddr + s->memsz > ext_hi)
                ext_hi = s->vaddr + s->memsz;
            if ((s->flags & ELF_PF_X) && info.entry >= s->vaddr && info.entry - s->vaddr < s->memsz)
                entry_ok = true;
            /* What a loader does with it: copy the file bytes. */
            volatile uint8_t sink = 0;
            for (uint64_t k = 0; k < s->filesz; k += 509)
                sink ^= image[s->offset + k];
            if (s->filesz != 0)
                sink ^= image[s->offset + s->filesz - 1];
            (void)sink;
        }
        FUZZ_ASSERT(entry_ok);
        FUZZ_ASSERT(info.vaddr_lo == ext_lo && info.vaddr_hi == ext_hi);
        struct elf_segment extra;
        FUZZ_ASSERT(elf_segment(image, size, info.nsegments, &extra) == ELF_E_INDEX);
    }

    /* elf_segment on any image: what it returns is inside the image. */
    for (unsigned i = 0; i < 4; i++) {
        struct elf_segment s;
        int r = elf_segment(image, size, i, &s);
        FUZZ_ASSERT(r <= 0 && r >= ELF_E_ARG);
        if (r == ELF_OK) {
            FUZZ_ASSERT(s.offset <= size && s.filesz <= size - s.offset);
            FUZZ_ASSERT(s.filesz <= s.memsz);
        }
    }
    FUZZ_ASSERT(elf_segment(image, size, 0, NULL) == ELF_E_ARG);
    FUZZ_ASSERT(elf_strerror(rc - 1) != NULL && elf_strerror(1 - rc) != NULL);
    free(image);
    return 0;
}
