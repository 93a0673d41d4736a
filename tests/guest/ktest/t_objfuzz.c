/* The object-graph fuzzer (tests/guest/objfuzz): rounds of
 * OBJFUZZ_INSTANCES instances at once, each with its own seed, building
 * and tearing down random graphs of processes, threads, endpoints,
 * notifications and frames while their threads block on them. ktest is
 * the coordinator: it receives a cap to every thread an instance starts,
 * waits until every instance has spent its budget (or faults, or stops
 * making progress), then kills every thread of theirs, revokes and deletes
 * its caps to them, and checks that its quota is exactly back to what it
 * was before the round and that the kernel's invariant checks (kdebug
 * CHECK) find nothing. The kernel's deepest stack and longest
 * interrupts-off stretch are logged at the end.
 *
 * Seeds: round r, instance k uses OBJFUZZ_SEED + r * OBJFUZZ_INSTANCES + k.
 * Longer campaigns: raise OBJFUZZ_ROUNDS / OBJFUZZ_OPS (or boot with
 * run=objfuzz-campaign, tests/guest/ofcampaign). OBJFUZZ_TRACE_SEED logs
 * every operation of one seed. */
#include "ktest.h"
#include "../objfuzz/objfuzz.h"
#include "../objfuzz/ofcoord.h"

#ifndef OBJFUZZ_SEED
#define OBJFUZZ_SEED 1u
#endif
#ifndef OBJFUZZ_ROUNDS
#define OBJFUZZ_ROUNDS 8u
#endif
#ifndef OBJFUZZ_INSTANCES
#define OBJFUZZ_INSTANCES 3u
#endif
#ifndef OBJFUZZ_OPS
#define OBJFUZZ_OPS 4000u        /* per instance and round */
#endif
#ifndef OBJFUZZ_TRACE_SEED
#define OBJFUZZ_TRACE_SEED 0u    /* a seed whose every operation is logged (0: none) */
#endif

static bool t_objfuzz(void)
{
    struct ofc_config c = {
        .bundle = kt_bundle, .bundle_size = kt_bundle_size, .platform = KT_SLOT_PLATFORM,
        .seed = OBJFUZZ_SEED, .rounds = OBJFUZZ_ROUNDS, .instances = OBJFUZZ_INSTANCES, .ops = OBJFUZZ_OPS,
        .trace_seed = OBJFUZZ_TRACE_SEED, .tag = "ktest: objfuzz",
    };
    struct ofc_result r;
    ofc_run(&c, &r);
    if (!r.ok)
        return kt_fail("%s", r.why);
    return true;
}

static bool t_after_objfuzz(void)
{
    return kt_kernel_works();
}

const struct kt_test kt_objfuzz_tests[] = {
    { "objfuzz", "object-graph fuzzer: rounds of 3 instances; after each, quota back exactly and kdebug CHECK 0",
      t_objfuzz },
    { "after_objfuzz", "after the object-graph fuzzer: create, call a partner, map, timers still work",
      t_after_objfuzz },
};
KT_COUNT(kt_objfuzz_tests);
