/* Unit tests for kernel/lib/bootinfo.c: PVH start-info parsing from a fake
 * physical memory whose contents the tests control byte by byte. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/arch-x86/hvm/start_info.h>
#include "bootinfo.h"
#include "suites.h"

/* Fake physical memory: [MEM_BASE, MEM_BASE + MEM_SIZE) is readable. */
#define MEM_BASE 0x100000ull
#define MEM_SIZE 0x10000u
#define MEM_END  (MEM_BASE + MEM_SIZE)

static _Alignas(16) uint8_t ram[MEM_SIZE];
static size_t largest_read_at_si;  /* biggest read of the start info's address */

static const void *fake_read(void *ctx, uint64_t paddr, size_t len)
{
    (void)ctx;
    if (paddr < MEM_BASE || len > MEM_SIZE || paddr - MEM_BASE > MEM_SIZE - len)
        return NULL;
    return ram + (paddr - MEM_BASE);
}

static uint64_t si_addr;
static const void *tracking_read(void *ctx, uint64_t paddr, size_t len)
{
    if (paddr == si_addr && len > largest_read_at_si)
        largest_read_at_si = len;
    return fake_read(ctx, paddr, len);
}

static const struct phys_access mem = { tracking_read, NULL };

struct captured {
    int n;
    char line[64][256];
};

static void capture_report(void *ctx, const char *fmt, va_list ap)
{
    struct captured *c = ctx;
    if (c->n < 64)
        vsnprintf(c->line[c->n++], sizeof c->line[0], fmt, ap);
}

static bool saw(const struct captured *c, const char *needle)
{
    for (int i = 0; i < c->n; i++)
        if (strstr(c->line[i], needle) != NULL)
            return true;
    return false;
}

static struct captured cap;
static const struct diag diag = { capture_report, &cap };
static struct boot_info bi;

static void *at(uint64_t paddr)
{
    return ram + (paddr - MEM_BASE);
}

/* Addresses of the pieces of a typical layout. */
#define SI      (MEM_BASE + 0x0)
#define MODLIST (MEM_BASE + 0x100)
#define MEMMAP  (MEM_BASE + 0x400)
#define CMDLINE (MEM_BASE + 0x1000)
#define MODCMD  (MEM_BASE + 0x2000)

static struct hvm_start_info *start_info(uint64_t paddr, uint32_t version)
{
    struct hvm_start_info si = {
        .magic = XEN_HVM_START_MAGIC_VALUE, .version = version, .flags = 0x5,
        .rsdp_paddr = 0xf0000,
    };
    size_t len = version >= 1 ? sizeof si : offsetof(struct hvm_start_info, memmap_paddr);
    if (len > MEM_END - paddr)
        len = MEM_END - paddr;  /* a start info cut off by the end of memory */
    memcpy(at(paddr), &si, len);
    si_addr = paddr;
    return at(paddr);
}

static void reset(void)
{
    memset(ram, 0, sizeof ram);
    memset(&cap, 0, sizeof cap);
    memset(&bi, 0xa5, sizeof bi);  /* the parser must initialise everything it reports */
    largest_read_at_si = 0;
}

static void set_memmap_entry(unsigned i, uint64_t addr, uint64_t size, uint32_t type)
{
    struct hvm_memmap_table_entry e = { .addr = addr, .size = size, .type = type };
    memcpy(at(MEMMAP + i * sizeof e), &e, sizeof e);
}

static void set_module(uint64_t list, unsigned i, uint64_t paddr, uint64_t size, uint64_t cmd)
{
    struct hvm_modlist_entry e = { .paddr = paddr, .size = size, .cmdline_paddr = cmd };
    memcpy(at(list + i * sizeof e), &e, sizeof e);
}

