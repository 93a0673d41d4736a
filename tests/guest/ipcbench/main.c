/* IPC benchmark, run by `make bench-ipc` (scripts/bench-ipc) as init's
 * run=ipcbench. Measures, each as the median of ROUNDS round trips after
 * WARMUP, every round trip timed on its own with rdtsc:
 *   null:  the null system call;
 *   xas:   call + reply-recv between two processes (different address spaces);
 *   sas:   the same between two threads of this process;
 *   ntfn:  signal + wait ping-pong between two processes (4 system calls);
 *   ntfn_sw: the same ping-pong with signal_wait on both sides (2 calls);
 *   xas_fpu, sas_fpu: xas and sas again with both sides touching an SSE
 *          register every round, so each switch saves, scrubs and restores
 *          FPU state (the measured loops above use no FPU register).
 * Under QEMU -icount shift=0 the TSC counts guest instructions, so the
 * numbers are instruction counts; otherwise TSC cycles. The cost of the
 * measuring itself (two back-to-back rdtsc and the loop) is measured the
 * same way with nothing in between and subtracted.
 * Role arg 1..2 (spawned by itself): the partner process. */
#include "runtime.h"
#include "spawn.h"

#define ROUNDS 10000
#define WARMUP 1000
#define BUNDLE_VA 0x0000200000000000ull

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t samples[ROUNDS];

static uint64_t median(void)
{
    /* insertion sort is too slow for 10000; use counting on a shell sort */
    for (unsigned gap = ROUNDS / 2; gap; gap /= 2)
        for (unsigned i = gap; i < ROUNDS; i++)
            for (unsigned j = i; j >= gap && samples[j - gap] > samples[j]; j -= gap) {
                uint64_t t = samples[j];
                samples[j] = samples[j - gap];
                samples[j - gap] = t;
            }
    return samples[ROUNDS / 2];
}

static uint64_t overhead;

