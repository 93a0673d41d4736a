/* The coordinator of the object-graph fuzzer, shared by ktest (t_objfuzz.c,
 * the suite's rounds) and ofcampaign (long campaigns: boot with
 * run=ofcampaign). Header-only: static functions over the user runtime.
 *
 * A round: start c->instances objfuzz instances (seeds c->seed + round *
 * instances + k) with a shared endpoint and notification; take the cap to
 * every thread they start (OF_MSG_THREAD); wait until each reports
 * OF_MSG_DONE, faults (the fault is logged, the thread killed, the round
 * fails) or makes no progress for OFC_STALL_MS; then kill every thread of
 * theirs, revoke and delete the caps to them, and check that the caller's
 * quota use is exactly what it was before the round and that kdebug CHECK
 * finds nothing. The caller needs the platform cap (c->platform). */
#ifndef OFCOORD_H
#define OFCOORD_H

#include "runtime.h"
#include "spawn.h"
#include "objfuzz.h"

#define OFC_MAX_INST 8
#define OFC_MAX_REG 24              /* threads an instance may start per round (it starts at most 21) */
#define OFC_STALL_MS 5000
#define OFC_QUOTA (3u << 20)        /* per instance */
#define OFC_PROGRESS_VA 0x0000610000000000ull
#define OFC_MS 1000000ull

struct ofc_config {
    const void *bundle;
    size_t bundle_size;
    uint64_t platform;              /* slot of the platform cap (kdebug) */
    uint32_t seed;
    unsigned rounds, instances, ops;
    uint32_t trace_seed;            /* log every operation of this seed (0: none) */
    const char *tag;                /* log prefix */
    bool verbose;                   /* per-operation counts after each round */
};

struct ofc_result {
    bool ok;
    char why[240];
    uint64_t ops;
    unsigned rounds;
    uint64_t stack_max, irqoff_max;
};

struct ofc_inst {
    struct spawned s;
    uint32_t seed;
    uint64_t ctlc, faultc;
    volatile struct of_progress *pg;
    uint64_t reg[OFC_MAX_REG];
    unsigned nreg;
    bool done, failed, started;
    uint64_t last_ops, last_change;
};

static inline uint64_t ofc_now(void) { return (uint64_t)sys_time().ret; }

static inline uint64_t ofc_slot(void)
{
    int s = rt_slot_alloc();
    return s < 0 ? 0 : (uint64_t)s;
}

static inline void ofc_drop(uint64_t *slot)
{
    if (*slot) {
        sys_cap_delete(*slot);
        rt_slot_free((int)*slot);
        *slot = 0;
    }
}

