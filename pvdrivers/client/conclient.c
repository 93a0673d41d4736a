/* The console client library: see conclient.h. */
#include "runtime.h"
#include "conclient.h"
#include "lookup.h"
#include "pvk/devinfo.h"
#include "pvk/service.h"

#define RECONNECT_EVERY_NS 500000ull     /* printf tries the console again at most every 0.5 ms while it is away */

/* Looks the console up (by type and instance the first time, by name
 * after a restart) with our notification as the watch, and opens it. */
static long con_connect(struct con_client *c, bool by_name)
{
    long rc = by_name ? pvk_lookup_name(c->devmgr, c->name, c->ntfn, &c->ep, &c->gen)
                      : pvk_lookup_device(c->devmgr, 3, c->instance, c->ntfn, &c->ep, &c->gen);
    if (rc < 0) {
        c->ep = 0;
        return rc;
    }
    rt_ipc_buffer()->send_cap = c->ntfn;
    struct msg m = { .tag = TAG(CON_OPEN, 0, 1) };
    rc = ipc_call(c->ep, &m);
    rt_ipc_buffer()->send_cap = 0;
    if (rc < 0)
        return rc;
    return (long)m.mr[0];
}

long conc_open(struct con_client *c, uint64_t devmgr, uint32_t instance)
{
    *c = (struct con_client){ .devmgr = (uint32_t)devmgr, .instance = instance };
    pvk_device_name(3, instance, c->name);
    long rc = pvk_new_ntfn(&c->ntfn);
    return rc < 0 ? rc : con_connect(c, false);
}

/* The instance we opened is gone. */
static long con_dead(struct con_client *c)
{
    c->dead = true;
    return PVK_EPEER_RESTARTED;
}

/* Before a read: reopens after a restart that was reported. */
static long con_revive(struct con_client *c)
{
    if (!c->dead)
        return 0;
    if (c->ep) {
        sys_cap_delete(c->ep);
        rt_slot_free((int)c->ep);
        c->ep = 0;
    }
    uint64_t stale;
    ntfn_poll(c->ntfn, &stale);     /* the old instance's last signals */
    long rc = con_connect(c, true);
    if (rc != 0)
        return rc;
    c->dead = false;
    c->reconnects++;
    return 0;
}

/* One CON_READ into the client's buffer (after what it holds). */
static long fill(struct con_client *c)
{
    if (c->off) {
        memmove(c->buf, c->buf + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    uint32_t room = (uint32_t)sizeof c->buf - c->len;
    if (!room)
        return 0;
    uint64_t saved[SYS_MSG_MAX - SYS_MSG_REGS];
    uint64_t *ipc = rt_ipc_buffer()->mr;
    memcpy(saved, &ipc[SYS_MSG_REGS], sizeof saved);
    struct msg m = { .tag = TAG(CON_READ, 1, 0), .mr = { room } };
    long rc = ipc_call(c->ep, &m);
    if (rc == SYS_EDEAD || rc == SYS_ENOCAP)
        rc = con_dead(c);
    else if (rc == 0 && TAG_LABEL(m.tag) != 0)
        rc = SYS_EINVAL;
    if (rc == 0 && (long)m.mr[0] < 0)
        rc = (long)m.mr[0];
    if (rc == 0 && (m.mr[0] > room || TAG_LEN(m.tag) < 1 + (m.mr[0] + 7) / 8))
        rc = SYS_EINVAL;
    if (rc == 0) {
        con_unpack(&m, c->buf + c->len, m.mr[0]);
        c->len += (uint32_t)m.mr[0];
        rc = (long)m.mr[0];
    }
    memcpy(&ipc[SYS_MSG_REGS], saved, sizeof saved);
    return rc;
}

/* Fills, waiting for the driver's signal until deadline: bytes, 0 at the
 * deadline, or an error. */
static long fill_wait(struct con_client *c, uint64_t deadline)
{
    long rc = con_revive(c);
    if (rc != 0)
        return rc;
    for (;;) {
        long n = fill(c);
        if (n != 0 || c->len == sizeof c->buf)
            return n;
        uint64_t bits = 0;
        if (ntfn_wait(c->ntfn, deadline, &bits) < 0)
            return fill(c);     /* the deadline: one last look */
        if (bits & PVK_NTFN_PEER_RESTARTED)
            return con_dead(c);
    }
}

long conc_read(struct con_client *c, void *buf, size_t max, uint64_t deadline)
{
    if (c->off == c->len) {
        long n = fill_wait(c, deadline);
        if (n <= 0)
            return n;
    }
    size_t k = c->len - c->off < max ? c->len - c->off : max;
    memcpy(buf, c->buf + c->off, k);
    c->off += (uint32_t)k;
    return (long)k;
}

long conc_read_line(struct con_client *c, char *buf, size_t size, uint64_t deadline)
{
    if (!size)
        return SYS_EINVAL;
    for (;;) {
        /* Take what is buffered up to a line's end. */
        while (c->off < c->len) {
            uint8_t *p = c->buf + c->off;
            size_t avail = c->len - c->off;
            if (c->after_cr && p[0] == '\n') {
                c->off++;
                c->after_cr = false;
                continue;
            }
            c->after_cr = false;
            size_t i = 0;
            while (i < avail && p[i] != '\n' && p[i] != '\r')
                i++;
            if (c->discard) {
                c->off += (uint32_t)(i < avail ? i + 1 : i);
                if (i < avail) {
                    c->after_cr = p[i] == '\r';
                    c->discard = false;
                }
                continue;
            }
            if (i < avail || i >= size - 1) {
                size_t k = i < size - 1 ? i : size - 1;
                memcpy(buf, p, k);
                buf[k] = '\0';
                if (i < avail) {
                    c->after_cr = p[i] == '\r';
                    c->off += (uint32_t)(i + 1);
                } else {
                    c->off += (uint32_t)k;
                    c->discard = true;
                }
                return (long)k;
            }
            break;      /* a partial line: read more */
        }
        long n = fill_wait(c, deadline);
        if (n < 0)
            return n;
        if (n == 0)
            return SYS_ETIMEOUT;
    }
}

/* --- printf through the console --------------------------------------------------- */

static uint64_t out_devmgr;
static uint32_t out_instance;
static uint64_t out_next_try;

/* One lookup at the device manager, no retries (the runtime calls this
 * from printf): the new endpoint's slot, or 0. */
static uint64_t out_reconnect(uint64_t dead)
{
    if (dead) {
        sys_cap_delete(dead);
        rt_slot_free((int)dead);
    }
    uint64_t now = (uint64_t)sys_time().ret;
    if (now < out_next_try)
        return 0;
    out_next_try = now + RECONNECT_EVERY_NS;
    struct ipc_buffer *b = rt_ipc_buffer();
    uint64_t recv_slot = b->recv_slot, send_cap = b->send_cap;
    char name[16];
    pvk_device_name(3, out_instance, name);
    uint64_t ep = 0;
    if (pvk_lookup_name_until(out_devmgr, name, 0, now, &ep, NULL) < 0)
        ep = 0;
    b->recv_slot = recv_slot;
    b->send_cap = send_cap;
    return ep;
}

long conc_attach_output(uint64_t devmgr, uint32_t instance)
{
    uint64_t ep;
    long rc = pvk_lookup_device(devmgr, 3, instance, 0, &ep, NULL);
    if (rc < 0)
        return rc;
    out_devmgr = devmgr;
    out_instance = instance;
    rt_console_reconnect(out_reconnect);
    rt_console_attach(ep);
    return 0;
}