static uint64_t measure_overhead(void)
{
    for (int i = 0; i < WARMUP + ROUNDS; i++) {
        uint64_t t0 = rdtsc();
        __asm__ volatile("" ::: "memory");
        uint64_t t1 = rdtsc();
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
    return median();
}

#define MEASURE(result, body)                                       \
    do {                                                            \
        for (int i_ = 0; i_ < WARMUP + ROUNDS; i_++) {              \
            uint64_t t0_ = rdtsc();                                 \
            body;                                                   \
            uint64_t t1_ = rdtsc();                                 \
            if (i_ >= WARMUP)                                       \
                samples[i_ - WARMUP] = t1_ - t0_;                   \
        }                                                           \
        uint64_t m_ = median();                                     \
        (result) = m_ > overhead ? m_ - overhead : 0;               \
    } while (0)

static inline void call_ep(uint64_t ep)
{
    sys_call(ep, TAG(0, 1, 0), 1, 0, 0, 0);
}

static int echo(struct msg *m, void *ctx)
{
    (void)ctx;
    m->tag = TAG(0, 1, 0);
    return SERVER_REPLY;
}

/* One SSE instruction on a live register: the thread uses the FPU. */
static inline void touch_sse(uint64_t v)
{
    __asm__ volatile("movq %0, %%xmm0\n\tpaddq %%xmm0, %%xmm1" ::"r"(v) : "xmm0", "xmm1");
}

static inline void call_ep_fpu(uint64_t ep, uint64_t i)
{
    touch_sse(i);
    sys_call(ep, TAG(0, 1, 0), i, 0, 0, 0);
}

/* An echo server that touches SSE on every request. */
static _Noreturn void fpu_server(uint64_t slot)
{
    struct sys_result r = sys_recv(slot, 0);
    for (;;) {
        touch_sse(r.r[2]);
        r = sys_reply_recv(slot, TAG(0, 1, 0), r.r[2] + 1, 0, 0, 0);
    }
}

/* Partner roles (a separate process). */
static _Noreturn void partner(uint64_t role)
{
    if (role == 1)
        server_loop(3, echo, NULL);
    if (role == 3)
        fpu_server(3);
    if (role == 4) {
        /* notification ping-pong with signal_wait: wait on 3, then signal 4
         * and wait on 3 in one call */
        sys_wait(3, 0);
        for (;;)
            sys_signal_wait(4, 1, 3, 0);
    }
    /* role 2: notification ping-pong: wait on slot 3, signal slot 4 */
    for (;;) {
        sys_wait(3, 0);
        sys_signal(4, 1);
    }
}

static uint8_t thread_stack[16384] __attribute__((aligned(16)));
static uint8_t thread_stack2[16384] __attribute__((aligned(16)));
static struct ipc_buffer thread_ipcbuf __attribute__((aligned(4096)));

static uint64_t same_space_fpu;
static uint64_t same_space_ep, same_space_fpu_ep;  /* what the second thread serves */

/* A free slot of ours. The slots below RT_SLOT_DEFAULT_FIRST belong to what
 * init gave us (run= programs: up to slot 16), so none is taken by number. */
static uint64_t new_slot(void)
{
    int s = rt_slot_alloc();
    if (s < 0)
        rt_panic("ipcbench: out of slots");
    return (uint64_t)s;
}

static void same_space_server(void)
{
    sys_set_ipc_buffer((uint64_t)&thread_ipcbuf);
    if (same_space_fpu)
        fpu_server(same_space_fpu_ep);
    server_loop(same_space_ep, echo, NULL);
}

/* The second thread's entry: aligns its stack like a call would. */
__asm__(".text\n.globl sas_thread_entry\nsas_thread_entry:\n"
        "  andq $-16, %rsp\n  call same_space_server\n  ud2\n");
void sas_thread_entry(void);
void same_space_server(void) __attribute__((used));

int main(uint64_t arg)
{
    if (arg >= 1 && arg <= 4)
        partner(arg);
    uint64_t size = arg & 0xffffffffffffull, off = arg >> 48;
    if (sys_map(4, RT_SLOT_SELF_PROCESS, BUNDLE_VA, CAP_R_READ).ret < 0)
        rt_panic("ipcbench: cannot map the bundle");
    const void *bundle = (const void *)(BUNDLE_VA + off);

    overhead = measure_overhead();
    uint64_t null_cost, xas, sas, ntfn, ntfn_sw;
    MEASURE(null_cost, sys_null());

    /* xas: an echo server in another process. */
    uint64_t xas_ep = new_slot();
    sys_create(CAP_ENDPOINT, xas_ep, 0);
    struct spawn_caps srv_caps[] = { { xas_ep, 3, CAP_R_READ } };
    struct spawn_args a = { .bundle = bundle, .bundle_size = size, .name = "ipcbench", .quota = 1 << 20,
                            .priority = 50, .arg = 1, .caps = srv_caps, .ncaps = 1 };
    struct spawned s1;
    if (spawn(&a, &s1) < 0)
        rt_panic("ipcbench: cannot start the partner process");
    MEASURE(xas, call_ep(xas_ep));

    /* sas: the same server as a second thread of this process. */
    same_space_ep = new_slot();
    uint64_t sas_thread = new_slot();
    sys_create(CAP_ENDPOINT, same_space_ep, 0);
    if (sys_thread_create(RT_SLOT_SELF_PROCESS, sas_thread, (uint64_t)sas_thread_entry,
                          (uint64_t)(thread_stack + sizeof thread_stack), 0, 50).ret < 0 ||
        sys_thread_ctl(sas_thread, SYS_THREAD_START, 0).ret < 0)
        rt_panic("ipcbench: cannot start the second thread");
    MEASURE(sas, call_ep(same_space_ep));

    /* ntfn: ping (the partner waits), pong (we wait). */
    uint64_t ping = new_slot(), pong = new_slot();
    sys_create(CAP_NOTIFICATION, ping, 0);
    sys_create(CAP_NOTIFICATION, pong, 0);
    struct spawn_caps n_caps[] = { { ping, 3, CAP_R_READ }, { pong, 4, CAP_R_WRITE } };
    a.arg = 2;
    a.caps = n_caps;
    a.ncaps = 2;
    struct spawned s2;
    if (spawn(&a, &s2) < 0)
        rt_panic("ipcbench: cannot start the notification partner");
    MEASURE(ntfn, (sys_signal(ping, 1), sys_wait(pong, 0)));

    /* ntfn_sw: the same with signal_wait, a new partner and pair. */
    uint64_t ping_sw = new_slot(), pong_sw = new_slot();
    sys_create(CAP_NOTIFICATION, ping_sw, 0);
    sys_create(CAP_NOTIFICATION, pong_sw, 0);
    struct spawn_caps sw_caps[] = { { ping_sw, 3, CAP_R_READ }, { pong_sw, 4, CAP_R_WRITE } };
    a.arg = 4;
    a.caps = sw_caps;
    struct spawned s4;
    if (spawn(&a, &s4) < 0)
        rt_panic("ipcbench: cannot start the signal_wait partner");
    MEASURE(ntfn_sw, sys_signal_wait(ping_sw, 1, pong_sw, 0));

    /* xas_fpu: an SSE-touching echo server in another process. */
    uint64_t xas_fpu, sas_fpu, fpu_ep = new_slot();
    sys_create(CAP_ENDPOINT, fpu_ep, 0);
    struct spawn_caps fpu_caps[] = { { fpu_ep, 3, CAP_R_READ } };
    a.arg = 3;
    a.caps = fpu_caps;
    a.ncaps = 1;
    struct spawned s3;
    if (spawn(&a, &s3) < 0)
        rt_panic("ipcbench: cannot start the FPU partner");
    uint64_t n = 0;
    MEASURE(xas_fpu, call_ep_fpu(fpu_ep, n++));

    /* sas_fpu: a second SSE-touching thread of this process. */
    same_space_fpu_ep = new_slot();
    uint64_t fpu_thread = new_slot();
    sys_create(CAP_ENDPOINT, same_space_fpu_ep, 0);
    same_space_fpu = 1;
    if (sys_thread_create(RT_SLOT_SELF_PROCESS, fpu_thread, (uint64_t)sas_thread_entry,
                          (uint64_t)(thread_stack2 + sizeof thread_stack2), 0, 50).ret < 0 ||
        sys_thread_ctl(fpu_thread, SYS_THREAD_START, 0).ret < 0)
        rt_panic("ipcbench: cannot start the FPU thread");
    MEASURE(sas_fpu, call_ep_fpu(same_space_fpu_ep, n++));

    printf("bench: overhead=%llu null=%llu xas_call_reply=%llu sas_call_reply=%llu notify=%llu "
           "notify_sw=%llu xas_fpu=%llu sas_fpu=%llu rounds=%d",
           (unsigned long long)overhead, (unsigned long long)null_cost, (unsigned long long)xas,
           (unsigned long long)sas, (unsigned long long)ntfn, (unsigned long long)ntfn_sw,
           (unsigned long long)xas_fpu, (unsigned long long)sas_fpu, ROUNDS);
    sys_poweroff(3, 0);
    return 0;
}
