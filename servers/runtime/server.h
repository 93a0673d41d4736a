/* The server skeleton (servers/runtime/server.c) every server uses.
 *
 *   static int handle(struct msg *m, void *ctx)
 *   {
 *       switch (TAG_LABEL(m->tag)) {
 *       case MY_OP:  m->mr[0] = do_op(ctx, m->mr[0]); m->tag = TAG(0, 1, 0); break;
 *       default:     m->tag = TAG(SERVER_EBADOP, 0, 0);
 *       }
 *       return SERVER_REPLY;
 *   }
 *   ... server_loop(ep_slot, handle, &state);
 *
 * The loop receives one message, then calls the handler and replies and
 * receives the next message with one reply_recv system call per request.
 * The handler reads the request from *m (badge = the sender's badge, tag,
 * MR0..3; MR4.. and a received cap are in rt_ipc_buffer()) and overwrites
 * *m with the reply: it must set m->tag (a reply of more than 4 words puts
 * MR4.. in rt_ipc_buffer()->mr[], a cap in ->send_cap). It returns
 * SERVER_NO_REPLY instead when there is nobody to answer (a send rather
 * than a call, a LABEL_NOTIFY signal from the bound notification) or when
 * it keeps the caller waiting; the loop then only receives. */
#ifndef RT_SERVER_H
#define RT_SERVER_H

#include <stdint.h>

#include "ipc.h"

#define SERVER_REPLY     0
#define SERVER_NO_REPLY  1

/* Conventional reply labels: an unknown request; a reply the kernel
 * refused (too long, too many caps), sent by the loop instead. */
#define SERVER_EBADOP    0xbad0ull
#define SERVER_EREPLY    0xbad1ull

typedef int (*server_handler)(struct msg *m, void *ctx);

/* Serves requests on the endpoint in ep_slot forever. Panics if receiving
 * on it fails (no such endpoint, no read right, endpoint deleted). If the
 * kernel refuses a reply (SYS_EMSGSIZE), the loop logs it and replies
 * SERVER_EREPLY so the caller is not left waiting. */
_Noreturn void server_loop(uint64_t ep_slot, server_handler fn, void *ctx);

#endif
