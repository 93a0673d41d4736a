/* The runner's test program (tests/runner): prints one line, then sleeps
 * forever (the runner's --timeout ends it with status 124). */
#include "runtime.h"

int main(uint64_t arg)
{
    (void)arg;
    printf("rthang: sleeping forever\n");
    for (;;)
        sys_sleep((uint64_t)sys_time().ret + 1000000000ull);
    return 0;
}
