/* Capabilities: create, info, copy (rights, badges), move, delete, revoke,
 * give, wrong types and missing rights in every kind of call. */
#include "ktest.h"

static bool t_create(void)
{
    uint64_t s = kt_slot();
    CHECK_RC(sys_create(CAP_ENDPOINT, s, 0), SYS_OK);
    struct sys_result r = sys_cap_info(s);
    CHECK_EQ(r.ret, CAP_ENDPOINT);
    CHECK_EQ(r.r[0], CAP_R_ALL);
    CHECK_EQ(r.r[1], 0);
    CHECK_RC(sys_create(CAP_ENDPOINT, s, 0), SYS_EEXIST);
    CHECK_RC(sys_create(CAP_NOTIFICATION, s, 0), SYS_EEXIST);
    uint64_t n = kt_slot();
    CHECK_RC(sys_create(CAP_NOTIFICATION, n, 0), SYS_OK);
    CHECK_EQ(sys_cap_info(n).ret, CAP_NOTIFICATION);
    uint64_t f = kt_slot();
    CHECK_RC(sys_create(CAP_FRAME, f, 1), SYS_OK);
    CHECK_EQ(sys_cap_info(f).ret, CAP_FRAME);
    uint64_t big = kt_slot();
    CHECK_RC(sys_create(CAP_FRAME, big, 512), SYS_OK);
    uint64_t p = kt_slot();
    CHECK_RC(sys_create(CAP_PROCESS, p, 256 * 1024), SYS_OK);
    CHECK_EQ(sys_cap_info(p).ret, CAP_PROCESS);
    struct sys_result q = sys_quota(p);
    CHECK_EQ(q.ret, SYS_OK);
    CHECK_EQ(q.r[1], 256 * 1024);
    CHECK(q.r[0] > 0 && q.r[0] < q.r[1]);
    return true;
}

static bool t_create_einval(void)
{
    uint64_t s = kt_slot();
    const uint64_t types[] = { CAP_NULL, CAP_THREAD, CAP_IRQ, CAP_IOPORT, CAP_PLATFORM, CAP_TYPE_COUNT, 99,
                               ~0ull };
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++)
        if (sys_create(types[i], s, 1).ret != SYS_EINVAL)
            return kt_fail("create(type %llu) = %ld, expected SYS_EINVAL", (unsigned long long)types[i],
                           sys_create(types[i], s, 1).ret);
    CHECK_RC(sys_create(CAP_FRAME, s, 0), SYS_EINVAL);
    CHECK_RC(sys_create(CAP_FRAME, s, 513), SYS_EINVAL);
    CHECK_RC(sys_create(CAP_FRAME, s, ~0ull), SYS_EINVAL);
    CHECK_RC(sys_cap_info(s), SYS_ENOCAP);        /* nothing was left behind */
    /* A process quota below the cost of a process, or above ours. */
    CHECK_RC(sys_create(CAP_PROCESS, s, 0), SYS_ENOMEM);
    CHECK_RC(sys_create(CAP_PROCESS, s, 100), SYS_ENOMEM);
    struct sys_result q = sys_quota(RT_SLOT_SELF_PROCESS);
    CHECK_RC(sys_create(CAP_PROCESS, s, q.r[1]), SYS_ENOMEM);
    CHECK_RC(sys_create(CAP_PROCESS, s, 1ull << 60), SYS_ENOMEM);
    CHECK_RC(sys_cap_info(s), SYS_ENOCAP);
    return true;
}

static bool t_copy_rights(void)
{
    uint64_t ep = kt_endpoint(), a = kt_slot(), b = kt_slot();
    CHECK_RC(sys_cap_copy(ep, a, CAP_R_READ | CAP_R_GRANT, 0), SYS_OK);
    struct sys_result r = sys_cap_info(a);
    CHECK_EQ(r.ret, CAP_ENDPOINT);
    CHECK_EQ(r.r[0], CAP_R_READ | CAP_R_GRANT);
    /* Rights can only shrink along a derivation. */
    CHECK_RC(sys_cap_copy(a, b, CAP_R_ALL, 0), SYS_OK);
    CHECK_EQ(sys_cap_info(b).r[0], CAP_R_READ | CAP_R_GRANT);
    CHECK_RC(sys_cap_delete(b), SYS_OK);
    CHECK_RC(sys_cap_copy(a, b, 0, 0), SYS_OK);
    CHECK_EQ(sys_cap_info(b).r[0], 0);
    CHECK_RC(sys_cap_copy(ep, b, CAP_R_ALL, 0), SYS_EEXIST);
    CHECK_RC(sys_cap_delete(b), SYS_OK);
    CHECK_RC(sys_cap_copy(ep, b, 32, 0), SYS_EINVAL);
    CHECK_RC(sys_cap_copy(ep, b, ~0ull, 0), SYS_EINVAL);
    CHECK_RC(sys_cap_copy(kt_slot(), b, CAP_R_ALL, 0), SYS_ENOCAP);
    CHECK_RC(sys_cap_info(b), SYS_ENOCAP);
    return true;
}

