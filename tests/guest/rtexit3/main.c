/* The runner's test program (tests/runner): prints one line, exits 3. */
#include "runtime.h"

int main(uint64_t arg)
{
    (void)arg;
    printf("rtexit3: exiting with status 3\n");
    return 3;
}