START_TEST(complete_start_info)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 1);
    si->cmdline_paddr = CMDLINE;
    strcpy(at(CMDLINE), "loglevel=3 selftest");
    si->memmap_paddr = MEMMAP;
    si->memmap_entries = 3;
    set_memmap_entry(0, 0x100000, 0x7ff00000, XEN_HVM_MEMMAP_TYPE_RAM);
    set_memmap_entry(1, 0x0, 0x9fc00, XEN_HVM_MEMMAP_TYPE_RAM);
    set_memmap_entry(2, 0xfc000000, 0x1000, XEN_HVM_MEMMAP_TYPE_RESERVED);
    si->modlist_paddr = MODLIST;
    si->nr_modules = 2;
    set_module(MODLIST, 0, 0x200000, 0x3000, MODCMD);
    set_module(MODLIST, 1, 0x300000, 0x1000, 0);
    strcpy(at(MODCMD), "init");

    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert_int_eq(cap.n, 0);
    ck_assert_uint_eq(bi.start_info_paddr, SI);
    ck_assert_uint_eq(bi.version, 1);
    ck_assert_uint_eq(bi.flags, 0x5);
    ck_assert_uint_eq(bi.rsdp_paddr, 0xf0000);
    ck_assert_str_eq(bi.cmdline, "loglevel=3 selftest");
    ck_assert(!bi.cmdline_truncated);
    ck_assert_uint_eq(bi.memmap_count, 3);
    ck_assert_uint_eq(bi.memmap[0].base, 0);  /* sorted */
    ck_assert_uint_eq(bi.memmap[2].type, PHYS_RESERVED);
    ck_assert_uint_eq(bi.module_count, 2);
    ck_assert_uint_eq(bi.modules[0].paddr, 0x200000);
    ck_assert_uint_eq(bi.modules[0].size, 0x3000);
    ck_assert_str_eq(bi.modules[0].cmdline, "init");
    ck_assert_str_eq(bi.modules[1].cmdline, "");
    ck_assert_uint_eq(bi.boot_data_count, 4);
    ck_assert_uint_eq(bi.boot_data[0].base, SI);
    ck_assert_uint_eq(bi.boot_data[0].size, sizeof(struct hvm_start_info));
    ck_assert_uint_eq(bi.boot_data[1].base, MODLIST);
    ck_assert_uint_eq(bi.boot_data[1].size, 2 * sizeof(struct hvm_modlist_entry));
    ck_assert_uint_eq(bi.boot_data[2].base, MEMMAP);
    ck_assert_uint_eq(bi.boot_data[2].size, 3 * sizeof(struct hvm_memmap_table_entry));
    ck_assert_uint_eq(bi.boot_data[3].base, CMDLINE);
    ck_assert_uint_eq(bi.boot_data[3].size, strlen("loglevel=3 selftest") + 1);
}
END_TEST

START_TEST(unreadable_start_info)
{
    reset();
    ck_assert_int_eq(bootinfo_parse(0x5000, &mem, &diag, &bi), BOOTINFO_EUNREADABLE);
    ck_assert(saw(&cap, "start info at 0x5000 is unreadable"));
    /* Straddling the end of memory. */
    ck_assert_int_eq(bootinfo_parse(MEM_END - 8, &mem, &diag, &bi), BOOTINFO_EUNREADABLE);
    /* Near the top of the address space: the range wraps. */
    ck_assert_int_eq(bootinfo_parse(UINT64_MAX - 4, &mem, &diag, &bi), BOOTINFO_EUNREADABLE);
    struct phys_access no_reader = { NULL, NULL };
    ck_assert_int_eq(bootinfo_parse(SI, &no_reader, &diag, &bi), BOOTINFO_EUNREADABLE);
    ck_assert_int_eq(bootinfo_parse(SI, NULL, NULL, &bi), BOOTINFO_EUNREADABLE);
    ck_assert_uint_eq(bi.module_count, 0);
    ck_assert_uint_eq(bi.memmap_count, 0);
}
END_TEST

START_TEST(wrong_magic)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 1);
    si->magic = 0x336ec577;
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_EMAGIC);
    ck_assert(saw(&cap, "bad magic 0x336ec577 (expected 0x336ec578)"));
    ck_assert_uint_eq(bi.memmap_count, 0);
    ck_assert_str_eq(bi.cmdline, "");
}
END_TEST