static bool t_badges(void)
{
    uint64_t ep = kt_endpoint(), b1 = kt_slot(), b2 = kt_slot(), b3 = kt_slot();
    CHECK_RC(sys_cap_copy(ep, b1, CAP_R_WRITE, 0x42), SYS_OK);
    CHECK_EQ(sys_cap_info(b1).r[1], 0x42);
    /* A badge cannot be changed once set, but a badged cap copies with its badge. */
    CHECK_RC(sys_cap_copy(b1, b2, CAP_R_WRITE, 0x43), SYS_ERIGHTS);
    CHECK_RC(sys_cap_copy(b1, b2, CAP_R_WRITE, 0), SYS_OK);
    CHECK_EQ(sys_cap_info(b2).r[1], 0x42);
    /* Badges on notifications too, with the full 64 bits. */
    uint64_t n = kt_notification();
    CHECK_RC(sys_cap_copy(n, b3, CAP_R_ALL, 0x8000000000000001ull), SYS_OK);
    CHECK_EQ(sys_cap_info(b3).r[1], 0x8000000000000001ull);
    /* No badges on other types. */
    uint64_t f = kt_frame(1), x = kt_slot();
    CHECK_RC(sys_cap_copy(f, x, CAP_R_ALL, 1), SYS_EINVAL);
    CHECK_RC(sys_cap_copy(RT_SLOT_SELF_PROCESS, x, CAP_R_ALL, 1), SYS_EINVAL);
    CHECK_RC(sys_cap_copy(RT_SLOT_SELF_THREAD, x, CAP_R_ALL, 1), SYS_EINVAL);
    CHECK_RC(sys_cap_copy(KT_SLOT_PLATFORM, x, CAP_R_ALL, 1), SYS_EINVAL);
    CHECK_RC(sys_cap_info(x), SYS_ENOCAP);
    /* The receiver sees the badge; a badge-less cap gives badge 0. */
    uint64_t sender = kt_slot();
    CHECK_RC(sys_cap_copy(ep, sender, CAP_R_WRITE, 0x1234), SYS_OK);
    return true;
}

