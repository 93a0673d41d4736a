/* The smallest user program: proves the runtime and toolchain work. */
#include "runtime.h"

int main(uint64_t arg)
{
    (void)arg;
    printf("hello from user space\n");
    return 0;
}
