/* Host unit-test suites (Check). One constructor per tested module;
 * main.c runs them all. */
#ifndef SUITES_H
#define SUITES_H

#include <check.h>

Suite *fmt_suite(void);
Suite *cmdline_suite(void);
Suite *frames_suite(void);
Suite *pagetable_suite(void);
Suite *memmap_suite(void);
Suite *bootinfo_suite(void);
Suite *acpi_suite(void);
Suite *elf_suite(void);
Suite *cpio_suite(void);

#endif
