/* The console client library (pvdrivers/client/conclient.c), on the
 * protocol in pvk/conproto.h.
 *
 *   struct con_client cc;
 *   conc_open(&cc, devmgr_slot, 0);                   // console0, for reading
 *   conc_write(cc.ep, "hello\n", 6, false);
 *   long n = conc_read_line(&cc, line, sizeof line, deadline);
 *
 *   conc_attach_output(devmgr_slot, 0);               // printf goes to console0
 */
#ifndef PVK_CONCLIENT_H
#define PVK_CONCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "runtime.h"
#include "pvk/conproto.h"

struct con_client {
    uint64_t ep;                /* the driver's service endpoint */
    uint64_t ntfn;              /* ours: the driver signals input */
    uint32_t devmgr, instance;
    uint32_t gen;               /* the driver generation opened (0: unknown) */
    bool dead;                  /* the driver is gone: the next call reopens */
    uint32_t reconnects;
    char name[16];              /* "console0": looked up again by name */
    uint32_t off, len;          /* bytes read from the driver, not yet taken */
    bool after_cr;              /* the last line ended with '\r' (skip a '\n') */
    bool discard;               /* a line was cut: drop up to its end */
    uint8_t buf[CON_READ_MAX];
};

/* Looks up console<instance> at the device manager (retrying while its
 * driver starts, about 5 s) and opens it for reading. 0 or a negative
 * SYS_E* error. */
long conc_open(struct con_client *c, uint64_t devmgr, uint32_t instance);

/* Writes n bytes to the console whose endpoint is ep (in pieces of up to
 * CON_WRITE_MAX); with newline, a '\n' is added unless the text ends in
 * one. Returns the bytes taken (the added newline not counted) or the
 * first error. Preserves the caller's IPC buffer message registers. The
 * raw call: it does not reconnect (printf through conc_attach_output
 * does, and keeps what is written meanwhile). */
long conc_write(uint64_t ep, const void *buf, size_t n, bool newline);

/* Reads up to max bytes, waiting until input arrives or deadline (ns since
 * boot, 0: forever). Returns the bytes read, 0 at the deadline, or a
 * negative error. Driver restarts: when the instance it opened is gone
 * (PVK_NTFN_PEER_RESTARTED on its notification, or SYS_EDEAD / SYS_ENOCAP
 * from the endpoint) a read returns PVK_EPEER_RESTARTED, once; the next
 * read looks the console up again by name and reopens it (waiting up to
 * about 5 s while it restarts; its error if that fails, and the read
 * after tries again). Input already buffered in the client is kept. */
long conc_read(struct con_client *c, void *buf, size_t max, uint64_t deadline);

/* Reads one line (ended by '\n' or '\r'; a "\r\n" pair counts once) into
 * buf without its end, NUL-terminated; a longer line is cut at size - 1
 * and the rest discarded. Returns its length, SYS_ETIMEOUT at the deadline
 * (what was read so far is kept for the next call), or a negative error. */
long conc_read_line(struct con_client *c, char *buf, size_t size, uint64_t deadline);

/* Sends this process's printf output to console<instance> (rt_console_attach),
 * and reconnects through the device manager (by name) when the driver
 * restarts. Lines written while it is down are kept by the runtime (up to
 * RT_CONSOLE_HOLD bytes; on overflow the oldest whole lines go, and
 * "[console: N bytes dropped]" comes first when the console is back) and
 * written, in order, before the next line once the console is back. 0 or
 * a negative SYS_E* error (then output stays on the boot log). */
long conc_attach_output(uint64_t devmgr, uint32_t instance);

/* Text in a message (conproto.h): n bytes into MR1.. (m->mr[1..3], then
 * the IPC buffer), and back. */
static inline void con_pack(struct msg *m, const uint8_t *s, size_t n)
{
    uint64_t *ipc = rt_ipc_buffer()->mr;
    for (size_t w = 0; w * 8 < n; w++) {
        uint64_t v = 0;
        for (size_t k = 0; k < 8 && w * 8 + k < n; k++)
            v |= (uint64_t)s[w * 8 + k] << (8 * k);
        if (w + 1 < SYS_MSG_REGS)
            m->mr[w + 1] = v;
        else
            ipc[w + 1] = v;
    }
}

static inline void con_unpack(const struct msg *m, uint8_t *s, size_t n)
{
    const uint64_t *ipc = rt_ipc_buffer()->mr;
    for (size_t i = 0; i < n; i++) {
        size_t w = i / 8 + 1;
        uint64_t v = w < SYS_MSG_REGS ? m->mr[w] : ipc[w];
        s[i] = (uint8_t)(v >> (8 * (i % 8)));
    }
}

#endif