START_TEST(version_0_does_not_read_memmap_fields)
{
    reset();
    /* Placed so that only the version-0 part is readable. */
    uint64_t addr = MEM_END - offsetof(struct hvm_start_info, memmap_paddr);
    start_info(addr, 0);
    ck_assert_int_eq(bootinfo_parse(addr, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert_uint_eq(largest_read_at_si, offsetof(struct hvm_start_info, memmap_paddr));
    ck_assert_uint_eq(bi.version, 0);
    ck_assert_uint_eq(bi.memmap_count, 0);
    ck_assert_int_eq(cap.n, 0);  /* no "no memory map" complaint for version 0 */
    ck_assert_uint_eq(bi.boot_data_count, 1);
    ck_assert_uint_eq(bi.boot_data[0].size, offsetof(struct hvm_start_info, memmap_paddr));
}
END_TEST

START_TEST(version_1_with_unreadable_memmap_fields)
{
    reset();
    uint64_t addr = MEM_END - offsetof(struct hvm_start_info, memmap_paddr);
    start_info(addr, 1);
    ck_assert_int_eq(bootinfo_parse(addr, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert(saw(&cap, "memory-map fields are unreadable"));
    ck_assert_uint_eq(bi.memmap_count, 0);
}
END_TEST

START_TEST(version_1_without_memmap)
{
    reset();
    start_info(SI, 1);
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert(saw(&cap, "start info: no memory map"));
    ck_assert_uint_eq(bi.memmap_count, 0);
}
END_TEST

START_TEST(memmap_table_unreadable)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 1);
    si->memmap_paddr = MEM_END - sizeof(struct hvm_memmap_table_entry);  /* 1 of 2 readable */
    si->memmap_entries = 2;
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert(saw(&cap, "memory-map table [0x10ffe8, 2 entries) is unreadable: ignored"));
    ck_assert_uint_eq(bi.memmap_count, 0);
    si->memmap_paddr = UINT64_MAX - 8;  /* wraps */
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert_uint_eq(bi.memmap_count, 0);
}
END_TEST

START_TEST(too_many_memmap_entries)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 1);
    /* Only the first MEMMAP_MAX entries are readable: reading more would fail. */
    uint64_t table = MEM_END - MEMMAP_MAX * sizeof(struct hvm_memmap_table_entry);
    si->memmap_paddr = table;
    si->memmap_entries = 300;
    for (unsigned i = 0; i < MEMMAP_MAX; i++) {
        struct hvm_memmap_table_entry e = { .addr = (uint64_t)i * 0x2000, .size = 0x1000,
                                            .type = XEN_HVM_MEMMAP_TYPE_RAM };
        memcpy(at(table + i * sizeof e), &e, sizeof e);
    }
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert(saw(&cap, "start info: 300 memory-map entries, using the first 128"));
    ck_assert_uint_eq(bi.memmap_count, MEMMAP_MAX);
    ck_assert_uint_eq(bi.memmap[MEMMAP_MAX - 1].base, (MEMMAP_MAX - 1) * 0x2000);
}
END_TEST

START_TEST(memmap_is_sanitized)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 1);
    si->memmap_paddr = MEMMAP;
    si->memmap_entries = 4;
    set_memmap_entry(0, 0x0, 0x100000, XEN_HVM_MEMMAP_TYPE_RAM);
    set_memmap_entry(1, 0x80000, 0x1000, XEN_HVM_MEMMAP_TYPE_RESERVED);
    set_memmap_entry(2, 0x500000, 0, XEN_HVM_MEMMAP_TYPE_RAM);
    set_memmap_entry(3, 0xffffffffffff0000ull, 0x20000, XEN_HVM_MEMMAP_TYPE_RESERVED);
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert(saw(&cap, "overlaps"));
    ck_assert(saw(&cap, "entry 2 at 0x500000 has size 0: dropped"));
    ck_assert(saw(&cap, "clipped"));
    ck_assert_uint_eq(bi.memmap_count, 4);
    ck_assert(!memmap_range_is_ram(bi.memmap, bi.memmap_count, 0x80000, 1));
    ck_assert(memmap_range_is_ram(bi.memmap, bi.memmap_count, 0x81000, 0x7f000));
}
END_TEST

START_TEST(long_command_line_is_truncated)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 0);
    si->cmdline_paddr = CMDLINE;
    memset(at(CMDLINE), 'x', 2000);
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert(saw(&cap, "command line longer than 1023 bytes: truncated"));
    ck_assert(bi.cmdline_truncated);
    ck_assert_uint_eq(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
}
END_TEST

