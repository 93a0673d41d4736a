/* Host unit-test suites (Check). One constructor per tested module;
 * main.c runs them all. */
#ifndef SUITES_H
#define SUITES_H

#include <check.h>
#include <stdint.h>

/* For checks in hot loops: ck_assert records every check that passes
 * (thousands of times slower); these only report failures. */
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            ck_abort_msg("Assertion '%s' failed", #cond);                      \
    } while (0)
#define CHECK_EQ(a, b)                                                         \
    do {                                                                       \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                       \
        if (a_ != b_)                                                          \
            ck_abort_msg("Assertion '%s == %s' failed: %#llx != %#llx", #a, #b, \
                         (unsigned long long)a_, (unsigned long long)b_);      \
    } while (0)

Suite *fmt_suite(void);
Suite *cmdline_suite(void);
Suite *frames_suite(void);
Suite *pagetable_suite(void);
Suite *memmap_suite(void);
Suite *bootinfo_suite(void);
Suite *acpi_suite(void);
Suite *elf_suite(void);
Suite *cpio_suite(void);
Suite *runqueue_suite(void);
Suite *cap_suite(void);
Suite *msg_suite(void);
Suite *list_suite(void);
Suite *avl_suite(void);
Suite *idalloc_suite(void);
Suite *ioport_suite(void);
Suite *virtio_transport_suite(void);
Suite *virtq_suite(void);
Suite *devwin_suite(void);
Suite *acpi_dev_suite(void);
Suite *pci_suite(void);
Suite *ring_suite(void);
Suite *manifest_suite(void);
Suite *superv_suite(void);
Suite *lwip_suite(void);
Suite *ext2_suite(void);
Suite *bcache_suite(void);
Suite *http_suite(void);
Suite *sockproto_suite(void);
Suite *fs_crash_suite(void);
Suite *http_reply_suite(void);
Suite *netcsum_suite(void);

#endif
