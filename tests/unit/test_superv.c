/* Unit tests for servers/runtime/superv.c: the restart policy (restart at
 * once, back off doubling up to the cap, give up after max-failures,
 * never and on-failure), the counters, recovery and start times, stops on
 * request, svc_due and the heartbeat (svc_beat) at their edges, the names. */
#include <string.h>
#include "superv.h"
#include "suites.h"

#define MS 1000000ull

static struct svc_track t;
static struct manifest_entry e;

static void setup(void)
{
    memset(&t, 0, sizeof t);
    manifest_defaults(&e, MANIFEST_SERVICE, "svc");
}

static enum svc_action crash(uint64_t now)
{
    return svc_failed(&t, &e, PVK_FAIL_CRASH, 14, 0xdead, 0, now);
}

START_TEST(test_start_ready)
{
    svc_started(&t, 1000);
    ck_assert_uint_eq(t.generation, 1);
    ck_assert_int_eq(t.state, PVK_SVC_STARTING);
    ck_assert_uint_eq(t.started_at, 1000);
    svc_ready(&t, 1500);
    ck_assert_int_eq(t.state, PVK_SVC_READY);
    ck_assert_uint_eq(t.last_start_ns, 500);
    ck_assert_uint_eq(t.last_recovery_ns, 0);  /* no failure before */
    ck_assert_uint_eq(t.streak, 0);
    svc_started(&t, 2000);
    ck_assert_uint_eq(t.generation, 2);
}
END_TEST

START_TEST(test_first_failure_restarts_now)
{
    svc_started(&t, 10);
    svc_ready(&t, 20);
    ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_CRASH, 14, 0x1234, 0, 5 * MS), SVC_RESTART_NOW);
    ck_assert_uint_eq(t.streak, 1);
    ck_assert_uint_eq(t.restarts, 1);
    ck_assert_uint_eq(t.crashes, 1);
    ck_assert_uint_eq(t.hangs + t.exits + t.start_failures, 0);
    ck_assert_uint_eq(t.last_failure, PVK_FAIL_CRASH | 14u << 8);
    ck_assert_uint_eq(t.last_address, 0x1234);
    ck_assert_uint_eq(t.failed_at, 5 * MS);
    /* restarted, ready again: recovery measured from the failure */
    svc_started(&t, 6 * MS);
    svc_ready(&t, 9 * MS);
    ck_assert_uint_eq(t.last_recovery_ns, 4 * MS);
    ck_assert_uint_eq(t.last_start_ns, 3 * MS);
    ck_assert_uint_eq(t.failed_at, 0);
    ck_assert_uint_eq(t.streak, 0);
    ck_assert_int_eq(t.state, PVK_SVC_READY);
}
END_TEST

START_TEST(test_backoff_doubles_and_caps)
{
    e.backoff_ms = 10;
    e.backoff_max_ms = 50;
    e.max_failures = 100;
    uint64_t now = 1000 * MS;
    svc_started(&t, now);
    ck_assert_int_eq(crash(now), SVC_RESTART_NOW);              /* streak 1 */
    static const uint64_t delays[] = {10, 20, 40, 50, 50, 50};  /* streak 2.. */
    for (size_t i = 0; i < sizeof delays / sizeof delays[0]; i++) {
        now += MS;
        svc_started(&t, now);
        ck_assert_int_eq(crash(now), SVC_RESTART_LATER);
        ck_assert_uint_eq(t.streak, i + 2);
        ck_assert_int_eq(t.state, PVK_SVC_BACKOFF);
        ck_assert_uint_eq(t.restart_at, now + delays[i] * MS);
        ck_assert(!svc_due(&t, now));
        ck_assert(!svc_due(&t, t.restart_at - 1));
        ck_assert(svc_due(&t, t.restart_at));
        ck_assert(svc_due(&t, t.restart_at + 1));
    }
    ck_assert_uint_eq(t.restarts, 7);
    ck_assert_uint_eq(t.crashes, 7);
    ck_assert_uint_eq(t.failed_at, 1000 * MS);                  /* the first of the run */
    /* ready: streak reset, recovery from the first failure */
    svc_started(&t, now + 100 * MS);
    svc_ready(&t, now + 101 * MS);
    ck_assert_uint_eq(t.last_recovery_ns, now + 101 * MS - 1000 * MS);
    ck_assert_uint_eq(t.streak, 0);
    ck_assert_int_eq(crash(now + 200 * MS), SVC_RESTART_NOW);
    ck_assert_uint_eq(t.failed_at, now + 200 * MS);
}
END_TEST

