/* The kernel's bulk memory functions (gcc may also emit calls to them) on
 * x86 string instructions; the other string functions are shared with user
 * space (kernel/lib/string.c). */
#include "kernel.h"

/* Eight bytes at a time, then the tail. */
void *memcpy(void *dst, const void *src, size_t n)
{
    void *ret = dst;
    size_t words = n / 8, tail = n % 8;
    __asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(tail) : : "memory");
    return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

/* Whole aligned words go eight bytes at a time (page zeroing). */
void *memset(void *dst, int c, size_t n)
{
    void *ret = dst;
    if ((((uintptr_t)dst | n) & 7) == 0) {
        uint64_t v = 0x0101010101010101ull * (uint8_t)c;
        size_t words = n / 8;
        __asm__ volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(v) : "memory");
        return ret;
    }
    __asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
    return ret;
}
