/* Shared by the ext2 core's files; not for its users. */
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

/* --- writing (ext2_alloc.c) ------------------------------------------------ */

#define EXT2_NDIR_BLOCKS 12u
#define EXT2_INDEX_FL    0x00001000u   /* htree directory */

static inline void ext2_put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void ext2_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* EXT2_EROFS unless the mount may write (known features, a write callback). */
int ext2_check_writable(struct ext2_fs *fs);
/* Writes len bytes at offset, refusing a range past the file system
 * (EXT2_ECORRUPT) and turning a device error into EXT2_EIO. */
int ext2_dev_write(struct ext2_fs *fs, uint64_t offset, const void *buf, uint32_t len, const char *what);
/* Writes zeros over block (inside the file system). */
int ext2_zero_block(struct ext2_fs *fs, uint32_t block);
/* True if block (in the file system) is a superblock or descriptor copy
 * (with the resize reserve), a bitmap or an inode table block of its
 * group, desc being that group's descriptor. */
bool ext2_block_is_meta(const struct ext2_fs *fs, uint32_t block, const struct ext2_group *desc);
/* Checks that block may hold data of inode: inside the file system, not
 * group metadata, marked in use. */
int ext2_check_data_block(struct ext2_fs *fs, uint32_t ino, uint32_t block);

/* A free block, marked used, counted, zeroed: the first free one from
 * group goal on. EXT2_ENOSPC when none; EXT2_ECORRUPT if the bitmap
 * offers a metadata block. */
int ext2_alloc_block(struct ext2_fs *fs, uint32_t goal, uint32_t *block);
/* Marks block free and counts it (EXT2_ECORRUPT if it is not in use or is
 * metadata). */
int ext2_free_block(struct ext2_fs *fs, uint32_t block);
/* A free inode (from group goal on, never below first_ino), marked used
 * and counted (used_dirs too if dir). Its record must be unused (no
 * links), else EXT2_ECORRUPT. */
int ext2_alloc_inode(struct ext2_fs *fs, uint32_t goal, bool dir, uint32_t *ino);
int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool dir);
/* The group of inode ino (ino valid). */
static inline uint32_t ext2_inode_group(const struct ext2_fs *fs, uint32_t ino)
{
    return (ino - 1) / fs->inodes_per_group;
}

/* Writes inode's fields back into its record (other bytes kept); fresh
 * zeroes the whole record first (a new inode). */
int ext2_write_inode(struct ext2_fs *fs, const struct ext2_inode *inode, bool fresh);

/* --- the block map for writing (ext2_file.c) ---------------------------------- */

/* Like ext2_bmap, but a hole (and missing indirect blocks) at lblk is
 * allocated (zeroed, counted in inode->blocks_512; the inode is changed in
 * memory only, the caller writes it). */
int ext2_bmap_alloc(struct ext2_fs *fs, struct ext2_inode *inode, uint32_t lblk, uint32_t *pblk);
/* Frees every block of inode from logical block keep on (indirect
 * blocks that end up empty too); in memory, the caller writes the inode.
 * Inodes without a block map (fast symlinks, devices) are left alone. */
int ext2_free_blocks_from(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t keep);

/* --- directory entries (ext2_dir.c, ext2_dirops.c) ------------------------------ */

/* The next entry of it, used or not: 1 with out (name read if used),
 * *rec_len and *at (its byte offset in the directory), 0 at the end. */
int ext2_dir_next(struct ext2_fs *fs, struct ext2_dir_iter *it, struct ext2_dirent *out, uint32_t *rec_len,
                  uint64_t *at);
/* The on-disk type byte for an inode type (0 without FILETYPE). */
uint8_t ext2_dir_ftype(const struct ext2_fs *fs, enum ext2_type type);
/* Checks a new name (see ext2.h). */
int ext2_check_name(struct ext2_fs *fs, const char *name, uint32_t len);
/* Adds name -> ino (type type) to directory dir; EXT2_EEXIST if there. */
int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t len, uint32_t ino,
                 enum ext2_type type);
/* Removes name from dir; *ino gets the inode it named. */
int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t len, uint32_t *ino);
/* Points the existing entry name of dir at ino (type type). */
int ext2_dir_set(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t len, uint32_t ino,
                 enum ext2_type type);
/* 1 if directory dir holds only "." and "..", 0 if not, or an error. */
int ext2_dir_empty(struct ext2_fs *fs, const struct ext2_inode *dir);

#endif