/* Long streaks: the shift never overflows, the delay stays at the cap. */
START_TEST(test_backoff_shift_overflow)
{
    e.backoff_ms = 60000;
    e.backoff_max_ms = 600000;
    e.max_failures = 1000;
    uint64_t now = 1;
    for (uint32_t i = 1; i <= 1000; i++) {
        enum svc_action a = crash(now);
        if (i == 1) {
            ck_assert_int_eq(a, SVC_RESTART_NOW);
            continue;
        }
        ck_assert_int_eq(a, SVC_RESTART_LATER);
        uint64_t want = i - 2 < 4 ? 60000ull << (i - 2) : 600000;
        if (want > 600000)
            want = 600000;
        CHECK_EQ(t.restart_at - now, want * MS);
        now += 7;
    }
    ck_assert_int_eq(crash(now), SVC_GIVE_UP);
    /* backoff 0: due at once */
    setup();
    e.backoff_ms = 0;
    crash(5);
    ck_assert_int_eq(crash(6), SVC_RESTART_LATER);
    ck_assert_uint_eq(t.restart_at, 6);
    ck_assert(svc_due(&t, 6));
    /* a huge streak (set by hand): capped, no undefined shift */
    setup();
    t.streak = 100;
    e.max_failures = 1000;
    ck_assert_int_eq(crash(1), SVC_RESTART_LATER);
    ck_assert_uint_eq(t.restart_at, 1 + 1000 * MS);
    /* restart_at saturates rather than wrapping */
    setup();
    crash(1);
    ck_assert_int_eq(crash(UINT64_MAX - 5), SVC_RESTART_LATER);
    ck_assert_uint_eq(t.restart_at, UINT64_MAX);
}
END_TEST

START_TEST(test_give_up)
{
    e.max_failures = 3;
    uint64_t now = 100;
    ck_assert_int_eq(crash(now), SVC_RESTART_NOW);
    ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_HANG, 0, 0, 0, now + 1), SVC_RESTART_LATER);
    ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_START, 0, 0, 0, now + 2), SVC_RESTART_LATER);
    ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_EXIT, 0, 0, 3, now + 3), SVC_GIVE_UP);
    ck_assert_int_eq(t.state, PVK_SVC_FAILED);
    ck_assert_uint_eq(t.streak, 4);
    ck_assert_uint_eq(t.restarts, 3);
    ck_assert_uint_eq(t.crashes, 1);
    ck_assert_uint_eq(t.hangs, 1);
    ck_assert_uint_eq(t.start_failures, 1);
    ck_assert_uint_eq(t.exits, 1);
    ck_assert_uint_eq(t.last_failure, PVK_FAIL_EXIT);
    ck_assert(!svc_due(&t, UINT64_MAX));                 /* FAILED is never due */
    ck_assert_uint_eq(t.failed_at, now);

    /* max-failures 1: the second failure in a row gives up */
    setup();
    e.max_failures = 1;
    ck_assert_int_eq(crash(1), SVC_RESTART_NOW);
    ck_assert_int_eq(crash(2), SVC_GIVE_UP);
    /* ... but not if it became ready in between */
    setup();
    e.max_failures = 1;
    for (uint64_t i = 1; i < 50; i++) {
        svc_started(&t, i * 10);
        svc_ready(&t, i * 10 + 1);
        ck_assert_int_eq(crash(i * 10 + 5), SVC_RESTART_NOW);
    }
    ck_assert_uint_eq(t.generation, 49);
    ck_assert_uint_eq(t.restarts, 49);
    ck_assert_uint_eq(t.last_recovery_ns, 6);      /* (i*10+1) - ((i-1)*10+5) */
}
END_TEST

