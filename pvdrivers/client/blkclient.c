/* The block client library: see blkclient.h.
 *
 * On the wire a request's id is its entry in out[] and its submission
 * number (seq << 8 | entry), so a completion finds its request in one
 * step and one from anything but the request's latest issue is ignored;
 * the caller's id goes back in the completion. */
#include "runtime.h"
#include "blkclient.h"
#include "lookup.h"
#include "pvk/service.h"

#define RETRY_PAUSE_NS 1000000ull       /* between reopen tries outside the lookup's own loop */

_Static_assert(BLK_RING_SIZE <= 256, "an entry index fits the wire id's low byte");

static uint64_t now_ns(void)
{
    return (uint64_t)sys_time().ret;
}

static void adopt(struct blk_client *c, const struct pvk_opened *o)
{
    c->ep = o->ep;
    c->ntfn = o->ntfn;
    c->region_slot = o->region;
    c->doorbell = o->doorbell;
    c->gen = o->gen;
    c->capacity = o->reply.mr[1];
    c->block = (uint32_t)o->reply.mr[2];
    c->info = (uint32_t)o->reply.mr[3];
    c->region_size = pvk_region_bytes(&o->reply);
    c->base = (uint8_t *)c->va;
    c->shared = (struct blk_shared *)c->va;
    c->req_head = c->cpl_tail = 0;
}

long blkc_open(struct blk_client *c, uint64_t devmgr, uint32_t instance, uint64_t va)
{
    memset(c, 0, sizeof *c);
    c->va = va;
    c->devmgr = devmgr;
    pvk_device_name(2, instance, c->name);
    struct pvk_opened o;
    long rc = pvk_open_device(devmgr, 2, instance, BLK_OPEN, BLK_DOORBELL, va, BLK_DATA_OFFSET + 4096, &o);
    if (rc < 0)
        return rc;
    adopt(c, &o);
    return 0;
}

static void drop_caps(struct blk_client *c)
{
    struct pvk_opened o = { .ep = c->ep, .ntfn = c->ntfn, .region = c->region_slot, .doorbell = c->doorbell };
    pvk_close_device(&o, 0);
    c->ep = c->ntfn = c->region_slot = c->doorbell = 0;
}

void blkc_close(struct blk_client *c)
{
    if (c->base && c->ep && !c->dead) {
        struct msg m = { .tag = TAG(BLK_CLOSE, 0, 0) };
        ipc_call(c->ep, &m);        /* fails harmlessly if the driver is gone */
    }
    if (c->base)
        sys_unmap(RT_SLOT_SELF_PROCESS, c->va);
    drop_caps(c);
    c->base = NULL;
    c->shared = NULL;
    c->nout = c->ndone = 0;
    c->evacuated = c->noticed = false;
    memset(c->out, 0, sizeof c->out);
    c->dead = false;
}

static void mark_dead(struct blk_client *c)
{
    if (c->dead)
        return;
    c->dead = true;
    c->down_since = now_ns();
    c->down_rc = 0;
    c->next_try = 0;
}

/* The rings still belong to the instance we opened? */
static bool epoch_ok(struct blk_client *c)
{
    return !c->gen || (c->shared->req_hdr.epoch == c->gen && c->shared->cpl_hdr.epoch == c->gen);
}

static void complete_local(struct blk_client *c, struct blkc_pending *p, int32_t status)
{
    p->state = BLKC_DONE;
    p->status = status;
    p->len = 0;
    c->ndone++;
}

/* Every request not completed: BLK_ERESET (not acknowledged). */
static void fail_all(struct blk_client *c)
{
    for (unsigned i = 0; i < BLK_RING_SIZE; i++)
        if (c->out[i].state == BLKC_ISSUED || c->out[i].state == BLKC_QUEUED) {
            complete_local(c, &c->out[i], BLK_ERESET);
            c->failed_reset++;
        }
}