static void ofc_fail(struct ofc_result *r, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
static void ofc_fail(struct ofc_result *r, const char *fmt, ...)
{
    if (!r->ok)
        return;
    r->ok = false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
}

static void ofc_describe(const struct ofc_config *c, const struct ofc_inst *in, unsigned k)
{
    volatile struct of_progress *p = in->pg;
    for (unsigned i0 = 0; c->verbose && i0 < OF_NOPS; i0 += 12) {
        char line[240];
        int o = 0;
        for (unsigned i = i0; i < i0 + 12 && i < OF_NOPS; i++)
            if (p->per_op[i])
                o += snprintf(line + o, sizeof line - (size_t)o, " %u:%llu/%llu", i,
                              (unsigned long long)p->ok_per_op[i], (unsigned long long)p->per_op[i]);
        if (o)
            printf("%s: instance %u: operations ok/made:%s", c->tag, k, line);
    }
    printf("%s: instance %u (seed %u): %llu ops; threads %llu, children %llu, child threads %llu, frames %llu; "
           "kills %llu, suspends %llu, resumes %llu, destroys %llu, detaches %llu, caps revoked %llu, watchdog %llu",
           c->tag, k, in->seed, (unsigned long long)p->ops, (unsigned long long)p->threads_made,
           (unsigned long long)p->children_made, (unsigned long long)p->child_threads_made,
           (unsigned long long)p->frames_made, (unsigned long long)p->kills, (unsigned long long)p->suspends,
           (unsigned long long)p->resumes, (unsigned long long)p->destroys, (unsigned long long)p->detaches,
           (unsigned long long)p->revoked, (unsigned long long)p->watchdog);
}

/* One round; the caller's quota must come back to what it was. */
static void ofc_round(const struct ofc_config *c, unsigned round, uint64_t ctl, const uint64_t *frames,
                      struct ofc_result *res)
{
    struct ofc_inst in[OFC_MAX_INST];
    memset(in, 0, sizeof in);
    uint64_t used0 = sys_quota(RT_SLOT_SELF_PROCESS).r[0], t0 = ofc_now();
    uint64_t sep = ofc_slot(), snt = ofc_slot(), rslot = ofc_slot();
    if (!sep || !snt || !rslot || sys_create(CAP_ENDPOINT, sep, 0).ret != 0 ||
        sys_create(CAP_NOTIFICATION, snt, 0).ret != 0) {
        ofc_fail(res, "round %u: cannot create the shared objects", round);
        goto out;
    }
    for (unsigned k = 0; k < c->instances; k++) {
        struct ofc_inst *x = &in[k];
        x->seed = c->seed + round * c->instances + k;
        x->pg = (volatile struct of_progress *)(uintptr_t)(OFC_PROGRESS_VA + k * 4096);
        memset((void *)x->pg, 0, 4096);
        x->ctlc = ofc_slot();
        x->faultc = ofc_slot();
        if (!x->ctlc || !x->faultc || sys_cap_copy(ctl, x->ctlc, CAP_R_WRITE | CAP_R_GRANT, OF_BADGE_CTL + k).ret != 0 ||
            sys_cap_copy(ctl, x->faultc, CAP_R_WRITE, OF_BADGE_FAULT + k).ret != 0) {
            ofc_fail(res, "round %u: out of slots", round);
            goto out;
        }
        struct spawn_caps caps[] = {
            { x->ctlc, OF_SLOT_CTL, CAP_R_WRITE | CAP_R_GRANT }, { frames[k], OF_SLOT_PROGRESS, CAP_R_READ | CAP_R_WRITE },
            { sep, OF_SLOT_SHARED_EP, CAP_R_ALL }, { snt, OF_SLOT_SHARED_NTFN, CAP_R_ALL },
            { x->faultc, OF_SLOT_FAULT, CAP_R_WRITE },
        };
        struct spawn_args a = {
            .bundle = c->bundle, .bundle_size = c->bundle_size, .name = "objfuzz", .quota = OFC_QUOTA,
            .priority = OF_PRIO, .arg = OF_ARG(x->seed, c->ops, k) | (x->seed == c->trace_seed ? OF_TRACE : 0),
            .fault_ep = ctl, .fault_badge = OF_BADGE_FAULT + k, .caps = caps, .ncaps = 5,
        };
        long rc = spawn(&a, &x->s);
        if (rc != 0) {
            ofc_fail(res, "round %u: cannot spawn objfuzz (seed %u): %ld", round, x->seed, rc);
            goto out;
        }
        x->started = true;
        x->last_change = ofc_now();
    }
    struct ipc_buffer *b = rt_ipc_buffer();
    for (;;) {
        unsigned pending = 0;
        for (unsigned k = 0; k < c->instances; k++)
            pending += !in[k].done;
        if (!pending)
            break;
        b->recv_slot = rslot;
        struct msg m;
        long rc = ipc_recv_until(ctl, ofc_now() + 100 * OFC_MS, &m);
        b->recv_slot = 0;
        if (rc == SYS_OK) {
            uint64_t badge = m.badge;
            if (badge >= OF_BADGE_CTL && badge < OF_BADGE_CTL + c->instances && TAG_LABEL(m.tag) == OF_MSG_THREAD &&
                TAG_CAPS(m.tag) == 1 && in[badge - OF_BADGE_CTL].nreg < OFC_MAX_REG) {
                struct ofc_inst *x = &in[badge - OF_BADGE_CTL];
                x->reg[x->nreg++] = rslot;
                b->send_cap = rslot;
                m.tag = TAG(0, 0, 1);
                ipc_reply(&m);
                b->send_cap = 0;
                rslot = ofc_slot();
                if (!rslot) {
                    ofc_fail(res, "round %u: out of slots for thread caps", round);
                    break;
                }
                continue;
            }
            if (badge >= OF_BADGE_CTL && badge < OF_BADGE_CTL + c->instances && TAG_LABEL(m.tag) == OF_MSG_DONE) {
                struct ofc_inst *x = &in[badge - OF_BADGE_CTL];
                x->done = true;
                if (m.mr[1])
                    ofc_fail(res, "round %u, seed %u: objfuzz found %llu problems, the first: %s", round, x->seed,
                             (unsigned long long)m.mr[1], (const char *)x->pg->problem);
                m.tag = TAG(0, 0, 0);
                ipc_reply(&m);
                continue;
            }
            if (badge >= OF_BADGE_FAULT && badge < OF_BADGE_FAULT + c->instances && TAG_LABEL(m.tag) == LABEL_FAULT) {
                unsigned k = (unsigned)(badge - OF_BADGE_FAULT);
                struct ofc_inst *x = &in[k];
                volatile struct of_progress *p = x->pg;
                printf("%s: seed %u: a thread faulted after %llu operations: vector %llu, error %#llx, address %#llx, "
                       "rip %#llx; last operation %llu(%#llx, %#llx, %#llx) = %lld",
                       c->tag, x->seed, (unsigned long long)p->ops, (unsigned long long)m.mr[0],
                       (unsigned long long)m.mr[1], (unsigned long long)m.mr[2], (unsigned long long)m.mr[3],
                       (unsigned long long)p->last_op, (unsigned long long)p->last_args[0],
                       (unsigned long long)p->last_args[1], (unsigned long long)p->last_args[2],
                       (long long)p->last_ret);
                ofc_fail(res, "round %u, seed %u: a thread of objfuzz faulted (vector %llu at rip %#llx)", round,
                         x->seed, (unsigned long long)m.mr[0], (unsigned long long)m.mr[3]);
                m.tag = TAG(1, 0, 0);       /* kill it */
                ipc_reply(&m);
                if (sys_thread_ctl(x->s.thread_slot, 0, 0).ret == SYS_EDEAD)
                    x->done = true;         /* its main thread: it reports nothing any more */
                continue;
            }
            m.tag = TAG(1, 0, 0);
            ipc_reply(&m);
            continue;
        }
        uint64_t t = ofc_now();
        for (unsigned k = 0; k < c->instances; k++) {
            struct ofc_inst *x = &in[k];
            if (x->done)
                continue;
            if (x->pg->ops != x->last_ops) {
                x->last_ops = x->pg->ops;
                x->last_change = t;
            } else if (t - x->last_change > OFC_STALL_MS * OFC_MS) {
                volatile struct of_progress *p = x->pg;
                printf("%s: seed %u made no progress for %u ms after %llu operations; last operation "
                       "%llu(%#llx, %#llx, %#llx)",
                       c->tag, x->seed, OFC_STALL_MS, (unsigned long long)p->ops, (unsigned long long)p->last_op,
                       (unsigned long long)p->last_args[0], (unsigned long long)p->last_args[1],
                       (unsigned long long)p->last_args[2]);
                printf("%s: seed %u: main thread %s, watchdog %s, %llu watchdog wake-ups (the last %lld ms ago), "
                       "in a guarded call since %lld ms",
                       c->tag, x->seed, sys_thread_ctl(x->s.thread_slot, 0, 0).ret == SYS_EDEAD ? "dead" : "alive",
                       x->nreg && sys_thread_ctl(x->reg[0], 0, 0).ret == SYS_EDEAD ? "dead" : "alive",
                       (unsigned long long)p->wd_wakes, (long long)(t - p->wd_last) / (long long)OFC_MS,
                       p->guard_since ? (long long)(t - p->guard_since) / (long long)OFC_MS : -1ll);
                ofc_fail(res, "round %u, seed %u: no progress after %llu operations (last operation %llu)", round,
                         x->seed, (unsigned long long)p->ops, (unsigned long long)p->last_op);
                x->done = true;
            }
        }
    }
    for (unsigned k = 0; k < c->instances; k++)
        if (in[k].started)
            ofc_describe(c, &in[k], k);
out:
    /* Kill every thread of theirs; their processes die with the last one. */
    for (unsigned k = 0; k < c->instances; k++) {
        struct ofc_inst *x = &in[k];
        res->ops += x->pg ? x->pg->ops : 0;
        for (unsigned i = 0; i < x->nreg; i++) {
            sys_thread_ctl(x->reg[i], SYS_THREAD_KILL, 0);
            ofc_drop(&x->reg[i]);
        }
        if (x->started) {
            sys_thread_ctl(x->s.thread_slot, SYS_THREAD_KILL, 0);
            /* Copies of our caps to them (their slots 1 and 2, and what they
             * made of those) may sit anywhere: revoke before deleting. */
            sys_cap_revoke(x->s.process_slot);
            sys_cap_revoke(x->s.thread_slot);
            ofc_drop(&x->s.thread_slot);
            ofc_drop(&x->s.process_slot);
        }
        ofc_drop(&x->ctlc);
        ofc_drop(&x->faultc);
    }
    ofc_drop(&sep);
    ofc_drop(&snt);
    ofc_drop(&rslot);
    uint64_t end = ofc_now() + 3000 * OFC_MS, used = 0;
    while ((used = sys_quota(RT_SLOT_SELF_PROCESS).r[0]) != used0 && ofc_now() < end)
        sys_sleep(ofc_now() + 2 * OFC_MS);
    long violations = sys_kdebug(c->platform, SYS_KDEBUG_CHECK, 0).ret;
    printf("%s: round %u (seeds %u..%u): quota %s (%lld bytes off), kcheck %ld, %llu ms", c->tag, round,
           c->seed + round * c->instances, c->seed + round * c->instances + c->instances - 1,
           used == used0 ? "back" : "NOT back", (long long)(used - used0), violations,
           (unsigned long long)((ofc_now() - t0) / OFC_MS));
    if (used != used0)
        ofc_fail(res, "round %u (seeds %u..): %lld bytes of quota stay charged after every thread was killed and "
                      "every cap deleted", round, c->seed + round * c->instances, (long long)(used - used0));
    if (violations != 0)
        ofc_fail(res, "round %u: kdebug CHECK found %ld violations (see the kcheck: lines)", round, violations);
}

/* A first spawn makes the page tables spawn() needs in the caller (they
 * stay until the caller ends), so that round 0's quota check is exact. */
static bool ofc_warmup(const struct ofc_config *c)
{
    struct spawn_args a = { .bundle = c->bundle, .bundle_size = c->bundle_size, .name = "objfuzz",
                            .quota = 1024 * 1024, .priority = OF_PRIO, .arg = OF_WARMUP };
    struct spawned s;
    if (spawn(&a, &s) != 0)
        return false;
    uint64_t end = ofc_now() + 3000 * OFC_MS;
    while (sys_thread_ctl(s.thread_slot, 0, 0).ret != SYS_EDEAD && ofc_now() < end)
        sys_sleep(ofc_now() + OFC_MS);
    sys_thread_ctl(s.thread_slot, SYS_THREAD_KILL, 0);
    ofc_drop(&s.thread_slot);
    ofc_drop(&s.process_slot);
    return true;
}

/* Runs c->rounds rounds (stopping at the first failing one). */
static void ofc_run(const struct ofc_config *c, struct ofc_result *res)
{
    memset(res, 0, sizeof *res);
    res->ok = true;
    uint64_t frames[OFC_MAX_INST] = { 0 }, ctl = ofc_slot(), t0 = ofc_now();
    unsigned n = c->instances < OFC_MAX_INST ? c->instances : OFC_MAX_INST;
    if (!ctl || sys_create(CAP_ENDPOINT, ctl, 0).ret != 0) {
        ofc_fail(res, "cannot create the coordinator endpoint");
        return;
    }
    for (unsigned k = 0; k < n; k++) {
        frames[k] = ofc_slot();
        if (!frames[k] || sys_create(CAP_FRAME, frames[k], 1).ret != 0 ||
            sys_map(frames[k], RT_SLOT_SELF_PROCESS, OFC_PROGRESS_VA + k * 4096, CAP_R_READ | CAP_R_WRITE).ret != 0) {
            ofc_fail(res, "cannot set up the progress pages");
            goto out;
        }
    }
    if (!ofc_warmup(c)) {
        ofc_fail(res, "cannot spawn objfuzz");
        goto out;
    }
    struct ofc_config cc = *c;
    cc.instances = n;
    printf("%s: %u rounds of %u instances, %u operations each, seeds from %u", c->tag, c->rounds, n, c->ops, c->seed);
    sys_kdebug(c->platform, SYS_KDEBUG_RESET, 0);
    for (unsigned r = 0; r < c->rounds && res->ok; r++) {
        ofc_round(&cc, r, ctl, frames, res);
        res->rounds++;
    }
    struct sys_result st = sys_kdebug(c->platform, SYS_KDEBUG_STATS, 0);
    res->stack_max = st.r[SYS_R_RDI];
    res->irqoff_max = st.r[SYS_R_RSI];
    printf("%s: %llu operations in %u rounds, %llu ms; kernel: deepest stack %llu bytes, longest interrupts-off "
           "stretch %llu TSC ticks",
           c->tag, (unsigned long long)res->ops, res->rounds, (unsigned long long)((ofc_now() - t0) / OFC_MS),
           (unsigned long long)res->stack_max, (unsigned long long)res->irqoff_max);
out:
    for (unsigned k = 0; k < n; k++) {
        sys_unmap(RT_SLOT_SELF_PROCESS, OFC_PROGRESS_VA + k * 4096);
        ofc_drop(&frames[k]);
    }
    ofc_drop(&ctl);
}

#endif
