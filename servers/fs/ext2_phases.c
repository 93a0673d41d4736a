/* The write phases of the file server's cache (bcache.h) for an ext2 file
 * system: which 4 KiB units of the device hold the superblock and group
 * descriptors (phase 2) and the inode tables (phase 1); everything else
 * (data, directories, indirect blocks, bitmaps) is phase 0. Pure: used by
 * fssrv and by the crash-ordering test (tests/unit/test_fs_crash.c). */
#include "ext2_internal.h"

/* Raises units [from, to) (bytes) of map to phase p. */
static void mark(uint8_t *map, uint64_t units, uint64_t from, uint64_t to, unsigned p)
{
    for (uint64_t u = from / EXT2_PHASE_UNIT; u * EXT2_PHASE_UNIT < to && u < units; u++) {
        unsigned shift = 2 * (u % 4), cur = (map[u / 4] >> shift) & 3u;
        if (p > cur)
            map[u / 4] = (uint8_t)((map[u / 4] & ~(3u << shift)) | (p << shift));
    }
}

int ext2_phase_map(struct ext2_fs *fs, uint8_t *map, uint64_t units)
{
    uint64_t bs = fs->block_size;
    mark(map, units, 1024, 2048, 2);
    mark(map, units, fs->gdt_offset, fs->gdt_offset + (uint64_t)fs->gdt_blocks * bs, 2);
    for (uint32_t g = 0; g < fs->group_count; g++) {
        struct ext2_group d;
        int rc = ext2_read_group(fs, g, &d);
        if (rc)
            return rc;
        mark(map, units, d.inode_table * bs, (d.inode_table + (uint64_t)fs->inode_table_blocks) * bs, 1);
    }
    return 0;
}

unsigned ext2_phase_of(const uint8_t *map, uint64_t units, uint64_t u)
{
    if (u == 0)
        return 2;
    if (!map || u >= units)
        return 0;
    return (map[u / 4] >> (2 * (u % 4))) & 3u;
}

/* --- deferred frees ---------------------------------------------------------- */

size_t ext2_deferred_bytes(const struct ext2_fs *fs)
{
    return ((size_t)fs->blocks_count + 7) / 8 + 2 * (((size_t)fs->inodes_count + 8) / 8);
}

void ext2_deferred_init(struct ext2_deferred *d, struct ext2_fs *fs, uint8_t *mem)
{
    size_t b = ((size_t)fs->blocks_count + 7) / 8, i = ((size_t)fs->inodes_count + 8) / 8;
    *d = (struct ext2_deferred){ .blocks = mem, .inodes = mem + b, .dirs = mem + b + i,
                                 .nblocks = fs->blocks_count, .ninodes = fs->inodes_count };
    __builtin_memset(mem, 0, b + 2 * i);
    fs->defer_free = ext2_deferred_add;
    fs->defer_ctx = d;
}

int ext2_deferred_add(void *ctx, unsigned what, uint32_t n)
{
    struct ext2_deferred *d = ctx;
    uint8_t *map = what == EXT2_DEFER_BLOCK ? d->blocks : d->inodes;
    uint32_t limit = what == EXT2_DEFER_BLOCK ? d->nblocks : d->ninodes + 1;
    if (n >= limit || (map[n / 8] & (1u << (n % 8))))
        return -1;      /* not ours to keep: the caller frees it at once (and sees the error) */
    map[n / 8] |= (uint8_t)(1u << (n % 8));
    if (what == EXT2_DEFER_DIR)
        d->dirs[n / 8] |= (uint8_t)(1u << (n % 8));
    d->count++;
    return 0;
}

int ext2_deferred_release(struct ext2_fs *fs, struct ext2_deferred *d)
{
    int first_err = 0;
    for (uint32_t w = 0; d->count && w < (d->nblocks + 7) / 8; w++)
        for (uint32_t b = 0; d->blocks[w] && b < 8; b++)
            if (d->blocks[w] & (1u << b)) {
                d->blocks[w] &= (uint8_t)~(1u << b);
                d->count--;
                int rc = ext2_release(fs, EXT2_DEFER_BLOCK, w * 8 + b);
                first_err = first_err ? first_err : rc;
            }
    for (uint32_t w = 0; d->count && w < (d->ninodes + 8) / 8; w++)
        for (uint32_t b = 0; d->inodes[w] && b < 8; b++)
            if (d->inodes[w] & (1u << b)) {
                bool dir = d->dirs[w] & (1u << b);
                d->inodes[w] &= (uint8_t)~(1u << b);
                d->dirs[w] &= (uint8_t)~(1u << b);
                d->count--;
                int rc = ext2_release(fs, dir ? EXT2_DEFER_DIR : EXT2_DEFER_INODE, w * 8 + b);
                first_err = first_err ? first_err : rc;
            }
    return first_err;
}