/* The request a completion answers, or NULL (stale or made up). */
static struct blkc_pending *match(struct blk_client *c, uint64_t wire_id)
{
    uint64_t i = wire_id & 0xff;
    if (i >= BLK_RING_SIZE)
        return NULL;
    struct blkc_pending *p = &c->out[i];
    return p->state == BLKC_ISSUED && p->seq == (uint32_t)(wire_id >> 8) ? p : NULL;
}

/* One completion from the ring, or false (none, or the ring is broken:
 * then the instance is taken for dead). */
static bool ring_take(struct blk_client *c, struct blk_cpl *cpl)
{
    if (c->dead)
        return false;
    int64_t n = pvk_ring_pending(&c->shared->cpl_hdr, BLK_RING_SIZE, c->cpl_tail);
    if (n < 0 || !epoch_ok(c)) {
        mark_dead(c);
        return false;
    }
    if (n == 0)
        return false;
    *cpl = c->shared->cpl[c->cpl_tail % BLK_RING_SIZE];
    pvk_store_release(&c->shared->cpl_hdr.tail, ++c->cpl_tail);
    return true;
}

/* Takes the completions a dying instance posted (they were acknowledged)
 * into out[] before the rings are dropped. */
static void drain_old(struct blk_client *c)
{
    int64_t n = pvk_ring_pending(&c->shared->cpl_hdr, BLK_RING_SIZE, c->cpl_tail);
    for (; n > 0; n--) {
        struct blk_cpl cpl = c->shared->cpl[c->cpl_tail++ % BLK_RING_SIZE];
        struct blkc_pending *p = match(c, cpl.id);
        if (p) {
            complete_local(c, p, cpl.status);
            p->len = cpl.len;
        }
    }
}

static void push(struct blk_client *c, struct blkc_pending *p)
{
    struct blk_req w = p->req;
    w.id = (uint64_t)p->seq << 8 | (uint64_t)(p - c->out);
    c->shared->req[c->req_head % BLK_RING_SIZE] = w;
    pvk_store_release(&c->shared->req_hdr.head, ++c->req_head);
    p->state = BLKC_ISSUED;
}

