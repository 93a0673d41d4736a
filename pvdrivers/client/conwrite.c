/* The console client library's write (conclient.h), on its own so that
 * the runtime's printf pulls in nothing else. */
#include "runtime.h"
#include "conclient.h"

long conc_write(uint64_t ep, const void *buf, size_t n, bool newline)
{
    const uint8_t *s = buf;
    bool add_nl = newline && (n == 0 || s[n - 1] != '\n');
    uint64_t saved[SYS_MSG_MAX - SYS_MSG_REGS];
    uint64_t *ipc = rt_ipc_buffer()->mr;
    memcpy(saved, &ipc[SYS_MSG_REGS], sizeof saved);
    size_t done = 0;
    long rc = 0;
    while (done < n || add_nl) {
        uint8_t piece[CON_WRITE_MAX];
        size_t k = n - done < CON_WRITE_MAX ? n - done : CON_WRITE_MAX;
        memcpy(piece, s + done, k);
        bool nl_here = add_nl && k < CON_WRITE_MAX && done + k == n;
        if (nl_here)
            piece[k++] = '\n';
        struct msg m = { .tag = TAG(CON_WRITE, 1 + (k + 7) / 8, 0), .mr = { k } };
        con_pack(&m, piece, k);
        rc = ipc_call(ep, &m);
        if (rc == 0 && (long)m.mr[0] < 0)
            rc = (long)m.mr[0];
        if (rc == 0 && m.mr[0] != k)
            rc = SYS_EINVAL;
        if (rc < 0)
            break;
        done += nl_here ? k - 1 : k;
        if (nl_here)
            add_nl = false;
    }
    memcpy(&ipc[SYS_MSG_REGS], saved, sizeof saved);
    return rc < 0 ? rc : (long)done;
}

