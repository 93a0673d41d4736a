/* Tests for kernel/lib/elf.c: small ELF64 images built in memory, then one
 * malformed variant per rejection rule, truncations and random mutations. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "suites.h"

#define LO 0x1000ull
#define HI 0x800000000000ull
#define PT_LOAD 1u
#define PT_DYNAMIC 2u
#define PT_INTERP 3u
#define PT_NOTE 4u
#define PT_GNU_STACK 0x6474e551u
#define RX (ELF_PF_R | ELF_PF_X)
#define RW (ELF_PF_R | ELF_PF_W)

/* The image under test: valid after build_valid(), then mutated. */
static uint8_t img[0x4000];
static size_t img_size;

static void put(size_t off, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        img[off + i] = (uint8_t)(v >> (8 * i));
}

static size_t ph(unsigned i)
{
    return 64 + 56 * (size_t)i;
}

static void set_phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t off,
                     uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
    put(ph(i), type, 4);
    put(ph(i) + 4, flags, 4);
    put(ph(i) + 8, off, 8);
    put(ph(i) + 16, vaddr, 8);
    put(ph(i) + 24, vaddr, 8);
    put(ph(i) + 32, filesz, 8);
    put(ph(i) + 40, memsz, 8);
    put(ph(i) + 48, 0x1000, 8);
}

static void set_phnum(unsigned n)
{
    put(56, n, 2);
}

/* A static executable: text (RX), rodata (R), data+bss (RW), plus an empty
 * PT_LOAD and a PT_GNU_STACK that must be ignored. Entry 0x400010. */
static void build_valid(void)
{
    memset(img, 0, sizeof img);
    static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
    memcpy(img, ident, sizeof ident);
    put(16, 2, 2);              /* ET_EXEC */
    put(18, 62, 2);             /* EM_X86_64 */
    put(20, 1, 4);
    put(24, 0x400010, 8);       /* entry */
    put(32, 64, 8);             /* phoff */
    put(52, 64, 2);
    put(54, 56, 2);
    set_phnum(5);
    set_phdr(0, PT_LOAD, RX, 0x1000, 0x400000, 0x100, 0x100);
    set_phdr(1, PT_GNU_STACK, RW, 0, 0, 0, 0);
    set_phdr(2, PT_LOAD, ELF_PF_R, 0x2000, 0x401000, 0x20, 0x20);
    set_phdr(3, PT_LOAD, 0, 0, 0, 0, 0);
    set_phdr(4, PT_LOAD, RW, 0x3000, 0x402000, 0x10, 0x2000);
    img_size = 0x3010;
}

static int check(void)
{
    struct elf_info info;
    return elf_check(img, img_size, LO, HI, &info);
}

START_TEST(test_valid)
{
    build_valid();
    struct elf_info info;
    ck_assert_int_eq(elf_check(img, img_size, LO, HI, &info), ELF_OK);
    ck_assert_uint_eq(info.entry, 0x400010);
    ck_assert_uint_eq(info.nsegments, 3);
    ck_assert_uint_eq(info.vaddr_lo, 0x400000);
    ck_assert_uint_eq(info.vaddr_hi, 0x404000);

    struct elf_segment s;
    ck_assert_int_eq(elf_segment(img, img_size, 0, &s), ELF_OK);
    ck_assert_uint_eq(s.vaddr, 0x400000);
    ck_assert_uint_eq(s.offset, 0x1000);
    ck_assert_uint_eq(s.filesz, 0x100);
    ck_assert_uint_eq(s.memsz, 0x100);
    ck_assert_uint_eq(s.flags, RX);
    ck_assert_int_eq(elf_segment(img, img_size, 1, &s), ELF_OK);
    ck_assert_uint_eq(s.vaddr, 0x401000);
    ck_assert_uint_eq(s.flags, ELF_PF_R);
    ck_assert_int_eq(elf_segment(img, img_size, 2, &s), ELF_OK);
    ck_assert_uint_eq(s.vaddr, 0x402000);
    ck_assert_uint_eq(s.offset, 0x3000);
    ck_assert_uint_eq(s.filesz, 0x10);
    ck_assert_uint_eq(s.memsz, 0x2000);
    ck_assert_uint_eq(s.flags, RW);
    ck_assert_int_eq(elf_segment(img, img_size, 3, &s), ELF_E_INDEX);

    /* Unknown p_flags bits are dropped; the bounds are inclusive-exclusive. */
    put(ph(0) + 4, 0xf0000000u | RX, 4);
    ck_assert_int_eq(elf_segment(img, img_size, 0, &s), ELF_OK);
    ck_assert_uint_eq(s.flags, RX);
    ck_assert_int_eq(elf_check(img, img_size, 0x400000, 0x404000, &info), ELF_OK);
    ck_assert_int_eq(elf_check(img, img_size, 0x400001, 0x404000, &info), ELF_E_SEG_RANGE);
    ck_assert_int_eq(elf_check(img, img_size, 0x400000, 0x403fff, &info), ELF_E_SEG_RANGE);
}
END_TEST

