/* The server loop (see server.h). */
#include "runtime.h"

_Noreturn void server_loop(uint64_t ep_slot, server_handler fn, void *ctx)
{
    struct msg m;
    long r = ipc_recv(ep_slot, &m);
    for (;;) {
        if (r < 0)
            rt_panic("server_loop: receive on slot %llu failed: %ld",
                     (unsigned long long)ep_slot, r);
        if (fn(&m, ctx) == SERVER_NO_REPLY) {
            r = ipc_recv(ep_slot, &m);
            continue;
        }
        r = ipc_reply_recv(ep_slot, &m);
        if (r == SYS_EMSGSIZE) {
            /* The handler's reply tag was refused and nothing was received:
             * release the caller with a minimal error reply. */
            printf("server_loop: slot %llu: reply refused (bad tag %#llx)\n",
                   (unsigned long long)ep_slot, (unsigned long long)m.tag);
            m.tag = TAG(SERVER_EREPLY, 0, 0);
            (void)ipc_reply(&m);
            r = ipc_recv(ep_slot, &m);
        }
    }
}