START_TEST(command_line_of_exactly_the_limit)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 0);
    si->cmdline_paddr = CMDLINE;
    memset(at(CMDLINE), 'y', BOOT_CMDLINE_MAX - 1);
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert_int_eq(cap.n, 0);
    ck_assert(!bi.cmdline_truncated);
    ck_assert_uint_eq(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
}
END_TEST

START_TEST(unterminated_command_line)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 0);
    si->cmdline_paddr = MEM_END - 5;
    memcpy(at(MEM_END - 5), "abcde", 5);  /* no NUL before memory ends */
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert(saw(&cap, "runs into unreadable memory after 5 bytes: truncated"));
    ck_assert(bi.cmdline_truncated);
    ck_assert_str_eq(bi.cmdline, "abcde");
}
END_TEST

START_TEST(unreadable_or_absent_command_line)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 0);
    si->cmdline_paddr = 0x1234;
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert(saw(&cap, "command line at 0x1234 is unreadable: ignored"));
    ck_assert_str_eq(bi.cmdline, "");
    memset(&cap, 0, sizeof cap);
    si->cmdline_paddr = 0;
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert_int_eq(cap.n, 0);
    ck_assert_str_eq(bi.cmdline, "");
    ck_assert(!bi.cmdline_truncated);
}
END_TEST

START_TEST(module_list_unreadable)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 0);
    si->modlist_paddr = 0x8000;
    si->nr_modules = 1;
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert(saw(&cap, "module list [0x8000, 1 entries) is unreadable: no modules"));
    ck_assert_uint_eq(bi.module_count, 0);
    ck_assert_uint_eq(bi.boot_data_count, 1);
}
END_TEST

START_TEST(too_many_modules)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 0);
    /* Only BOOT_MODULES_MAX entries fit before memory ends. */
    uint64_t list = MEM_END - BOOT_MODULES_MAX * sizeof(struct hvm_modlist_entry);
    si->modlist_paddr = list;
    si->nr_modules = 0xffffffff;
    for (unsigned i = 0; i < BOOT_MODULES_MAX; i++)
        set_module(list, i, 0x200000 + i * 0x1000, 0x1000, 0);
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert(saw(&cap, "start info: 4294967295 modules, using the first 16"));
    ck_assert_uint_eq(bi.module_count, BOOT_MODULES_MAX);
    ck_assert_uint_eq(bi.modules[15].paddr, 0x200000 + 15 * 0x1000);
}
END_TEST

START_TEST(module_command_lines_are_bounded)
{
    reset();
    struct hvm_start_info *si = start_info(SI, 0);
    si->modlist_paddr = MODLIST;
    si->nr_modules = 3;
    set_module(MODLIST, 0, 0x200000, 0x1000, MODCMD);
    set_module(MODLIST, 1, 0x201000, 0x1000, 0x42);
    set_module(MODLIST, 2, 0x202000, 0x1000, MEM_END - 3);
    memset(at(MODCMD), 'm', 500);
    memcpy(at(MEM_END - 3), "abc", 3);
    ck_assert_int_eq(bootinfo_parse(SI, &mem, &diag, &bi), BOOTINFO_OK);
    ck_assert(saw(&cap, "module 0 command line longer than 127 bytes: truncated"));
    ck_assert(saw(&cap, "module 1 command line at 0x42 is unreadable: ignored"));
    ck_assert(saw(&cap, "module 2 command line at 0x10fffd runs into unreadable memory"));
    ck_assert_uint_eq(bi.module_count, 3);
    ck_assert_uint_eq(strlen(bi.modules[0].cmdline), BOOT_MODCMD_MAX - 1);
    ck_assert_str_eq(bi.modules[1].cmdline, "");
    ck_assert_str_eq(bi.modules[2].cmdline, "abc");
}
END_TEST

static const struct phys_region test_map[] = {
    { 0x0, 0x9f000, PHYS_RAM },
    { 0x100000, 0x100000, PHYS_RAM },
    { 0x200000, 0x100000, PHYS_RAM },  /* adjacent: a module may span both */
    { 0x300000, 0x1000, PHYS_RESERVED },
};

