/* A block cache with write-back, pure (no IPC): the file server puts it
 * between the ext2 core (struct ext2_dev's byte-addressed reads and
 * writes) and the block device. Built into fssrv and into the host unit
 * tests (tests/unit/test_bcache.c) against a fake device.
 *
 * Units: the cache holds 4 KiB units at 4 KiB-aligned device offsets
 * (BC_UNIT), whatever the file system's block size; a read or write may
 * span units. The caller gives the memory (n units of data, n entries, a
 * hash table of a power of two >= n slots): nothing is allocated.
 *
 * Replacement: least recently used. A write makes its unit dirty; dirty
 * units go to the device only in bc_sync, which the caller runs on a
 * timer, for fsync and synchronous files, and which the cache runs itself
 * when the unit it must evict is dirty (so the device only ever sees whole
 * syncs, in order).
 *
 * Ordering (what a crash can leave): bc_sync writes the dirty units in
 * phases, the phase of a unit given by the caller's classify callback:
 * phase 0 (file data, directory and indirect blocks, bitmaps), then phase
 * 1 (inode tables), then phase 2 (superblock and group descriptors). In a
 * phase, units are written in device order, contiguous units merged into
 * one write of up to max_run units; each phase ends with a barrier (every
 * write completed, then the device's flush) before the next starts. So
 * blocks are filled and marked in use before an inode on the disk points
 * at them, and the free counts come last: a crash part way leaves what
 * e2fsck -p repairs (bitmap differences, counts). A failed write leaves
 * its units dirty and bc_sync returns the error. */
#ifndef BCACHE_H
#define BCACHE_H

#include <stdbool.h>
#include <stdint.h>

#define BC_UNIT 4096u
#define BC_PHASES 3u
#define BC_NONE 0xffffffffu

/* The device, as the cache needs it. */
struct bc_ops {
    void *ctx;
    /* Reads n units from unit first into buf (n * BC_UNIT bytes; past the
     * device's end the bytes are zeros). 0 or an error (< 0). */
    int (*read)(void *ctx, uint64_t first, uint32_t n, uint8_t *buf);
    /* Starts writing n consecutive units from first, unit i's bytes at
     * data[i] (the caller may copy them and return before the write
     * completes). 0 or an error. */
    int (*write)(void *ctx, uint64_t first, uint32_t n, const uint8_t *const *data);
    /* Waits for every write started; then makes them durable (the
     * device's flush). 0, or an error if any write or the flush failed. */
    int (*barrier)(void *ctx);
    /* The phase of unit u (0..BC_PHASES - 1). */
    unsigned (*classify)(void *ctx, uint64_t u);
    uint32_t max_run;           /* units merged into one write, >= 1 */
};

struct bc_entry {
    uint64_t unit;
    uint32_t prev, next;        /* LRU list (head: most recent) */
    uint32_t hnext;             /* hash chain */
    uint64_t seq;               /* when it became dirty (bc_sync_ordered's first-dirty order) */
    bool valid, dirty;
};

struct bcache {
    struct bc_ops ops;
    uint8_t *mem;               /* n * BC_UNIT */
    struct bc_entry *ent;
    uint32_t *hash;             /* nhash heads */
    uint32_t *scratch;          /* n indexes (sorting in bc_sync) */
    uint32_t n, nhash;
    uint32_t head, tail;        /* LRU ends */
    uint32_t ndirty;
    uint64_t seq;               /* dirtying counter */
    uint64_t dev_units;         /* units the device has (the last may be partial) */
    uint8_t *ra_buf;            /* read-ahead: ra_units units of scratch (NULL: none) */
    uint32_t ra_units;
    /* Counters. */
    uint64_t hits, misses, writes, syncs, evict_syncs, runs, readaheads;
};

/* Sets the cache up over the caller's memory: mem (n units), ent (n),
 * hash (nhash, a power of two >= n), scratch (n). dev_bytes: the device's
 * size. */
void bc_init(struct bcache *c, const struct bc_ops *ops, uint8_t *mem, struct bc_entry *ent, uint32_t n,
             uint32_t *hash, uint32_t nhash, uint32_t *scratch, uint64_t dev_bytes);
/* Read-ahead: a miss reads up to units units from there (those not
 * cached, stopping at the first cached one or the device's end) with one
 * device read through buf (units * BC_UNIT bytes, the caller's), and
 * caches them all. units <= 1: none. */
void bc_set_readahead(struct bcache *c, uint8_t *buf, uint32_t units);
/* Reads len bytes at device offset off through the cache (misses are read
 * from the device, whole units). 0 or the device's error. */
int bc_read(struct bcache *c, uint64_t off, void *buf, uint32_t len);
/* Writes len bytes at off into the cache (dirty; a partial unit not cached
 * is read first). 0 or an error (of a read, or of the sync an eviction
 * needed). */
int bc_write(struct bcache *c, uint64_t off, const void *buf, uint32_t len);
/* Writes every dirty unit (phases, device order, merged runs, a barrier
 * after each phase). 0 once all of it is durable, else the first error
 * (the units not written stay dirty). */
int bc_sync(struct bcache *c);
/* bc_sync with the phases in order[] (a permutation of 0..BC_PHASES - 1)
 * and, with by_first_dirty, the units of a phase in the order they became
 * dirty rather than device order (no merging then). The file server uses
 * it after a name is removed or moved: inode tables first, then the
 * directory blocks in the order the core changed them. */
int bc_sync_ordered(struct bcache *c, const uint8_t order[BC_PHASES], bool by_first_dirty);
/* The cached bytes of unit u, or NULL if it is not cached (no I/O; the
 * LRU order is not touched). */
const uint8_t *bc_peek(const struct bcache *c, uint64_t u);

#endif