START_TEST(test_bad_header)
{
    struct elf_info info;
    build_valid();
    ck_assert_int_eq(elf_check(NULL, 100, LO, HI, &info), ELF_E_SHORT);
    ck_assert_int_eq(elf_check(img, 63, LO, HI, &info), ELF_E_SHORT);
    ck_assert_int_eq(elf_check(img, img_size, LO, HI, NULL), ELF_E_ARG);
    ck_assert_int_eq(elf_check(img, img_size, HI, LO, &info), ELF_E_ARG);

    static const struct { size_t off; uint64_t value; unsigned n; int err; } bad[] = {
        { 0, 0x7e, 1, ELF_E_MAGIC },      { 3, 'f', 1, ELF_E_MAGIC },
        { 4, 1, 1, ELF_E_CLASS },         { 4, 0, 1, ELF_E_CLASS },
        { 5, 2, 1, ELF_E_DATA },          { 6, 0, 1, ELF_E_VERSION },
        { 20, 2, 4, ELF_E_VERSION },      { 18, 3, 2, ELF_E_MACHINE },
        { 18, 0x3e00, 2, ELF_E_MACHINE }, { 16, 3, 2, ELF_E_TYPE },
        { 16, 1, 2, ELF_E_TYPE },         { 54, 64, 2, ELF_E_PHDR },
        { 54, 0, 2, ELF_E_PHDR },         { 32, 0x3011, 8, ELF_E_PHDR },
        { 32, UINT64_MAX - 10, 8, ELF_E_PHDR }, { 56, 0xffff, 2, ELF_E_PHDR },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        build_valid();
        put(bad[i].off, bad[i].value, bad[i].n);
        ck_assert_msg(check() == bad[i].err, "case %zu: got %d, want %d", i, check(), bad[i].err);
        struct elf_segment s;
        ck_assert_int_eq(elf_segment(img, img_size, 0, &s), bad[i].err);
    }
    /* The program header table ending exactly at the end of the file is fine. */
    build_valid();
    set_phdr(0, PT_LOAD, RX, 0, 0x400000, 0x10, 0x100);
    set_phnum(1);
    img_size = ph(1);
    ck_assert_int_eq(check(), ELF_OK);
    img_size--;
    ck_assert_int_eq(check(), ELF_E_PHDR);
}
END_TEST

START_TEST(test_program_header_types)
{
    build_valid();
    put(ph(1), PT_INTERP, 4);
    ck_assert_int_eq(check(), ELF_E_DYNAMIC);
    put(ph(1), PT_DYNAMIC, 4);
    ck_assert_int_eq(check(), ELF_E_DYNAMIC);
    put(ph(1), PT_NOTE, 4);
    ck_assert_int_eq(check(), ELF_OK);

    build_valid();
    set_phnum(0);
    ck_assert_int_eq(check(), ELF_E_NOLOAD);
    set_phnum(2);
    put(ph(0), PT_NOTE, 4);
    ck_assert_int_eq(check(), ELF_E_NOLOAD);

    /* 16 loadable segments are accepted, 17 are not. */
    build_valid();
    for (unsigned i = 0; i < 17; i++)
        set_phdr(i, PT_LOAD, RX, 0x1000, 0x400000 + 0x1000 * (uint64_t)i, 0x10, 0x100);
    set_phnum(16);
    ck_assert_int_eq(check(), ELF_OK);
    set_phnum(17);
    ck_assert_int_eq(check(), ELF_E_TOO_MANY);
    /* Empty PT_LOAD entries do not count. */
    set_phdr(3, PT_LOAD, RX, 0, 0, 0, 0);
    ck_assert_int_eq(check(), ELF_OK);
}
END_TEST

