/* User memory: the one check of a user address range, and the copies in
 * and out of user memory (arch: guarded against faults, SMAP lifted only
 * for the copy). */
#ifndef UACCESS_H
#define UACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include "uapi/abi.h"

/* True if [addr, addr + len) lies inside [USER_BASE, USER_TOP) (len 0:
 * addr itself may be USER_TOP). No wrap-around. */
static inline bool user_range_ok(uint64_t addr, uint64_t len)
{
    return addr >= USER_BASE && addr <= USER_TOP && len <= USER_TOP - addr;
}

/* Copy len bytes from / to user memory; SYS_EFAULT if any byte is outside
 * the user range or faults. */
int user_copy_in(void *dst, uint64_t user_src, uint64_t len);
int user_copy_out(uint64_t user_dst, const void *src, uint64_t len);

#endif
