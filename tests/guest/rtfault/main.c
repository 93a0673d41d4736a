/* The runner's test program (tests/runner): prints one line, then writes
 * through a NULL pointer (a page fault the runner reports as status 139). */
#include "runtime.h"

int main(uint64_t arg)
{
    (void)arg;
    printf("rtfault: writing through a NULL pointer\n");
    volatile int *volatile null = 0;    /* volatile: the compiler keeps the store as it is */
    *null = 42;
    printf("rtfault: still alive (wrong)\n");
    return 0;
}
