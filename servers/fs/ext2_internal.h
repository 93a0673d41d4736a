/* Shared by the ext2 core's files (ext2_super.c, ext2_inode.c,
 * ext2_dir.c); not for its users. */
#ifndef EXT2_INTERNAL_H
#define EXT2_INTERNAL_H

#include "ext2.h"

#define EXT2_SUPER_OFFSET 1024u
#define EXT2_SUPER_SIZE   1024u
#define EXT2_DESC_SIZE    32u

/* No libc: the compiler's builtins (calls to memcpy/memset/memcmp, which
 * both the host and the user runtime provide). */
#define ext2_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define ext2_memset(d, c, n) __builtin_memset((d), (c), (n))
#define ext2_memcmp(a, b, n) __builtin_memcmp((a), (b), (n))

static inline uint16_t ext2_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t ext2_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Sets fs->reason from fmt, which knows %s, %u and %x (unsigned), %llu
 * (unsigned long long) and nothing else; returns err, so a failure is
 * `return ext2_fail(fs, EXT2_ECORRUPT, "...", ...);`. */
int ext2_fail(struct ext2_fs *fs, int err, const char *fmt, ...);

/* Reads len bytes at byte offset of the device, refusing a range past its
 * end (EXT2_ECORRUPT, naming what) and turning a device error into
 * EXT2_EIO. what names the structure for the reason ("inode 12"). */
int ext2_dev_read(struct ext2_fs *fs, uint64_t offset, void *buf, uint32_t len, const char *what);

/* True if block is a block of the file system past the boot area. */
static inline bool ext2_block_valid(const struct ext2_fs *fs, uint32_t block)
{
    return block >= fs->first_data_block && block < fs->blocks_count;
}

/* A group descriptor's blocks. */
struct ext2_group {
    uint32_t block_bitmap, inode_bitmap, inode_table;
};

/* Reads group descriptor group and checks that its bitmaps and whole
 * inode table lie inside the file system. */
int ext2_read_group(struct ext2_fs *fs, uint32_t group, struct ext2_group *out);

#endif