START_TEST(test_policy_never)
{
    e.restart = RESTART_NEVER;
    static const enum pvk_svc_failure whys[] = {PVK_FAIL_CRASH, PVK_FAIL_HANG, PVK_FAIL_EXIT, PVK_FAIL_START};
    for (size_t i = 0; i < sizeof whys / sizeof whys[0]; i++) {
        setup();
        e.restart = RESTART_NEVER;
        svc_started(&t, 1);
        ck_assert_int_eq(svc_failed(&t, &e, whys[i], 0, 0, 0, 2), SVC_LEAVE_STOPPED);
        ck_assert_int_eq(t.state, PVK_SVC_STOPPED);
        ck_assert_uint_eq(t.restarts, 0);
        ck_assert_uint_eq(t.last_failure, whys[i]);
        ck_assert(!svc_due(&t, UINT64_MAX));
    }
    /* never wins over give-up too */
    e.max_failures = 1;
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(crash(3 + (uint64_t)i), SVC_LEAVE_STOPPED);
    ck_assert_uint_eq(t.crashes, 5);
}
END_TEST

START_TEST(test_policy_on_failure)
{
    e.restart = RESTART_ON_FAILURE;
    svc_started(&t, 1);
    ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_EXIT, 0, 0, 0, 2), SVC_LEAVE_STOPPED);
    ck_assert_int_eq(t.state, PVK_SVC_STOPPED);
    ck_assert_uint_eq(t.exits, 1);
    ck_assert_uint_eq(t.restarts, 0);
    /* a non-zero status, negative too, is a failure */
    setup();
    e.restart = RESTART_ON_FAILURE;
    ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_EXIT, 0, 0, 1, 2), SVC_RESTART_NOW);
    ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_EXIT, 0, 0, -1, 3), SVC_RESTART_LATER);
    /* a crash with "status" 0 is still a failure */
    setup();
    e.restart = RESTART_ON_FAILURE;
    ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_CRASH, 13, 0, 0, 2), SVC_RESTART_NOW);
    ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_HANG, 0, 0, 0, 3), SVC_RESTART_LATER);
    /* restart=always restarts a clean exit */
    setup();
    ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_EXIT, 0, 0, 0, 2), SVC_RESTART_NOW);
}
END_TEST

START_TEST(test_stopped_on_request)
{
    e.max_failures = 1;
    svc_started(&t, 10);
    svc_ready(&t, 20);
    ck_assert_int_eq(crash(30), SVC_RESTART_NOW);
    ck_assert_uint_eq(t.streak, 1);
    /* restarted on request: not a failure, the streak stays, restarts now
     * even where another failure would give up */
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_STOPPED, 0, 0, 0, 40 + (uint64_t)i), SVC_RESTART_NOW);
    ck_assert_uint_eq(t.streak, 1);
    ck_assert_uint_eq(t.restarts, 4);
    ck_assert_uint_eq(t.crashes + t.hangs + t.exits + t.start_failures, 1);
    ck_assert_uint_eq(t.last_failure, PVK_FAIL_STOPPED);
    ck_assert_uint_eq(t.failed_at, 30);
    /* with restart=never too: a requested restart is honoured */
    setup();
    e.restart = RESTART_NEVER;
    ck_assert_int_eq(svc_failed(&t, &e, PVK_FAIL_STOPPED, 0, 0, 0, 5), SVC_RESTART_NOW);
    ck_assert_uint_eq(t.streak, 0);
    /* measured: request -> ready again */
    svc_started(&t, 6);
    svc_ready(&t, 9);
    ck_assert_uint_eq(t.last_recovery_ns, 4);

    /* svc_stopped: STOPPED, nothing counted */
    setup();
    svc_started(&t, 1);
    e.backoff_ms = 10;
    crash(2);
    crash(3);
    ck_assert_int_eq(t.state, PVK_SVC_BACKOFF);
    svc_stopped(&t);
    ck_assert_int_eq(t.state, PVK_SVC_STOPPED);
    ck_assert(!svc_due(&t, UINT64_MAX));
    ck_assert_uint_eq(t.crashes, 2);
    ck_assert_uint_eq(t.restarts, 2);
}
END_TEST

