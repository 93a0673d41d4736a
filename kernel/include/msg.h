/* Message-tag bounds the kernel enforces (uapi/abi.h defines the tag).
 * Shared by kernel/object/endpoint.c and the host unit tests. */
#ifndef MSG_H
#define MSG_H

#include <stdbool.h>
#include <stdint.h>
#include "uapi/abi.h"

/* A tag the kernel accepts: at most SYS_MSG_MAX words and at most
 * SYS_MSG_CAPS_MAX capabilities (else SYS_EMSGSIZE). */
static inline bool msg_tag_ok(uint64_t tag)
{
    return TAG_LEN(tag) <= SYS_MSG_MAX && TAG_CAPS(tag) <= SYS_MSG_CAPS_MAX;
}

/* A message for the IPC fast paths: every word in registers, no capability.
 * The test syscall.S's fast path makes, (tag & 0xffff) <= 4, is this
 * (tests/unit/test_msg.c checks they agree). */
static inline bool msg_tag_short(uint64_t tag)
{
    return TAG_LEN(tag) <= SYS_MSG_REGS && TAG_CAPS(tag) == 0;
}

#endif
