/* The runner's test program (tests/runner): reads data files pvk-run packed
 * into the bundle and reports in TAP (servers/runtime/tap.h).
 *   rtdata.txt   must hold "pvk-run data file\n"
 *   rtdata-fail  if present, one test fails on purpose (with a diagnostic)
 * and reads the kernel command line: run=rtdata must be there, and
 * rtdata.word=WORD (pvk-run --cmdline) is printed as "rtdata: word WORD".
 * Exits with tap_done()'s status: 0 if every test passed. */
#include "bundle.h"
#include "cmdline.h"
#include "runtime.h"
#include "tap.h"

static const char expected[] = "pvk-run data file\n";

int main(uint64_t arg)
{
    const void *data = NULL;
    size_t size = 0;
    bool found = rt_bundle_file(arg, "rtdata.txt", &data, &size);
    tap_ok(found, "bundle file rtdata.txt found");
    bool same = found && size == sizeof expected - 1 && memcmp(data, expected, size) == 0;
    if (!tap_ok(same, "rtdata.txt holds the expected text"))
        tap_diag("rtdata.txt: %zu bytes", size);
    tap_skip("skip", "skipped on purpose");
    char line[RT_KERNEL_CMDLINE_SIZE], run[32], word[32];
    bool have_line = rt_kernel_cmdline(line, sizeof line);
    if (!tap_ok(have_line && cmdline_get(line, "run", run, sizeof run) && strcmp(run, "rtdata") == 0,
                "the kernel command line names run=rtdata"))
        tap_diag("command line \"%s\"", line);
    if (cmdline_get(line, "rtdata.word", word, sizeof word))
        printf("rtdata: word %s\n", word);
    const void *fail;
    size_t fail_size;
    if (rt_bundle_file(arg, "rtdata-fail", &fail, &fail_size)) {
        tap_ok(false, "deliberate failure");
        tap_diag("rtdata-fail is in the bundle (%zu bytes)", fail_size);
    }
    return tap_done();
}
