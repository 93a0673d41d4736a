/* IPC ping-pong between two processes inside a Linux guest, the Linux side
 * of `make bench-ipc`. For each mechanism (pipe, eventfd, futex, UNIX
 * socket) the parent times every round trip on its own with rdtsc and
 * prints the median of ROUNDS after WARMUP, minus the cost of two
 * back-to-back rdtsc (the same subtraction pvkernel's ipcbench makes).
 * Under QEMU -icount shift=0 the numbers are guest instructions.
 * Built static on the host by scripts/bench-ipc and run from the initramfs
 * scripts/linux-guest builds. Output: one line
 *   LINUX-BENCH pipe=N eventfd=N futex=N unix=N rounds=R */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 10000
#define WARMUP 1000

static uint64_t samples[ROUNDS];

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t median(void)
{
    qsort(samples, ROUNDS, sizeof samples[0], cmp_u64);
    return samples[ROUNDS / 2];
}

static uint64_t overhead;

/* One mechanism: ping() sends to the child and waits for its answer;
 * pong() (in the child) waits and answers, forever. */
struct mech {
    const char *name;
    void (*setup)(void);
    void (*ping)(void);
    void (*pong)(void);
};

static int p2c[2], c2p[2];
static int efd_ping, efd_pong;
static int sock[2];
static volatile uint32_t *fx;   /* fx[0]: ping word, fx[1]: pong word (shared) */

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void xread(int fd, void *buf, size_t n)
{
    if (read(fd, buf, n) != (ssize_t)n)
        die("read");
}

static void xwrite(int fd, const void *buf, size_t n)
{
    if (write(fd, buf, n) != (ssize_t)n)
        die("write");
}

static void pipe_setup(void) { if (pipe(p2c) || pipe(c2p)) die("pipe"); }
static void pipe_ping(void) { char b = 1; xwrite(p2c[1], &b, 1); xread(c2p[0], &b, 1); }
static void pipe_pong(void) { char b; for (;;) { xread(p2c[0], &b, 1); xwrite(c2p[1], &b, 1); } }

static void efd_setup(void)
{
    efd_ping = eventfd(0, 0);
    efd_pong = eventfd(0, 0);
    if (efd_ping < 0 || efd_pong < 0)
        die("eventfd");
}
static void efd_ping_fn(void) { uint64_t v = 1; xwrite(efd_ping, &v, 8); xread(efd_pong, &v, 8); }
static void efd_pong_fn(void) { uint64_t v; for (;;) { xread(efd_ping, &v, 8); v = 1; xwrite(efd_pong, &v, 8); } }

static long futex(volatile uint32_t *addr, int op, uint32_t val)
{
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static void fx_setup(void)
{
    fx = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (fx == MAP_FAILED)
        die("mmap");
    fx[0] = fx[1] = 0;
}
/* Each side flips a word to 1, wakes the other, and sleeps until its own
 * word is 1 again. */
static void fx_ping(void)
{
    __atomic_store_n(&fx[0], 1, __ATOMIC_SEQ_CST);
    futex(&fx[0], FUTEX_WAKE, 1);
    while (__atomic_load_n(&fx[1], __ATOMIC_SEQ_CST) == 0)
        futex(&fx[1], FUTEX_WAIT, 0);
    __atomic_store_n(&fx[1], 0, __ATOMIC_SEQ_CST);
}
static void fx_pong(void)
{
    for (;;) {
        while (__atomic_load_n(&fx[0], __ATOMIC_SEQ_CST) == 0)
            futex(&fx[0], FUTEX_WAIT, 0);
        __atomic_store_n(&fx[0], 0, __ATOMIC_SEQ_CST);
        __atomic_store_n(&fx[1], 1, __ATOMIC_SEQ_CST);
        futex(&fx[1], FUTEX_WAKE, 1);
    }
}

static void unix_setup(void) { if (socketpair(AF_UNIX, SOCK_STREAM, 0, sock)) die("socketpair"); }
static void unix_ping(void) { char b = 1; xwrite(sock[0], &b, 1); xread(sock[0], &b, 1); }
static void unix_pong(void) { char b; for (;;) { xread(sock[1], &b, 1); xwrite(sock[1], &b, 1); } }

static uint64_t run(const struct mech *m)
{
    m->setup();
    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        m->pong();
        _exit(0);
    }
    for (int i = 0; i < WARMUP + ROUNDS; i++) {
        uint64_t t0 = rdtsc();
        m->ping();
        uint64_t t1 = rdtsc();
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
    kill(child, 9);
    waitpid(child, NULL, 0);
    uint64_t med = median();
    return med > overhead ? med - overhead : 0;
}

int main(void)
{
    for (int i = 0; i < WARMUP + ROUNDS; i++) {
        uint64_t t0 = rdtsc();
        __asm__ volatile("" ::: "memory");
        uint64_t t1 = rdtsc();
        if (i >= WARMUP)
            samples[i - WARMUP] = t1 - t0;
    }
    overhead = median();
    const struct mech mechs[] = {
        { "pipe", pipe_setup, pipe_ping, pipe_pong },
        { "eventfd", efd_setup, efd_ping_fn, efd_pong_fn },
        { "futex", fx_setup, fx_ping, fx_pong },
        { "unix", unix_setup, unix_ping, unix_pong },
    };
    uint64_t result[4];
    for (int i = 0; i < 4; i++)
        result[i] = run(&mechs[i]);
    printf("LINUX-BENCH pipe=%llu eventfd=%llu futex=%llu unix=%llu rounds=%d overhead=%llu\n",
           (unsigned long long)result[0], (unsigned long long)result[1], (unsigned long long)result[2],
           (unsigned long long)result[3], ROUNDS, (unsigned long long)overhead);
    fflush(stdout);
    return 0;
}