START_TEST(test_null_entry_defaults)
{
    ck_assert_int_eq(svc_failed(&t, NULL, PVK_FAIL_CRASH, 0, 0, 0, 1), SVC_RESTART_NOW);
    ck_assert_int_eq(svc_failed(&t, NULL, PVK_FAIL_CRASH, 0, 0, 0, 2), SVC_RESTART_LATER);
    ck_assert_uint_eq(t.restart_at, 2 + 10 * MS);
    for (int i = 0; i < 4; i++)
        svc_failed(&t, NULL, PVK_FAIL_CRASH, 0, 0, 0, 3);
    ck_assert_int_eq(t.state, PVK_SVC_FAILED);    /* default max-failures 5 */
}
END_TEST

START_TEST(test_due_states)
{
    t.restart_at = 0;
    static const enum pvk_svc_state states[] = {PVK_SVC_STOPPED, PVK_SVC_STARTING, PVK_SVC_READY, PVK_SVC_FAILED};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        t.state = states[i];
        ck_assert(!svc_due(&t, 100));
    }
    t.state = PVK_SVC_BACKOFF;
    ck_assert(svc_due(&t, 0));
    t.restart_at = 100;
    ck_assert(!svc_due(&t, 99));
    ck_assert(svc_due(&t, 100));
}
END_TEST

