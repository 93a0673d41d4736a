/* An out-of-tree pvkernel program: built against the installed SDK with
 * nothing but gcc and pkg-config (see Makefile and README.md). It reads a
 * data file the runner packed into the boot bundle (greeting.txt), prints
 * it, and reports two tests as TAP lines (tap.h), which pvk-run turns into
 * JUnit XML. main gets the 64-bit argument init passed (for a run= program
 * it describes the bundle); its return value is the exit status pvk-run
 * exits with: tap_done() gives 0 when every test passed. */
#include <pvkernel.h>

int main(uint64_t arg)
{
    const void *data = NULL;
    size_t size = 0;
    bool found = rt_bundle_file(arg, "greeting.txt", &data, &size);
    tap_ok(found, "greeting.txt is in the boot bundle");

    if (found) {
        const char *text = data;
        while (size > 0 && (text[size - 1] == '\n' || text[size - 1] == '\r'))
            size--;
        char *greeting = malloc(size + 1);
        tap_ok(greeting != NULL, "malloc of %zu bytes", size + 1);
        if (greeting != NULL) {
            memcpy(greeting, text, size);
            greeting[size] = '\0';
            printf("example: %s\n", greeting);
            free(greeting);
        }
    }
    return tap_done();
}
