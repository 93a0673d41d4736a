/* Where a message travels in a thread's registers, in terms of system-call
 * arguments (uapi/syscalls.def): argument 0 is the endpoint slot on the way
 * in and the badge on the way out, argument 1 the tag, arguments 2..5
 * MR0..MR3. */
#ifndef MSGREGS_H
#define MSGREGS_H

#include <stdint.h>
#include "arch/regs.h"
#include "uapi/abi.h"

#define MSG_ARG_BADGE 0
#define MSG_ARG_TAG   1
#define MSG_ARG_MR0   2
_Static_assert(MSG_ARG_MR0 + SYS_MSG_REGS == REGS_NARGS, "MR0..MR3 fill the argument registers");

/* Makes a receive-type call of f return SYS_OK with this message. */
static inline void msg_store(struct trap_frame *f, uint64_t badge, uint64_t tag, const uint64_t mr[SYS_MSG_REGS])
{
    regs_set_result(f, SYS_OK);
    regs_set_arg(f, MSG_ARG_BADGE, badge);
    regs_set_arg(f, MSG_ARG_TAG, tag);
    for (unsigned i = 0; i < SYS_MSG_REGS; i++)
        regs_set_arg(f, MSG_ARG_MR0 + i, mr[i]);
}

#endif