static bool t_move(void)
{
    uint64_t ep = kt_endpoint(), a = kt_slot(), b = kt_slot(), c = kt_slot();
    CHECK_RC(sys_cap_copy(ep, a, CAP_R_WRITE, 7), SYS_OK);
    CHECK_RC(sys_cap_move(a, b), SYS_OK);
    CHECK_RC(sys_cap_info(a), SYS_ENOCAP);
    struct sys_result r = sys_cap_info(b);
    CHECK_EQ(r.ret, CAP_ENDPOINT);
    CHECK_EQ(r.r[0], CAP_R_WRITE);
    CHECK_EQ(r.r[1], 7);
    CHECK_RC(sys_cap_move(b, ep), SYS_EEXIST);
    CHECK_RC(sys_cap_move(b, b), SYS_EEXIST);
    CHECK_RC(sys_cap_move(a, c), SYS_ENOCAP);
    /* The moved cap keeps its place in the derivation tree: revoke reaches it. */
    CHECK_RC(sys_cap_revoke(ep), 1);
    CHECK_RC(sys_cap_info(b), SYS_ENOCAP);
    /* Moving a parent keeps its children. */
    CHECK_RC(sys_cap_copy(ep, a, CAP_R_ALL, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(a, c, CAP_R_ALL, 0), SYS_OK);
    CHECK_RC(sys_cap_move(a, b), SYS_OK);
    CHECK_RC(sys_cap_revoke(b), 1);
    CHECK_RC(sys_cap_info(c), SYS_ENOCAP);
    return true;
}

static bool t_revoke(void)
{
    uint64_t ep = kt_endpoint(), a = kt_slot(), b = kt_slot(), c = kt_slot(), d = kt_slot();
    CHECK_RC(sys_cap_copy(ep, a, CAP_R_ALL, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(ep, b, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(a, c, CAP_R_WRITE, 5), SYS_OK);
    CHECK_RC(sys_cap_copy(c, d, CAP_R_WRITE, 0), SYS_OK);
    CHECK_RC(sys_cap_revoke(d), 0);         /* a leaf */
    CHECK_RC(sys_cap_revoke(a), 2);         /* c and d */
    CHECK_RC(sys_cap_info(c), SYS_ENOCAP);
    CHECK_RC(sys_cap_info(d), SYS_ENOCAP);
    CHECK_EQ(sys_cap_info(a).ret, CAP_ENDPOINT);
    CHECK_RC(sys_cap_revoke(ep), 2);        /* a and b */
    CHECK_RC(sys_cap_info(a), SYS_ENOCAP);
    CHECK_RC(sys_cap_info(b), SYS_ENOCAP);
    CHECK_EQ(sys_cap_info(ep).ret, CAP_ENDPOINT);
    CHECK_RC(sys_cap_revoke(ep), 0);
    /* A long chain (no recursion in the kernel). */
    uint64_t chain[40];
    uint64_t prev = ep;
    for (unsigned i = 0; i < 40; i++) {
        chain[i] = kt_slot();
        CHECK(chain[i] != 0);
        CHECK_RC(sys_cap_copy(prev, chain[i], CAP_R_ALL, 0), SYS_OK);
        prev = chain[i];
    }
    CHECK_RC(sys_cap_revoke(ep), 40);
    return true;
}

static bool t_delete_reparents(void)
{
    uint64_t ep = kt_endpoint(), a = kt_slot(), b = kt_slot(), c = kt_slot();
    CHECK_RC(sys_cap_copy(ep, a, CAP_R_ALL, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(a, b, CAP_R_ALL, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(b, c, CAP_R_ALL, 0), SYS_OK);
    CHECK_RC(sys_cap_delete(a), SYS_OK);    /* b moves up to ep */
    CHECK_RC(sys_cap_delete(a), SYS_ENOCAP);
    CHECK_RC(sys_cap_revoke(ep), 2);
    CHECK_RC(sys_cap_info(b), SYS_ENOCAP);
    CHECK_RC(sys_cap_info(c), SYS_ENOCAP);
    /* Deleting the original leaves the copies as roots that still work. */
    uint64_t n = kt_notification(), n2 = kt_slot();
    CHECK_RC(sys_cap_copy(n, n2, CAP_R_ALL, 0), SYS_OK);
    CHECK_RC(sys_cap_delete(n), SYS_OK);
    CHECK_RC(sys_signal(n2, 3), SYS_OK);
    struct sys_result r = sys_poll(n2);
    CHECK_EQ(r.ret, SYS_OK);
    CHECK_EQ(r.r[0], 3);
    return true;
}

static bool t_wrong_type(void)
{
    uint64_t ep = kt_endpoint(), n = kt_notification(), f = kt_frame(1), dst = kt_slot();
    CHECK_RC(sys_send(n, 0, 0, 0, 0, 0), SYS_ENOCAP);
    CHECK_RC(sys_nbsend(f, 0, 0, 0, 0, 0), SYS_ENOCAP);
    CHECK_RC(sys_call(RT_SLOT_SELF_PROCESS, 0, 0, 0, 0, 0), SYS_ENOCAP);
    CHECK_RC(sys_recv(n, 1), SYS_ENOCAP);
    CHECK_RC(sys_reply_recv(RT_SLOT_SELF_THREAD, 0, 0, 0, 0, 0), SYS_ENOCAP);
    CHECK_RC(sys_signal(ep, 1), SYS_ENOCAP);
    CHECK_RC(sys_wait(ep, 1), SYS_ENOCAP);
    CHECK_RC(sys_poll(f), SYS_ENOCAP);
    CHECK_RC(sys_ntfn_bind(ep), SYS_ENOCAP);
    CHECK_RC(sys_timer_set(ep, 1, 1), SYS_ENOCAP);
    CHECK_RC(sys_map(ep, RT_SLOT_SELF_PROCESS, 0x50000000, CAP_R_READ), SYS_ENOCAP);
    CHECK_RC(sys_map(f, ep, 0x50000000, CAP_R_READ), SYS_ENOCAP);
    CHECK_RC(sys_map(f, RT_SLOT_SELF_THREAD, 0x50000000, CAP_R_READ), SYS_ENOCAP);
    CHECK_RC(sys_unmap(f, 0x50000000), SYS_ENOCAP);
    CHECK_RC(sys_protect(n, 0x50000000, CAP_R_READ), SYS_ENOCAP);
    CHECK_RC(sys_thread_create(ep, dst, 0x400000, 0x500000, 0, 1), SYS_ENOCAP);
    CHECK_RC(sys_thread_ctl(RT_SLOT_SELF_PROCESS, SYS_THREAD_START, 0), SYS_ENOCAP);
    CHECK_RC(sys_cap_give(ep, n, 200, CAP_R_ALL), SYS_ENOCAP);
    CHECK_RC(sys_quota(ep), SYS_ENOCAP);
    CHECK_RC(sys_quota(RT_SLOT_SELF_THREAD), SYS_ENOCAP);
    /* ktest holds no interrupt line or I/O port caps. */
    CHECK_RC(sys_irq_ctl(n, SYS_IRQ_BIND, n), SYS_ENOCAP);
    CHECK_RC(sys_irq_ctl(KT_SLOT_PLATFORM, SYS_IRQ_ACK, 0), SYS_ENOCAP);
    CHECK_RC(sys_ioport(KT_SLOT_PLATFORM, SYS_IO_OUT1, 0xf4, 0), SYS_ENOCAP);
    CHECK_RC(sys_ioport(ep, SYS_IO_IN1, 0x60, 0), SYS_ENOCAP);
    /* Power-off needs the platform cap (status 1: a wrong success must not look like a pass). */
    CHECK_RC(sys_poweroff(ep, 1), SYS_ENOCAP);
    CHECK_RC(sys_poweroff(RT_SLOT_SELF_PROCESS, 1), SYS_ENOCAP);
    /* A fault endpoint must be an endpoint. */
    uint64_t t = kt_thread(NULL, 0, 1, false);
    CHECK(t != 0);
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_FAULT_EP, n), SYS_ENOCAP);
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_FAULT_EP, kt_slot()), SYS_ENOCAP);
    CHECK_RC(sys_thread_ctl(t, SYS_THREAD_FAULT_EP, 999), SYS_ERANGE);
    CHECK_RC(sys_cap_info(dst), SYS_ENOCAP);
    return true;
}

static bool t_missing_rights(void)
{
    uint64_t ep = kt_endpoint(), n = kt_notification(), f = kt_frame(1);
    uint64_t ep_r = kt_slot(), ep_w = kt_slot(), n_r = kt_slot(), n_w = kt_slot(), f_r = kt_slot();
    uint64_t p_r = kt_slot(), t_r = kt_slot(), plat_r = kt_slot(), dst = kt_slot();
    CHECK_RC(sys_cap_copy(ep, ep_r, CAP_R_READ | CAP_R_GRANT, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(ep, ep_w, CAP_R_WRITE | CAP_R_GRANT, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(n, n_r, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(n, n_w, CAP_R_WRITE, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(f, f_r, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(RT_SLOT_SELF_PROCESS, p_r, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(RT_SLOT_SELF_THREAD, t_r, CAP_R_READ, 0), SYS_OK);
    CHECK_RC(sys_cap_copy(KT_SLOT_PLATFORM, plat_r, CAP_R_READ, 0), SYS_OK);

    CHECK_RC(sys_send(ep_r, 0, 0, 0, 0, 0), SYS_ERIGHTS);
    CHECK_RC(sys_nbsend(ep_r, 0, 0, 0, 0, 0), SYS_ERIGHTS);
    CHECK_RC(sys_call(ep_r, 0, 0, 0, 0, 0), SYS_ERIGHTS);
    CHECK_RC(sys_recv(ep_w, 1), SYS_ERIGHTS);
    CHECK_RC(sys_reply_recv(ep_w, 0, 0, 0, 0, 0), SYS_ERIGHTS);
    CHECK_RC(sys_signal(n_r, 1), SYS_ERIGHTS);
    CHECK_RC(sys_timer_set(n_r, kt_in(MS), 1), SYS_ERIGHTS);
    CHECK_RC(sys_wait(n_w, 1), SYS_ERIGHTS);
    CHECK_RC(sys_poll(n_w), SYS_ERIGHTS);
    CHECK_RC(sys_ntfn_bind(n_w), SYS_ERIGHTS);
    uint64_t va = kt_va(1);
    CHECK_RC(sys_map(f_r, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE), SYS_ERIGHTS);
    CHECK_RC(sys_map(f_r, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_EXEC), SYS_ERIGHTS);
    CHECK_RC(sys_map(f, p_r, va, CAP_R_READ), SYS_ERIGHTS);
    CHECK_RC(sys_unmap(p_r, va), SYS_ERIGHTS);
    CHECK_RC(sys_protect(p_r, va, CAP_R_READ), SYS_ERIGHTS);
    CHECK_RC(sys_thread_create(p_r, dst, 0x400000, 0x500000, 0, 1), SYS_ERIGHTS);
    CHECK_RC(sys_cap_give(p_r, n, 200, CAP_R_ALL), SYS_ERIGHTS);
    CHECK_RC(sys_thread_ctl(t_r, SYS_THREAD_PRIORITY, KT_PRIO), SYS_ERIGHTS);
    CHECK_RC(sys_thread_ctl(t_r, SYS_THREAD_SUSPEND, 0), SYS_ERIGHTS);
    CHECK_RC(sys_thread_ctl(t_r, SYS_THREAD_KILL, 0), SYS_ERIGHTS);
    CHECK_RC(sys_poweroff(plat_r, 1), SYS_ERIGHTS);
    /* A frame with no read right cannot be mapped at all. */
    uint64_t f_none = kt_slot();
    CHECK_RC(sys_cap_copy(f, f_none, CAP_R_WRITE, 0), SYS_OK);
    CHECK_RC(sys_map(f_none, RT_SLOT_SELF_PROCESS, va, CAP_R_READ), SYS_ERIGHTS);
    /* quota needs no right. */
    CHECK_RC(sys_quota(p_r), SYS_OK);
    /* Read-only frame maps read-only. */
    CHECK_RC(sys_map(f_r, RT_SLOT_SELF_PROCESS, va, CAP_R_READ), SYS_OK);
    kt_track_mapping(va);
    CHECK_RC(sys_protect(RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE), SYS_ERIGHTS);
    return true;
}

static bool t_give(void)
{
    uint64_t p = kt_slot(), ep = kt_endpoint(), n = kt_notification();
    CHECK_RC(sys_create(CAP_PROCESS, p, 256 * 1024), SYS_OK);
    CHECK_RC(sys_cap_give(p, ep, 5, CAP_R_WRITE), SYS_OK);
    CHECK_RC(sys_cap_give(p, n, 5, CAP_R_ALL), SYS_EEXIST);
    CHECK_RC(sys_cap_give(p, n, 0, CAP_R_ALL), SYS_ERANGE);
    CHECK_RC(sys_cap_give(p, n, 256, CAP_R_ALL), SYS_ERANGE);
    CHECK_RC(sys_cap_give(p, n, 6, 32), SYS_EINVAL);
    CHECK_RC(sys_cap_give(p, kt_slot(), 6, CAP_R_ALL), SYS_ENOCAP);
    CHECK_RC(sys_cap_give(p, n, 6, CAP_R_ALL), SYS_OK);
    /* Given caps are children of ours: revoke takes them back. */
    CHECK_RC(sys_cap_revoke(ep), 1);
    CHECK_RC(sys_cap_give(p, ep, 5, CAP_R_WRITE), SYS_OK);      /* slot 5 is free again */
    /* Into our own process: a copy without a badge. */
    uint64_t s = 0;
    for (uint64_t i = 200; i < 250 && !s; i++)
        if (sys_cap_info(i).ret == SYS_ENOCAP)
            s = i;
    CHECK(s != 0);
    CHECK_RC(sys_cap_give(RT_SLOT_SELF_PROCESS, ep, s, CAP_R_READ), SYS_OK);
    struct sys_result r = sys_cap_info(s);
    CHECK_EQ(r.ret, CAP_ENDPOINT);
    CHECK_EQ(r.r[0], CAP_R_READ);
    CHECK_RC(sys_cap_delete(s), SYS_OK);
    /* Deleting the process cap tears the never-run process down with its caps. */
    CHECK_RC(sys_cap_delete(p), SYS_OK);
    CHECK_RC(sys_cap_revoke(ep), 0);
    return true;
}

const struct kt_test kt_cap_tests[] = {
    { "create", "create makes endpoints, notifications, frames (1 and 512 pages), processes", t_create },
    { "create_einval", "create rejects bad types, frame sizes and unaffordable process quotas",
      t_create_einval },
    { "copy_rights", "cap_copy masks rights, never adds any, rejects bad rights and full slots",
      t_copy_rights },
    { "badges", "badges: set once, kept by copies, only on endpoints and notifications", t_badges },
    { "move", "cap_move moves a cap with its place in the derivation tree", t_move },
    { "revoke", "cap_revoke deletes every derived cap (also a chain of 40) and counts them", t_revoke },
    { "delete_reparents", "cap_delete moves children up to the parent; copies outlive the original",
      t_delete_reparents },
    { "wrong_type", "every call checks the type of each cap it is given (SYS_ENOCAP)", t_wrong_type },
    { "missing_rights", "every call checks the rights it needs (SYS_ERIGHTS)", t_missing_rights },
    { "give", "cap_give copies into another process (rights masked), revocable, EEXIST/ERANGE/EINVAL",
      t_give },
};
KT_COUNT(kt_cap_tests);
