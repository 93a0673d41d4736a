/* Shared pieces of the libFuzzer harnesses (tests/fuzz/fuzz_*.c): fake
 * guest physical memory behind a struct phys_access, a diag that formats
 * every report with the kernel's own printf, an assertion that aborts (a
 * crash for libFuzzer), and the memory-map invariant check. Host code. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "memmap.h"
#include "phys.h"

/* An invariant violation: print where and what, then abort. */
#define FUZZ_ASSERT(cond)                                                        \
    do {                                                                         \
        if (!(cond))                                                             \
            fuzz_fail(__FILE__, __LINE__, #cond);                                \
    } while (0)

__attribute__((noreturn)) void fuzz_fail(const char *file, int line, const char *what);

/* Guest physical memory: the fuzzer's bytes at [base, base + size). Every
 * read the parser makes is handed a fresh heap copy of exactly the bytes it
 * asked for, and the previous copy is freed: AddressSanitizer then reports
 * a read past the requested length (even one that stays inside the fake
 * memory) and a pointer kept across another read (the kernel's firmware
 * window may be reused: parsers promise not to do that). Reads outside
 * [base, base + size), or that wrap, return NULL. */
struct fake_phys {
    uint64_t base;
    const uint8_t *bytes;
    size_t size;
    void *window;          /* the last copy handed out */
    unsigned long reads;
};

void fake_phys_init(struct fake_phys *fp, uint64_t base, const uint8_t *bytes, size_t size,
                    struct phys_access *mem);
void fake_phys_done(struct fake_phys *fp);
/* True if [paddr, paddr + len) lies in the fake memory (len 0 allowed). */
bool fake_phys_contains(const struct fake_phys *fp, uint64_t paddr, uint64_t len);

/* Where the fake memory starts, chosen by two bits of the fuzzer's input:
 * a typical low address, 0 (addresses are offsets), the end of the 32-bit
 * space, or the very top of the 64-bit space (the last byte is 2^64 - 1). */
uint64_t fuzz_pick_base(unsigned sel, size_t size);

/* A diag that formats each report with fmt_vsnprintf (the kernel's printf)
 * and counts reports, and those containing needle. */
struct fuzz_diag {
    unsigned reports;
    const char *needle;
    unsigned needle_hits;
};
void fuzz_diag_init(struct fuzz_diag *fd, const char *needle, struct diag *d);

/* The guarantees of memmap_sanitize's output: n <= cap, every entry
 * non-empty and ending at or below 2^64 - 4096, sorted by base, no overlap,
 * and no two touching entries of the same type (they would have merged). */
void fuzz_check_sanitized(const struct phys_region *map, unsigned n, unsigned cap);

/* True when FUZZ_VERBOSE is set: harnesses then print what they saw. */
bool fuzz_verbose(void);

/* Little-endian loads from the fuzzer's bytes. */
uint32_t fuzz_le32(const uint8_t *p);
uint64_t fuzz_le64(const uint8_t *p);

#endif