static void add_module(uint64_t paddr, uint64_t size, const char *cmd)
{
    struct boot_module *m = &bi.modules[bi.module_count++];
    m->paddr = paddr;
    m->size = size;
    snprintf(m->cmdline, sizeof m->cmdline, "%s", cmd);
}

START_TEST(check_modules_drops_bad_ones)
{
    reset();
    bi.module_count = 0;
    add_module(0x180000, 0x100000, "spans");      /* 0: kept (two RAM entries) */
    add_module(0x2ff000, 0x2000, "reserved");     /* 1: runs into reserved */
    add_module(0x9f000, 0x1000, "hole");          /* 2: in the hole */
    add_module(0x50000, 0, "empty");              /* 3: empty */
    add_module(UINT64_MAX - 0xfff, 0x2000, "wrap"); /* 4: wraps */
    add_module(0x10000, 0x2000, "a");             /* 5: overlaps 6 */
    add_module(0x11000, 0x2000, "b");             /* 6: overlaps 5 */
    add_module(0x20000, 0x1000, "last");          /* 7: kept */
    ck_assert_uint_eq(bootinfo_check_modules(&bi, test_map, 4, &diag), 6);
    ck_assert_uint_eq(bi.module_count, 2);
    ck_assert_str_eq(bi.modules[0].cmdline, "spans");
    ck_assert_str_eq(bi.modules[1].cmdline, "last");
    ck_assert_uint_eq(bi.modules[1].paddr, 0x20000);
    ck_assert(saw(&cap, "module 1 [0x2ff000-0x301000) is not in RAM: ignored"));
    ck_assert(saw(&cap, "module 2 [0x9f000-0xa0000) is not in RAM: ignored"));
    ck_assert(saw(&cap, "module 3 at 0x50000 is empty: ignored"));
    ck_assert(saw(&cap, "module 4 [0xfffffffffffff000, size 0x2000) wraps"));
    ck_assert(saw(&cap, "module 5 [0x10000-0x12000) overlaps module 6: ignored"));
    ck_assert(saw(&cap, "module 6 [0x11000-0x13000) overlaps module 5: ignored"));
}
END_TEST

START_TEST(check_modules_overlap_ignores_already_bad_modules)
{
    reset();
    bi.module_count = 0;
    add_module(0x2ff000, 0x2000, "not ram");  /* bad: must not knock out module 1 */
    add_module(0x2fe000, 0x2000, "good");
    ck_assert_uint_eq(bootinfo_check_modules(&bi, test_map, 4, NULL), 1);
    ck_assert_uint_eq(bi.module_count, 1);
    ck_assert_str_eq(bi.modules[0].cmdline, "good");
    ck_assert_uint_eq(bootinfo_check_modules(NULL, test_map, 4, NULL), 0);
}
END_TEST

Suite *bootinfo_suite(void)
{
    Suite *s = suite_create("bootinfo");
    TCase *tc = tcase_create("bootinfo");
    tcase_add_test(tc, complete_start_info);
    tcase_add_test(tc, unreadable_start_info);
    tcase_add_test(tc, wrong_magic);
    tcase_add_test(tc, version_0_does_not_read_memmap_fields);
    tcase_add_test(tc, version_1_with_unreadable_memmap_fields);
    tcase_add_test(tc, version_1_without_memmap);
    tcase_add_test(tc, memmap_table_unreadable);
    tcase_add_test(tc, too_many_memmap_entries);
    tcase_add_test(tc, memmap_is_sanitized);
    tcase_add_test(tc, long_command_line_is_truncated);
    tcase_add_test(tc, command_line_of_exactly_the_limit);
    tcase_add_test(tc, unterminated_command_line);
    tcase_add_test(tc, unreadable_or_absent_command_line);
    tcase_add_test(tc, module_list_unreadable);
    tcase_add_test(tc, too_many_modules);
    tcase_add_test(tc, module_command_lines_are_bounded);
    tcase_add_test(tc, check_modules_drops_bad_ones);
    tcase_add_test(tc, check_modules_overlap_ignores_already_bad_modules);
    suite_add_tcase(s, tc);
    return s;
}
