/* The runner's test program (tests/runner): prints one line, exits 0. */
#include "runtime.h"

int main(uint64_t arg)
{
    (void)arg;
    printf("rtok: hello\n");
    return 0;
}
