/* The demo pair: one program, two roles. arg 0: a server that answers
 * each call on its endpoint (slot 3) with MR0 + 1. arg 1: a client that
 * calls it a few times, measures round trips, and exits. */
#include "runtime.h"

#define EP 3

static int handle(struct msg *m, void *ctx)
{
    (void)ctx;
    m->mr[1] = m->badge;    /* tell the client who we think called */
    m->mr[0] += 1;
    m->tag = TAG(0, 2, 0);
    return SERVER_REPLY;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

int main(uint64_t role)
{
    if (role == 0) {
        printf("demo server: answering calls on slot %d", EP);
        server_loop(EP, handle, NULL);
    }
    struct msg m = { .tag = TAG(0, 1, 0), .mr = { 41 } };
    for (int i = 0; i < 3; i++) {
        uint64_t sent = m.mr[0];
        long rc = ipc_call(EP, &m);
        printf("demo client: sent %llu, got %llu back (rc %ld; the server saw badge %#llx)",
               (unsigned long long)sent, (unsigned long long)m.mr[0], rc, (unsigned long long)m.mr[1]);
        m.tag = TAG(0, 1, 0);
    }
    const int rounds = 1000;
    uint64_t t0 = rdtsc();
    for (int i = 0; i < rounds; i++) {
        m.tag = TAG(0, 1, 0);
        ipc_call(EP, &m);
    }
    uint64_t t1 = rdtsc();
    printf("demo client: %d calls, %llu TSC cycles per round trip; done", rounds,
           (unsigned long long)((t1 - t0) / rounds));
    return 0;
}
