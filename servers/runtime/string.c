/* Memory functions (the others are shared with the kernel: kernel/lib/
 * string.c). memcpy, memmove and memset use the string
 * instructions (fast on current CPUs, and immune to the compiler turning a
 * copy loop back into a call to the function being defined). */
#include "runtime.h"

/* Eight bytes a step, then the tail: a step is one instruction to an
 * instruction counter (-icount), so large copies (a client library keeping
 * a dead driver's region) cost an eighth. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    void *d = dst;
    size_t words = n / 8, tail = n % 8;
    __asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(tail) : : "memory");
    return dst;
}

/* Copies forwards when dst is below src (or they do not overlap) and
 * backwards otherwise, with the direction flag set only for that copy. */
void *memmove(void *dst, const void *src, size_t n)
{
    if ((uintptr_t)dst - (uintptr_t)src >= n)
        return memcpy(dst, src, n);
    if (n == 0)
        return dst;
    unsigned char *d = (unsigned char *)dst + n - 1;
    const unsigned char *s = (const unsigned char *)src + n - 1;
    __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    size_t words = n / 8, tail = n % 8;
    uint64_t v = (uint8_t)c * 0x0101010101010101ull;
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(v) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(tail) : "a"(v) : "memory");
    return dst;
}