START_TEST(test_segment_file_range)
{
    static const struct { uint64_t off, filesz, memsz; int err; } cases[] = {
        { 0x3011, 0, 0x10, ELF_E_SEG_FILE },      /* starts past the end */
        { 0x3000, 0x11, 0x2000, ELF_E_SEG_FILE }, /* one byte past the end */
        { UINT64_MAX - 7, 0x10, 0x2000, ELF_E_SEG_FILE },  /* offset + filesz wraps */
        { 0x3000, 0x10, 0x8, ELF_E_SEG_SIZE },    /* filesz > memsz */
        { 0x3000, 0x10, 0, ELF_E_SEG_SIZE },      /* not empty: filesz without memsz */
        { 0x3010, 0, 0x10, ELF_OK },              /* zero bytes at the very end */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        build_valid();
        put(ph(4) + 8, cases[i].off, 8);
        put(ph(4) + 32, cases[i].filesz, 8);
        put(ph(4) + 40, cases[i].memsz, 8);
        int want = cases[i].err;
        if (want == ELF_OK && ((cases[i].off ^ 0x402000) & 0xfff))
            put(ph(4) + 16, 0x402000 | (cases[i].off & 0xfff), 8);
        ck_assert_msg(check() == want, "case %zu: got %d", i, check());
        struct elf_segment s;
        ck_assert_int_eq(elf_segment(img, img_size, 2, &s), want);
        ck_assert_int_eq(elf_segment(img, img_size, 0, &s), ELF_OK);
    }
}
END_TEST

START_TEST(test_segment_addresses)
{
    struct elf_info info;
    build_valid();
    put(ph(4) + 16, 0x402001, 8);          /* vaddr % 4096 != offset % 4096 */
    ck_assert_int_eq(check(), ELF_E_SEG_ALIGN);
    put(ph(4) + 8, 0x3001, 8);
    put(ph(4) + 32, 0xf, 8);
    ck_assert_int_eq(check(), ELF_OK);     /* congruent but unaligned is fine */

    build_valid();
    put(ph(4) + 16, 0, 8);                 /* below user_lo */
    put(ph(4) + 8, 0x3000, 8);
    ck_assert_int_eq(check(), ELF_E_SEG_RANGE);
    put(ph(4) + 16, HI, 8);                /* starts at user_hi */
    ck_assert_int_eq(check(), ELF_E_SEG_RANGE);
    put(ph(4) + 16, HI - 0x1000, 8);       /* ends past user_hi */
    ck_assert_int_eq(check(), ELF_E_SEG_RANGE);
    put(ph(4) + 40, 0x1000, 8);            /* ends exactly at user_hi */
    ck_assert_int_eq(check(), ELF_OK);
    put(ph(4) + 40, UINT64_MAX, 8);        /* vaddr + memsz wraps */
    ck_assert_int_eq(check(), ELF_E_SEG_RANGE);
    ck_assert_int_eq(elf_check(img, img_size, 0, UINT64_MAX, &info), ELF_E_SEG_RANGE);

    /* With no upper limit, a segment in the last page (whose end would
     * wrap when rounded up to a page) is refused. */
    put(ph(4) + 16, 0xfffffffffffff000ull, 8);
    put(ph(4) + 40, 0x10, 8);
    ck_assert_int_eq(elf_check(img, img_size, 0, UINT64_MAX, &info), ELF_E_SEG_RANGE);
    put(ph(4) + 16, 0xffffffffffffe000ull, 8);
    put(ph(4) + 40, 0x1001, 8);
    ck_assert_int_eq(elf_check(img, img_size, 0, UINT64_MAX, &info), ELF_E_SEG_RANGE);
    put(ph(4) + 40, 0x1000, 8);
    ck_assert_int_eq(elf_check(img, img_size, 0, UINT64_MAX, &info), ELF_OK);
    ck_assert_uint_eq(info.vaddr_hi, 0xfffffffffffff000ull);
}
END_TEST

START_TEST(test_overlap)
{
    build_valid();
    put(ph(2) + 16, 0x400080, 8);          /* bytes overlap text */
    put(ph(2) + 8, 0x2080, 8);
    ck_assert_int_eq(check(), ELF_E_OVERLAP);
    put(ph(2) + 16, 0x400800, 8);          /* no byte overlap, same page */
    put(ph(2) + 8, 0x2800, 8);
    ck_assert_int_eq(check(), ELF_E_OVERLAP);

    build_valid();                          /* data's bss reaches into text's page */
    put(ph(4) + 16, 0x3ff000, 8);
    put(ph(4) + 40, 0x1001, 8);
    ck_assert_int_eq(check(), ELF_E_OVERLAP);
    put(ph(4) + 40, 0x1000, 8);            /* ends exactly where text starts */
    ck_assert_int_eq(check(), ELF_OK);

    build_valid();                          /* identical segments */
    set_phdr(3, PT_LOAD, RX, 0x1000, 0x400000, 0x100, 0x100);
    ck_assert_int_eq(check(), ELF_E_OVERLAP);
}
END_TEST

