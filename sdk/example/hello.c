/* An out-of-tree pvkernel program: built against the installed SDK with
 * nothing but gcc and pkg-config (see Makefile and README.md). main gets
 * the 64-bit argument its creator passed; its return value is the exit
 * status the runner (pvk-run) exits with. */
#include <pvkernel.h>

int main(uint64_t arg)
{
    (void)arg;
    char *greeting = malloc(64);
    if (greeting == NULL)
        return 1;
    snprintf(greeting, 64, "hello from a program built out of tree");
    printf("example: %s\n", greeting);
    free(greeting);
    return 0;
}