/* Puts every request not completed on the new rings, oldest first. */
static void reissue(struct blk_client *c)
{
    uint8_t order[BLK_RING_SIZE];
    unsigned n = 0;
    for (unsigned i = 0; i < BLK_RING_SIZE; i++)
        if (c->out[i].state == BLKC_ISSUED || c->out[i].state == BLKC_QUEUED)
            order[n++] = (uint8_t)i;
    for (unsigned i = 1; i < n; i++)        /* insertion sort by submission number */
        for (unsigned j = i; j > 0 && (int32_t)(c->out[order[j]].seq - c->out[order[j - 1]].seq) < 0; j--) {
            uint8_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (unsigned k = 0; k < n; k++) {
        struct blkc_pending *p = &c->out[order[k]];
        if (p->state == BLKC_ISSUED) {
            if (p->retries >= BLKC_MAX_RETRIES) {
                complete_local(c, p, BLK_ERESET);
                c->failed_reset++;
                continue;
            }
            p->retries++;
            c->reissued++;
        }
        push(c, p);
    }
}

/* Opens the device again if the instance died: waits for it until
 * deadline (0: forever), within PVK_LOOKUP_BOUND_NS of noticing, after
 * which (or at once if the device manager gave up on it or it was
 * stopped) everything outstanding completes with BLK_ERESET. True if
 * connected. */
static bool reconnect(struct blk_client *c, uint64_t deadline)
{
    if (!c->dead)
        return true;
    if (!c->base)
        return false;
    uint64_t now = now_ns();
    if (now < c->next_try) {
        if (deadline && deadline <= c->next_try)
            return false;               /* tried a moment ago */
        sys_sleep(c->next_try);
    }
    uint64_t limit = c->down_since + PVK_LOOKUP_BOUND_NS;
    if (deadline && deadline < limit)
        limit = deadline;
    now = now_ns();
    if (limit <= now)
        limit = now;                    /* one try */
    uint64_t scratch = c->va + BLKC_SCRATCH_OFFSET;
    struct pvk_away away = { &c->region_slot, c->va, c->region_size, 0, c->evacuated };
    if (!c->evacuated && !c->noticed) {
        drain_old(c);
        c->last_fault_ns = c->shared->req_hdr.fault_ns;
        c->noticed = true;
    }
    away.keep = c->data_hwm > BLK_DATA_OFFSET ? c->data_hwm : BLK_DATA_OFFSET;
    if (away.keep > c->region_size)
        away.keep = c->region_size;
    struct pvk_opened o;
    long rc = pvk_reopen_name(c->devmgr, c->name, BLK_OPEN, BLK_DOORBELL, scratch, BLK_DATA_OFFSET + 4096, limit,
                              &away, &o);
    c->evacuated = away.evacuated;
    if (rc == 0) {
        /* The data area carries over: the caller's offsets and pointers stay valid. */
        uint64_t size = pvk_region_bytes(&o.reply), hwm = c->data_hwm;
        if (hwm > size)
            hwm = size;
        if (hwm > c->region_size)
            hwm = c->region_size;
        if (hwm > BLK_DATA_OFFSET)
            memcpy((uint8_t *)scratch + BLK_DATA_OFFSET, c->base + BLK_DATA_OFFSET, hwm - BLK_DATA_OFFSET);
        rc = pvk_swap_region(&o, c->region_slot, c->va, scratch);
    }
    if (rc != 0) {
        c->down_rc = rc;
        now = now_ns();
        c->next_try = now + RETRY_PAUSE_NS;
        bool hard = rc == PVK_EFAILED || rc == PVK_ESTOPPED || rc == SYS_ENOENT;
        if (hard || now >= c->down_since + PVK_LOOKUP_BOUND_NS) {
            fail_all(c);
            c->down_since = now;        /* later requests get their own time */
        }
        return false;
    }
    drop_caps(c);
    adopt(c, &o);
    c->dead = c->evacuated = c->noticed = false;
    c->down_rc = 0;
    reissue(c);
    if (sys_signal(c->doorbell, 0).ret != 0) {
        mark_dead(c);                   /* gone already: the next call tries again */
        return false;
    }
    c->reconnects++;
    c->last_reconnect_ns = now_ns();
    return true;
}

bool blkc_submit(struct blk_client *c, const struct blk_req *r)
{
    if (c->nout >= BLK_RING_SIZE || !c->base)
        return false;
    if (c->dead)
        reconnect(c, now_ns());
    if (!c->dead) {
        int64_t space = pvk_ring_space(&c->shared->req_hdr, BLK_RING_SIZE, c->req_head);
        if (space < 0 || !epoch_ok(c))
            mark_dead(c);
        else if (space == 0)
            return false;
    }
    unsigned i = c->seq % BLK_RING_SIZE;
    while (c->out[i].state != BLKC_FREE)
        i = (i + 1) % BLK_RING_SIZE;
    struct blkc_pending *p = &c->out[i];
    *p = (struct blkc_pending){ .req = *r, .seq = c->seq++, .state = BLKC_QUEUED };
    c->nout++;
    if ((r->op == BLK_OP_READ || r->op == BLK_OP_WRITE) && r->offset < c->region_size) {
        uint64_t end = r->offset + r->len;
        if (end > c->region_size || end < r->offset)
            end = c->region_size;
        if (end > c->data_hwm)
            c->data_hwm = end;
    }
    if (!c->dead)
        push(c, p);
    return true;
}

void blkc_kick(struct blk_client *c)
{
    if (c->dead) {
        reconnect(c, now_ns());         /* reissues and rings the new doorbell */
        return;
    }
    long rc = sys_signal(c->doorbell, 0).ret;
    if (rc != 0) {
        mark_dead(c);
        reconnect(c, now_ns());
    }
}

/* A completion the library holds (taken from a dead instance's ring, or made locally). */
static bool take_done(struct blk_client *c, struct blk_cpl *out)
{
    struct blkc_pending *best = NULL;
    for (unsigned i = 0; i < BLK_RING_SIZE; i++)
        if (c->out[i].state == BLKC_DONE && (!best || (int32_t)(c->out[i].seq - best->seq) < 0))
            best = &c->out[i];
    if (!best)
        return false;
    *out = (struct blk_cpl){ .id = best->req.id, .status = best->status, .len = best->len };
    best->state = BLKC_FREE;
    c->ndone--;
    c->nout--;
    return true;
}

bool blkc_poll(struct blk_client *c, struct blk_cpl *out)
{
    if (!c->base)
        return false;
    for (int pass = 0;; pass++) {
        if (c->ndone)
            return take_done(c, out);
        if (c->dead) {
            if (!reconnect(c, now_ns()))
                return c->ndone ? take_done(c, out) : false;
            if (c->ndone)
                return take_done(c, out);
        }
        struct blk_cpl cpl;
        while (ring_take(c, &cpl)) {
            struct blkc_pending *p = match(c, cpl.id);
            if (!p)
                continue;               /* not ours (stale or made up): ignored */
            *out = (struct blk_cpl){ .id = p->req.id, .status = cpl.status, .len = cpl.len };
            p->state = BLKC_FREE;
            c->nout--;
            return true;
        }
        /* Nothing on the ring: has the device manager said the driver died?
         * (Taking the bits here is safe: a completion is posted before its
         * signal, and the ring is looked at again below.) */
        if (pass || c->dead || c->nout == c->ndone)
            return false;
        uint64_t bits = 0;
        ntfn_poll(c->ntfn, &bits);
        if (!bits)
            return false;
        if (bits & PVK_NTFN_PEER_RESTARTED)
            mark_dead(c);
    }
}

bool blkc_wait(struct blk_client *c, struct blk_cpl *out, uint64_t deadline)
{
    for (;;) {
        if (blkc_poll(c, out))
            return true;
        if (!c->base || c->nout == 0)
            return false;
        uint64_t now = now_ns();
        if (deadline && now >= deadline)
            return false;
        if (c->dead) {
            if (!reconnect(c, deadline) && !c->ndone) {
                uint64_t until = c->next_try;
                if (deadline && deadline < until)
                    until = deadline;
                if (until > now_ns())
                    sys_sleep(until);
            }
            continue;
        }
        uint64_t bits = 0;
        long rc = ntfn_wait(c->ntfn, deadline, &bits);
        if (rc == 0 && (bits & PVK_NTFN_PEER_RESTARTED))
            mark_dead(c);
        else if (rc < 0 && rc != SYS_ETIMEOUT)
            mark_dead(c);               /* our own notification gone: start again */
    }
}

long blkc_status(struct blk_client *c)
{
    if (c->reported != c->reconnects) {
        c->reported = c->reconnects;
        return PVK_EPEER_RESTARTED;
    }
    return c->dead ? c->down_rc : 0;
}

int32_t blkc_sync(struct blk_client *c, uint16_t op, uint16_t flags, uint64_t sector, uint64_t off, uint32_t len)
{
    static uint64_t next_id = 1;
    struct blk_req r = { .id = next_id++, .sector = sector, .offset = blkc_offset(off), .len = len, .op = op,
                         .flags = flags };
    if (!blkc_submit(c, &r))
        return BLK_EINVAL;
    blkc_kick(c);
    struct blk_cpl cpl;
    uint64_t deadline = now_ns() + 10000000000ull;
    while (blkc_wait(c, &cpl, deadline))
        if (cpl.id == r.id)
            return cpl.status;
    return BLK_EIO;
}
