/* Built-in kernel self-tests (CONFIG_SELFTEST), run by the command-line
 * option "selftest". Each registers itself with a name and a one-line
 * description; the runner prints one line per test and a final
 * "selftest: N passed, M failed", then powers off with that status. */
#ifndef SELFTEST_H
#define SELFTEST_H

#include <stdbool.h>

struct selftest {
    const char *name;
    const char *description;
    bool (*run)(void);      /* true on pass; explain failures with pr_err */
};

#define SELFTEST(fn, desc)                                                          \
    static bool fn(void);                                                           \
    static const struct selftest selftest_##fn                                      \
        __attribute__((used, section(".selftests"), aligned(8))) = { #fn, desc, fn }; \
    static bool fn(void)

/* Runs every registered test (or only those whose name is in the comma-
 * separated filter, if non-empty) and powers off. "fault" as the filter
 * triggers a deliberate unexpected page fault instead. */
_Noreturn void selftest_run(const char *filter);

/* Test helper: reports "expected ..." and returns false when cond is false. */
#define CHECK(cond, ...)                                                            \
    do {                                                                            \
        if (!(cond)) {                                                              \
            pr_err("  check failed at %s:%d: %s", __FILE__, __LINE__, #cond);      \
            pr_err("  " __VA_ARGS__);                                               \
            return false;                                                           \
        }                                                                           \
    } while (0)

#endif