START_TEST(test_beat)
{
    uint64_t next;
    struct svc_heartbeat h = { 0 };
    /* no heartbeat: nothing to do, ever */
    ck_assert_int_eq(svc_beat(&h, UINT64_MAX, 0, &next), SVC_BEAT_WAIT);
    ck_assert_uint_eq(next, 0);
    /* ready at 1000: the first ping an eighth of a period later, not before */
    svc_alive(&h, 1000);
    ck_assert_int_eq(svc_beat(&h, 1000, 40, &next), SVC_BEAT_WAIT);
    ck_assert_uint_eq(next, 1000 + 5 * MS);
    ck_assert_int_eq(svc_beat(&h, 1000 + 5 * MS - 1, 40, &next), SVC_BEAT_WAIT);
    ck_assert_int_eq(svc_beat(&h, 1000 + 5 * MS, 40, &next), SVC_BEAT_PING);
    ck_assert_uint_eq(h.pinged_at, 1000 + 5 * MS);
    ck_assert_uint_eq(next, 1000 + 45 * MS);        /* the deadline: a period after the ping */
    /* one ping at a time: no second one while it is unanswered */
    ck_assert_int_eq(svc_beat(&h, 1000 + 30 * MS, 40, &next), SVC_BEAT_WAIT);
    ck_assert_uint_eq(next, 1000 + 45 * MS);
    ck_assert_int_eq(svc_beat(&h, 1000 + 45 * MS - 1, 40, &next), SVC_BEAT_WAIT);
    ck_assert_int_eq(svc_beat(&h, 1000 + 45 * MS, 40, &next), SVC_BEAT_HUNG);
    ck_assert_int_eq(svc_beat(&h, 1000 + 50 * MS, 40, &next), SVC_BEAT_HUNG);     /* late by the slack: still hung */
    /* looked at long after the deadline (the supervisor or the guest stalled):
     * another eighth of a period from then, then hung if still silent */
    ck_assert_int_eq(svc_beat(&h, 1000 + 90 * MS, 40, &next), SVC_BEAT_WAIT);
    ck_assert_uint_eq(next, 1000 + 95 * MS);
    ck_assert_int_eq(svc_beat(&h, 1000 + 95 * MS - 1, 40, &next), SVC_BEAT_WAIT);
    ck_assert_int_eq(svc_beat(&h, 1000 + 95 * MS, 40, &next), SVC_BEAT_HUNG);
    ck_assert_int_eq(svc_beat(&h, 1000 + 100 * MS, 40, &next), SVC_BEAT_HUNG);
    /* once per ping: a second late look finds it hung */
    ck_assert_int_eq(svc_beat(&h, 1000 + 200 * MS, 40, &next), SVC_BEAT_HUNG);
    /* answered late in the period: not hung, the next ping an eighth after the answer */
    svc_alive(&h, 1000 + 44 * MS);
    ck_assert_uint_eq(h.pinged_at, 0);
    ck_assert_int_eq(svc_beat(&h, 1000 + 46 * MS, 40, &next), SVC_BEAT_WAIT);
    ck_assert_uint_eq(next, 1000 + 49 * MS);
    ck_assert_int_eq(svc_beat(&h, 1000 + 49 * MS, 40, &next), SVC_BEAT_PING);
    ck_assert_int_eq(svc_beat(&h, 1000 + 88 * MS, 40, &next), SVC_BEAT_WAIT);
    ck_assert_int_eq(svc_beat(&h, 1000 + 89 * MS, 40, &next), SVC_BEAT_HUNG);
    /* a hang that begins right after an answer is found 9/8 of a period later */
    svc_alive(&h, 5000 * MS);
    ck_assert_int_eq(svc_beat(&h, 5000 * MS + 5 * MS, 40, &next), SVC_BEAT_PING);
    ck_assert_int_eq(svc_beat(&h, 5000 * MS + 45 * MS - 1, 40, &next), SVC_BEAT_WAIT);
    ck_assert_int_eq(svc_beat(&h, 5000 * MS + 45 * MS, 40, &next), SVC_BEAT_HUNG);
    /* 1 ms: a ping at 125 us, hung 1 ms after it */
    svc_alive(&h, 1);
    ck_assert_int_eq(svc_beat(&h, 1 + MS / 8, 1, &next), SVC_BEAT_PING);
    ck_assert_int_eq(svc_beat(&h, 1 + MS / 8 + MS - 1, 1, &next), SVC_BEAT_WAIT);
    ck_assert_int_eq(svc_beat(&h, 1 + MS / 8 + MS, 1, &next), SVC_BEAT_HUNG);
    /* the largest period and a late clock do not overflow */
    svc_alive(&h, UINT64_MAX - MS);
    ck_assert_int_eq(svc_beat(&h, UINT64_MAX - MS, UINT32_MAX, &next), SVC_BEAT_WAIT);
    ck_assert_uint_eq(next, UINT64_MAX);
    h = (struct svc_heartbeat){ .alive_at = 0, .pinged_at = UINT64_MAX - MS };
    ck_assert_int_eq(svc_beat(&h, UINT64_MAX - 1, UINT32_MAX, &next), SVC_BEAT_WAIT);
    ck_assert_uint_eq(next, UINT64_MAX);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(svc_state_name(PVK_SVC_STOPPED), "stopped");
    ck_assert_str_eq(svc_state_name(PVK_SVC_STARTING), "starting");
    ck_assert_str_eq(svc_state_name(PVK_SVC_READY), "ready");
    ck_assert_str_eq(svc_state_name(PVK_SVC_BACKOFF), "backoff");
    ck_assert_str_eq(svc_state_name(PVK_SVC_FAILED), "failed");
    ck_assert_str_eq(svc_state_name((enum pvk_svc_state)5), "?");
    ck_assert_str_eq(svc_state_name((enum pvk_svc_state)-1), "?");
    ck_assert_str_eq(svc_failure_name(PVK_FAIL_NONE), "none");
    ck_assert_str_eq(svc_failure_name(PVK_FAIL_CRASH), "crash");
    ck_assert_str_eq(svc_failure_name(PVK_FAIL_HANG), "hang");
    ck_assert_str_eq(svc_failure_name(PVK_FAIL_EXIT), "exit");
    ck_assert_str_eq(svc_failure_name(PVK_FAIL_START), "start");
    ck_assert_str_eq(svc_failure_name(PVK_FAIL_STOPPED), "stopped");
    ck_assert_str_eq(svc_failure_name((enum pvk_svc_failure)6), "?");
    ck_assert_str_eq(svc_failure_name((enum pvk_svc_failure)255), "?");
}
END_TEST

Suite *superv_suite(void)
{
    Suite *s = suite_create("superv");
    TCase *tc = tcase_create("policy");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_start_ready);
    tcase_add_test(tc, test_first_failure_restarts_now);
    tcase_add_test(tc, test_backoff_doubles_and_caps);
    tcase_add_test(tc, test_backoff_shift_overflow);
    tcase_add_test(tc, test_give_up);
    tcase_add_test(tc, test_policy_never);
    tcase_add_test(tc, test_policy_on_failure);
    tcase_add_test(tc, test_stopped_on_request);
    tcase_add_test(tc, test_null_entry_defaults);
    suite_add_tcase(s, tc);

    tc = tcase_create("timing");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_due_states);
    tcase_add_test(tc, test_beat);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}
