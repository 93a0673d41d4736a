/* ofcampaign: long object-graph fuzzing campaigns, outside the test suite.
 *
 *     make && scripts/run-qemu --bundle build/bundle.cpio --mem 256M --cmdline run=ofcampaign
 *
 * init starts it like ktest (slot 3 platform, slot 4 the bundle). It runs
 * OFCAMPAIGN_ROUNDS rounds of OFCAMPAIGN_INSTANCES objfuzz instances with
 * OFCAMPAIGN_OPS operations each (the coordinator is ofcoord.h, shared with
 * ktest's t_objfuzz.c: after every round the quota must be back exactly and
 * kdebug CHECK must find nothing), prints
 *     ofcampaign: N rounds passed, M operations          (or: FAILED ...)
 * with the kernel's deepest stack and longest interrupts-off stretch, and
 * powers off with status 0 or 1. Seeds run from OFCAMPAIGN_SEED upwards:
 * a failing round names its seeds; replay one with ktest's OBJFUZZ_SEED
 * (and OBJFUZZ_TRACE_SEED to log its every operation). */
#include "runtime.h"
#include "../objfuzz/ofcoord.h"

#ifndef OFCAMPAIGN_SEED
#define OFCAMPAIGN_SEED 1000u
#endif
#ifndef OFCAMPAIGN_ROUNDS
#define OFCAMPAIGN_ROUNDS 100u
#endif
#ifndef OFCAMPAIGN_INSTANCES
#define OFCAMPAIGN_INSTANCES 3u
#endif
#ifndef OFCAMPAIGN_OPS
#define OFCAMPAIGN_OPS 10000u
#endif

#define SLOT_PLATFORM 3
#define SLOT_BUNDLE 4
#define BUNDLE_VA 0x0000000100000000ull

int main(uint64_t arg)
{
    uint64_t size = arg & 0xffffffffffffull;
    if (sys_map(SLOT_BUNDLE, RT_SLOT_SELF_PROCESS, BUNDLE_VA, CAP_R_READ).ret != 0) {
        printf("ofcampaign: cannot map the bundle; start it with run=ofcampaign");
        sys_poweroff(SLOT_PLATFORM, 1);
        return 1;
    }
    struct ofc_config c = {
        .bundle = (const void *)(uintptr_t)(BUNDLE_VA + (arg >> 48)), .bundle_size = size,
        .platform = SLOT_PLATFORM, .seed = OFCAMPAIGN_SEED, .rounds = OFCAMPAIGN_ROUNDS,
        .instances = OFCAMPAIGN_INSTANCES, .ops = OFCAMPAIGN_OPS, .tag = "ofcampaign",
    };
    struct ofc_result r;
    ofc_run(&c, &r);
    if (r.ok)
        printf("ofcampaign: %u rounds passed, %llu operations; deepest kernel stack %llu bytes, longest "
               "interrupts-off stretch %llu TSC ticks",
               r.rounds, (unsigned long long)r.ops, (unsigned long long)r.stack_max,
               (unsigned long long)r.irqoff_max);
    else
        printf("ofcampaign: FAILED after %u rounds: %s", r.rounds, r.why);
    sys_poweroff(SLOT_PLATFORM, r.ok ? 0 : 1);
    return r.ok ? 0 : 1;
}
