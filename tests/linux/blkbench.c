/* Disk benchmark inside a Linux guest, the Linux side of `make bench-blk`.
 * Opens a block device (default /dev/vda, a virtio-blk-pci disk) with
 * O_DIRECT, so the guest's page cache plays no part, and measures:
 *   seq_write_mbps    SEQ_MIB MiB written in 1 MiB requests, front to back
 *                     over the whole device and around again as often as it
 *                     takes (8 passes of a 64 MiB disk by default), then
 *                     fdatasync (included in the time);
 *   seq_read_mbps     SEQ_MIB MiB read back the same way;
 *   rand4k_qd1_iops   QD1_COUNT 4 KiB reads at random 4 KiB-aligned offsets,
 *                     one at a time (pread);
 *   rand4k_qd32_iops  QD32_COUNT such reads kept 32 in flight with Linux
 *                     native AIO (raw io_setup/io_submit/io_getevents, no
 *                     libaio).
 * MB = 1,000,000 bytes. Offsets come from xorshift64* seeded with SEED, so
 * every run reads the same blocks. Every 4 KiB block written carries its block
 * number in its first 8 bytes and every read checks it, so a driver that
 * returns the wrong data fails instead of looking fast. Timed with
 * clock_gettime(CLOCK_MONOTONIC).
 * Built static on the host by scripts/bench-blk and run from the initramfs
 * scripts/linux-guest builds. Usage:
 *   blkbench [--seq-mib N] [--qd1 N] [--qd32 N] [DEVICE]
 * Output: a line "blkbench: device ..." with the sizes and counts, then
 *   blkbench: seq_write_mbps=N seq_read_mbps=N rand4k_qd1_iops=N rand4k_qd32_iops=N
 * Exit status 0, or 1 on any error (wrong data included). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SEQ_CHUNK (1u << 20)
#define BLOCK 4096u
#define QD 32
#define SEED 0x5eed0b1c0ffee123ull
#define SEQ_MIB 512
#define QD1_COUNT 20000
#define QD32_COUNT 100000

static uint64_t rng = SEED;

static uint64_t xorshift64s(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "blkbench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *aligned(size_t n)
{
    void *p;
    if (posix_memalign(&p, BLOCK, n) != 0)
        die("posix_memalign");
    return p;
}

static void check_block(const unsigned char *buf, uint64_t blockno, const char *phase)
{
    uint64_t got;
    memcpy(&got, buf, sizeof got);
    if (got != blockno) {
        fprintf(stderr, "blkbench: %s: block %llu holds the stamp of block %llu\n", phase,
                (unsigned long long)blockno, (unsigned long long)got);
        exit(1);
    }
}

static uint64_t random_block(uint64_t nblocks)
{
    return xorshift64s() % nblocks;
}

static long aio(long nr, long a, long b, long c, long d, long e)
{
    return syscall(nr, a, b, c, d, e);
}

int main(int argc, char **argv)
{
    const char *dev = "/dev/vda";
    long seq_mib = SEQ_MIB, qd1_count = QD1_COUNT, qd32_count = QD32_COUNT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seq-mib") && i + 1 < argc)
            seq_mib = atol(argv[++i]);
        else if (!strcmp(argv[i], "--qd1") && i + 1 < argc)
            qd1_count = atol(argv[++i]);
        else if (!strcmp(argv[i], "--qd32") && i + 1 < argc)
            qd32_count = atol(argv[++i]);
        else if (argv[i][0] != '-')
            dev = argv[i];
        else {
            fprintf(stderr, "usage: blkbench [--seq-mib N] [--qd1 N] [--qd32 N] [DEVICE]\n");
            return 1;
        }
    }
    if (seq_mib <= 0 || qd1_count <= 0 || qd32_count < QD) {
        fprintf(stderr, "blkbench: --seq-mib and --qd1 must be > 0, --qd32 >= %d\n", QD);
        return 1;
    }

    int fd = open(dev, O_RDWR | O_DIRECT);
    if (fd < 0)
        die(dev);
    uint64_t size;
    struct stat st;
    if (fstat(fd, &st) != 0)
        die("fstat");
    if (S_ISREG(st.st_mode))            /* a plain file: for trying it out on the host */
        size = st.st_size;
    else if (ioctl(fd, BLKGETSIZE64, &size) != 0)
        die("BLKGETSIZE64");
    size -= size % SEQ_CHUNK;
    if (size == 0) {
        fprintf(stderr, "blkbench: %s is smaller than 1 MiB\n", dev);
        return 1;
    }
    uint64_t nblocks = size / BLOCK;
    uint64_t seq_bytes = (uint64_t)seq_mib << 20;
    printf("blkbench: device %s, region %llu MiB, %ld MiB each way in 1 MiB requests, %ld QD1 and "
           "%ld QD%d random 4 KiB reads, O_DIRECT\n", dev, (unsigned long long)(size >> 20), seq_mib,
           qd1_count, qd32_count, QD);
    fflush(stdout);

    /* Sequential write: pseudo-random bytes, each block stamped with its number. */
    unsigned char *chunk = aligned(SEQ_CHUNK);
    for (size_t i = 0; i < SEQ_CHUNK; i += 8) {
        uint64_t v = xorshift64s();
        memcpy(chunk + i, &v, 8);
    }
    double t0 = now();
    for (uint64_t pos = 0; pos < seq_bytes; pos += SEQ_CHUNK) {
        uint64_t off = pos % size;
        for (uint64_t b = 0; b < SEQ_CHUNK / BLOCK; b++) {
            uint64_t blockno = off / BLOCK + b;
            memcpy(chunk + b * BLOCK, &blockno, sizeof blockno);
        }
        if (pwrite(fd, chunk, SEQ_CHUNK, off) != (ssize_t)SEQ_CHUNK)
            die("sequential write");
    }
    if (fdatasync(fd) != 0)
        die("fdatasync");
    double seq_write = seq_bytes / (now() - t0) / 1e6;

    /* Sequential read, every block's stamp checked. */
    t0 = now();
    for (uint64_t pos = 0; pos < seq_bytes; pos += SEQ_CHUNK) {
        uint64_t off = pos % size;
        if (pread(fd, chunk, SEQ_CHUNK, off) != (ssize_t)SEQ_CHUNK)
            die("sequential read");
        for (uint64_t b = 0; b < SEQ_CHUNK / BLOCK; b++)
            check_block(chunk + b * BLOCK, off / BLOCK + b, "sequential read");
    }
    double seq_read = seq_bytes / (now() - t0) / 1e6;

    /* Random 4 KiB reads, one at a time. */
    rng = SEED;
    unsigned char *blk = aligned(BLOCK);
    t0 = now();
    for (long i = 0; i < qd1_count; i++) {
        uint64_t b = random_block(nblocks);
        if (pread(fd, blk, BLOCK, b * BLOCK) != (ssize_t)BLOCK)
            die("random read (QD1)");
        check_block(blk, b, "random read (QD1)");
    }
    double qd1 = qd1_count / (now() - t0);

    /* Random 4 KiB reads, 32 in flight (native AIO). */
    aio_context_t ctx = 0;
    if (aio(SYS_io_setup, QD, (long)&ctx, 0, 0, 0) != 0)
        die("io_setup");
    unsigned char *bufs = aligned((size_t)QD * BLOCK);
    struct iocb cbs[QD], *cbp[QD];
    uint64_t want[QD];
    struct io_event ev[QD];
    long submitted = 0, done = 0;
    rng = SEED ^ 0x32;
    memset(cbs, 0, sizeof cbs);
    for (int i = 0; i < QD; i++) {
        cbs[i].aio_lio_opcode = IOCB_CMD_PREAD;
        cbs[i].aio_fildes = fd;
        cbs[i].aio_buf = (uint64_t)(uintptr_t)(bufs + (size_t)i * BLOCK);
        cbs[i].aio_nbytes = BLOCK;
        cbs[i].aio_data = i;
    }
    t0 = now();
    for (int i = 0; i < QD; i++) {
        want[i] = random_block(nblocks);
        cbs[i].aio_offset = want[i] * BLOCK;
        cbp[i] = &cbs[i];
    }
    if (aio(SYS_io_submit, ctx, QD, (long)cbp, 0, 0) != QD)
        die("io_submit");
    submitted = QD;
    while (done < qd32_count) {
        long n = aio(SYS_io_getevents, ctx, 1, QD, (long)ev, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("io_getevents");
        }
        int nre = 0;
        for (long j = 0; j < n; j++) {
            int i = (int)ev[j].data;
            if (ev[j].res != (long long)BLOCK) {
                errno = ev[j].res < 0 ? (int)-ev[j].res : EIO;
                die("random read (QD32)");
            }
            check_block(bufs + (size_t)i * BLOCK, want[i], "random read (QD32)");
            done++;
            if (submitted < qd32_count) {
                want[i] = random_block(nblocks);
                cbs[i].aio_offset = want[i] * BLOCK;
                cbp[nre++] = &cbs[i];
                submitted++;
            }
        }
        if (nre && aio(SYS_io_submit, ctx, nre, (long)cbp, 0, 0) != nre)
            die("io_submit");
    }
    double qd32 = qd32_count / (now() - t0);
    aio(SYS_io_destroy, ctx, 0, 0, 0, 0);
    close(fd);

    printf("blkbench: seq_write_mbps=%.1f seq_read_mbps=%.1f rand4k_qd1_iops=%.0f rand4k_qd32_iops=%.0f\n",
           seq_write, seq_read, qd1, qd32);
    return 0;
}
