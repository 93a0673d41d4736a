/* Runs every host unit-test suite and ends with "N passed, M failed".
 * Exit status 0 only if every test passed. */
#include <stdio.h>
#include <stdlib.h>
#include "suites.h"

int main(void)
{
    Suite *(*const suites[])(void) = {
        fmt_suite, cmdline_suite, frames_suite, pagetable_suite,
        memmap_suite, bootinfo_suite, acpi_suite, elf_suite, cpio_suite,
        runqueue_suite, cap_suite, msg_suite, list_suite, avl_suite,
        idalloc_suite, ioport_suite, virtio_transport_suite, virtq_suite,
        devwin_suite, acpi_dev_suite, pci_suite, ring_suite, manifest_suite,
        superv_suite, lwip_suite, ext2_suite, bcache_suite, fs_crash_suite, sockproto_suite,
        netcsum_suite, http_suite, http_reply_suite,
    };
    SRunner *runner = srunner_create(NULL);
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        srunner_add_suite(runner, suites[i]());
    srunner_run_all(runner, CK_ENV);
    int run = srunner_ntests_run(runner);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    printf("unit: %d passed, %d failed\n", run - failed, failed);
    return failed == 0 && run > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
