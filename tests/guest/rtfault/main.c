/* The runner's test program (tests/runner): prints one line, then writes
 * through a NULL pointer two calls down (a page fault the runner reports as
 * status 139; init's backtrace shows poke, main, rt_start). */
#include "runtime.h"

__attribute__((noinline)) static void poke(volatile int *volatile where)
{
    printf("rtfault: writing through a NULL pointer\n");  /* a call first: poke has its frame by now */
    *where = 42;
    __asm__ volatile("" ::: "memory");     /* nothing after the store may become a tail call */
}

int main(uint64_t arg)
{
    (void)arg;
    poke(0);
    printf("rtfault: still alive (wrong)\n");
    return 0;
}