START_TEST(test_entry)
{
    static const struct { uint64_t entry; int err; } cases[] = {
        { 0x400000, ELF_OK }, { 0x4000ff, ELF_OK },
        { 0x400100, ELF_E_ENTRY },   /* one past text's end (same page) */
        { 0x3fffff, ELF_E_ENTRY },   /* just before */
        { 0x401000, ELF_E_ENTRY },   /* rodata: not executable */
        { 0x402000, ELF_E_ENTRY },   /* data */
        { 0, ELF_E_ENTRY }, { UINT64_MAX, ELF_E_ENTRY },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        build_valid();
        put(24, cases[i].entry, 8);
        ck_assert_msg(check() == cases[i].err, "entry %#llx: got %d",
                      (unsigned long long)cases[i].entry, check());
    }
    build_valid();
    put(ph(4) + 4, RW | ELF_PF_X, 4);       /* an executable data segment counts */
    put(24, 0x403fff, 8);
    ck_assert_int_eq(check(), ELF_OK);
}
END_TEST

START_TEST(test_truncation_and_mutation)
{
    /* Every prefix: no out-of-bounds read (ASan), and short prefixes fail. */
    build_valid();
    size_t full = img_size;
    uint8_t *copy = malloc(full);
    for (size_t n = 0; n <= full; n++) {
        memcpy(copy, img, n);
        struct elf_info info;
        struct elf_segment s;
        int r = elf_check(copy, n, LO, HI, &info);
        ck_assert_int_eq(r, n < full ? (n < 64 ? ELF_E_SHORT : n < ph(5) ? ELF_E_PHDR
                                        : ELF_E_SEG_FILE) : ELF_OK);
        for (unsigned i = 0; i < 4; i++)
            (void)elf_segment(copy, n, i, &s);
    }
    free(copy);

    /* Random byte changes in the headers: whatever is accepted is consistent. */
    srand(1234);
    for (int round = 0; round < 20000; round++) {
        build_valid();
        int changes = 1 + rand() % 4;
        for (int k = 0; k < changes; k++)
            img[rand() % (int)ph(5)] = (uint8_t)rand();
        struct elf_info info;
        if (elf_check(img, img_size, LO, HI, &info) != ELF_OK)
            continue;
        ck_assert(info.nsegments >= 1 && info.nsegments <= ELF_MAX_SEGMENTS);
        for (unsigned i = 0; i < info.nsegments; i++) {
            struct elf_segment s;
            ck_assert_int_eq(elf_segment(img, img_size, i, &s), ELF_OK);
            ck_assert(s.filesz <= s.memsz && s.offset + s.filesz <= img_size);
            ck_assert(s.vaddr >= LO && s.vaddr + s.memsz <= HI);
        }
    }
}
END_TEST

START_TEST(test_real_host_binary)
{
    /* The test program itself is a host executable: a PIE (ET_DYN) or a
     * dynamically linked ET_EXEC. Either way it must be refused cleanly. */
    FILE *f = fopen("/proc/self/exe", "rb");
    if (f == NULL)
        return;
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    struct elf_info info;
    int r = elf_check(buf, n, LO, HI, &info);
    ck_assert_msg(r == ELF_E_TYPE || r == ELF_E_DYNAMIC, "got %d (%s)", r, elf_strerror(r));
}
END_TEST

START_TEST(test_strerror)
{
    for (int e = ELF_OK; e >= ELF_E_ARG; e--)
        ck_assert_str_ne(elf_strerror(e), "unknown error");
    ck_assert_str_eq(elf_strerror(ELF_E_ARG - 1), "unknown error");
    ck_assert_str_eq(elf_strerror(1), "unknown error");
    ck_assert_str_eq(elf_strerror(INT_MIN), "unknown error");
}
END_TEST

Suite *elf_suite(void)
{
    Suite *s = suite_create("elf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_valid);
    tcase_add_test(tc, test_bad_header);
    tcase_add_test(tc, test_program_header_types);
    tcase_add_test(tc, test_segment_file_range);
    tcase_add_test(tc, test_segment_addresses);
    tcase_add_test(tc, test_overlap);
    tcase_add_test(tc, test_entry);
    tcase_add_test(tc, test_truncation_and_mutation);
    tcase_add_test(tc, test_real_host_binary);
    tcase_add_test(tc, test_strerror);
    suite_add_tcase(s, tc);
    return s;
}
