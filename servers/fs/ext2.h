/* The pure core of the ext2 file server: mount (superblock and group
 * descriptors checked), inodes, the block map, file reads, directories and
 * path resolution, and overwrites of file data. It sees the disk through struct
 * ext2_dev, so the same files build freestanding into the file server and
 * on the host for the unit tests and the fuzzer.
 *
 * Trust: nothing on the image is trusted. Every block number is checked
 * against the block count before it is read, every read against the
 * device size, every directory entry against its block; a bad structure
 * is an error (EXT2_ECORRUPT, EXT2_EBADSUPER, ...) with a sentence in
 * fs->reason naming what is wrong, never a read out of bounds.
 *
 * Resources: no allocation; the state is the caller's struct ext2_fs and
 * the structures it passes in. No recursion; every loop is bounded by a
 * size the mount checked (the block map by its depth, three).
 *
 * Writing: file data (ext2_write, extending and filling holes), truncate,
 * create, mkdir, unlink, rmdir, rename; blocks and inodes come from the
 * bitmaps (first fit, the parent's or inode's group first), with the free
 * counts of the descriptors and superblock kept right. Times written are
 * fs->now, which the caller sets after ext2_mount. See ext2_alloc.c for
 * the consistency rules.
 * Not supported: extents, 64-bit block numbers, journals, htree lookups
 * (an indexed directory is read linearly, which ext2 allows). */
#ifndef EXT2_H
#define EXT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The block device: byte-addressed reads and writes of at most a block;
 * 0 on success, anything else is an I/O error. write may be NULL (the
 * file system is then read-only). */
struct ext2_dev {
    void *ctx;
    uint64_t bytes;
    int (*read)(void *ctx, uint64_t offset, void *buf, uint32_t len);
    int (*write)(void *ctx, uint64_t offset, const void *buf, uint32_t len);
};

/* Results: 0 or a negative code; ext2_error_name() gives a short static
 * string for each, ext2_reason() the sentence of the last failure. */
enum {
    EXT2_OK = 0,
    EXT2_EIO = -1,            /* the device's read failed */
    EXT2_EBADSUPER = -2,      /* the superblock is invalid or does not fit the device */
    EXT2_EUNSUPPORTED = -3,   /* a feature this code does not implement */
    EXT2_ECORRUPT = -4,       /* inconsistent metadata past the superblock */
    EXT2_ENOENT = -5,         /* no such name, or the inode is free */
    EXT2_ENOTDIR = -6,        /* a directory was needed */
    EXT2_EISDIR = -7,         /* a file was needed */
    EXT2_EINVAL = -8,         /* a bad argument (inode number, path, buffer) */
    EXT2_ENAMETOOLONG = -9,   /* a name over 255 bytes or a path too deep or long */
    EXT2_ERANGE = -10,        /* an offset past what the block map can address */
    EXT2_EROFS = -11,         /* a write to a read-only mount or a device without write */
    EXT2_ENOSPC = -12,        /* no free block or inode */
    EXT2_EEXIST = -13,        /* the name is already in the directory */
    EXT2_ENOTEMPTY = -14,     /* rmdir or a rename over a directory with entries */
    EXT2_EMLINK = -15,        /* a link count would pass EXT2_LINK_MAX */
    EXT2_ERR_LAST = EXT2_EMLINK,
};

#define EXT2_ROOT_INO      2u
#define EXT2_NAME_MAX      255u
#define EXT2_PATH_MAX      4096u   /* bytes in a path, without the NUL */
#define EXT2_PATH_DEPTH    64u     /* components in a path */
#define EXT2_REASON_MAX    160u
#define EXT2_N_BLOCKS      15u     /* 12 direct, single, double, triple indirect */
#define EXT2_LINK_MAX      32000u  /* the most links an inode may have */

/* Superblock feature bits this code knows (see ext2_super.c for policy). */
#define EXT2_FEATURE_INCOMPAT_FILETYPE     0x0002u
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001u
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE  0x0002u

enum ext2_type {
    EXT2_TYPE_UNKNOWN = 0,
    EXT2_TYPE_REG,
    EXT2_TYPE_DIR,
    EXT2_TYPE_CHR,
    EXT2_TYPE_BLK,
    EXT2_TYPE_FIFO,
    EXT2_TYPE_SOCK,
    EXT2_TYPE_SYMLINK,
};

/* A mounted file system. Fill nothing: ext2_mount does. */
struct ext2_fs {
    struct ext2_dev dev;
    uint32_t block_size;          /* 1024, 2048 or 4096 */
    uint32_t ptrs_per_block;      /* block_size / 4 */
    uint32_t blocks_count;
    uint32_t inodes_count;
    uint32_t first_data_block;
    uint32_t blocks_per_group;
    uint32_t inodes_per_group;
    uint32_t group_count;
    uint32_t inode_size;
    uint32_t inode_table_blocks;  /* per group */
    uint32_t rev_level;
    uint32_t feature_compat, feature_incompat, feature_ro_compat;
    uint64_t gdt_offset;          /* byte offset of the group descriptor table */
    uint32_t gdt_blocks;          /* its length in blocks */
    uint32_t reserved_gdt_blocks; /* after it, for growing (resize_inode) */
    uint32_t first_ino;           /* the first inode that is not reserved */
    bool read_only;               /* unknown RO_COMPAT features */
    uint32_t now;                 /* the caller's clock (seconds): the times writes set */
    /* Optional (NULL: frees clear the bitmaps at once). When set, a block
     * or inode being freed is offered to it first (what: EXT2_DEFER_*); if
     * it returns 0 the bitmap bit and the free counts stay as they are
     * until the caller frees it for real with ext2_release(). The file
     * server does that after the sync that made the change durable, so
     * nothing freed is reused while the disk may still point to it. */
    int (*defer_free)(void *ctx, unsigned what, uint32_t n);
    void *defer_ctx;
    char reason[EXT2_REASON_MAX]; /* the last failure, NUL-terminated */
};

/* An inode as read from the table (little-endian decoded). */
struct ext2_inode {
    uint32_t ino;
    uint16_t mode;                /* type bits and permissions */
    enum ext2_type type;
    uint16_t links;
    uint32_t uid, gid;            /* with the Linux high halves */
    uint64_t size;                /* with i_size_high for regular files when LARGE_FILE */
    uint32_t atime, ctime, mtime, dtime;
    uint32_t blocks_512;          /* i_blocks: 512-byte units */
    uint32_t flags;
    uint32_t file_acl;
    uint32_t block[EXT2_N_BLOCKS];
};

/* What stat reports. */
struct ext2_stat {
    uint32_t ino;
    enum ext2_type type;
    uint16_t mode;
    uint16_t links;
    uint32_t uid, gid;
    uint64_t size;
    uint32_t atime, ctime, mtime;
    uint64_t blocks_512;
};

/* One directory entry; name is NUL-terminated. */
struct ext2_dirent {
    uint32_t ino;
    uint8_t file_type;            /* the on-disk type byte (0 without FILETYPE) */
    uint8_t name_len;
    char name[EXT2_NAME_MAX + 1];
};

/* A position in a directory, for ext2_readdir. */
struct ext2_dir_iter {
    struct ext2_inode dir;
    uint64_t pos;                 /* byte offset of the next entry */
    uint32_t lblk, pblk;          /* the block last mapped (valid if mapped) */
    bool mapped;
    int sticky;                   /* the error once one was returned */
};

/* --- errors ------------------------------------------------------------- */

/* A short static name for a result ("corrupt metadata"); never NULL. */
const char *ext2_error_name(int err);
/* The sentence that explains the last failure of fs ("" if none). */
const char *ext2_reason(const struct ext2_fs *fs);

/* --- mount --------------------------------------------------------------- */

/* Reads and checks the superblock, every group descriptor and the root
 * inode of the device dev; fills fs. 0, or EXT2_EBADSUPER,
 * EXT2_EUNSUPPORTED, EXT2_ECORRUPT, EXT2_EIO with fs->reason set. */
int ext2_mount(struct ext2_fs *fs, const struct ext2_dev *dev);

/* Byte offset on the device of inode ino's record (checked like a read). */
int ext2_inode_location(struct ext2_fs *fs, uint32_t ino, uint64_t *offset);

/* --- inodes and files ---------------------------------------------------- */

/* Reads inode ino (1..inodes_count). EXT2_ENOENT if it is free (no links
 * and mode 0 or deleted), EXT2_EUNSUPPORTED for extents or inline data,
 * EXT2_ECORRUPT if its size cannot be addressed. */
int ext2_read_inode(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out);

/* The physical block holding logical block lblk of inode (0 for a hole).
 * Every pointer on the way is checked against the block count; an indirect
 * block pointing to itself or its parent is EXT2_ECORRUPT. */
int ext2_bmap(struct ext2_fs *fs, const struct ext2_inode *inode, uint32_t lblk, uint32_t *pblk);

/* Reads up to len bytes at offset of inode's data into buf; *done gets the
 * count (short at the end of the file, 0 at or past it). Holes read as
 * zeros. Works on any inode type (directories give their raw blocks). */
int ext2_read(struct ext2_fs *fs, const struct ext2_inode *inode, uint64_t offset, void *buf,
              uint32_t len, uint32_t *done);

/* A symlink's target (fast: in the inode; slow: in its block), copied to
 * buf with a NUL; cap must hold size + 1 bytes, else EXT2_ERANGE. */
int ext2_readlink(struct ext2_fs *fs, const struct ext2_inode *inode, char *buf, uint32_t cap);

/* Fills st from inode (no I/O). */
void ext2_stat(const struct ext2_inode *inode, struct ext2_stat *st);

/* Writes len bytes of buf at offset of regular file inode (updated in
 * place and on disk): blocks already mapped are checked first (in use in
 * the bitmap, not group metadata) and a bad one refuses the write before
 * any byte changes; holes and blocks past the end are then allocated
 * (indirect blocks too, counted in i_blocks). The size grows to
 * offset + *done; mtime and ctime become fs->now. *done gets the bytes
 * written; on EXT2_ENOSPC or EXT2_EIO part way the inode still describes
 * exactly what was written (a consistent image). EXT2_EROFS on a
 * read-only mount or a device without write. */
int ext2_write(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t offset, const void *buf,
               uint32_t len, uint32_t *done);

/* Sets regular file inode's size to new_size: shrinking frees every block
 * past the new end (and the indirect blocks left empty) and zeroes the
 * tail of the last partial block; growing leaves a hole. mtime and ctime
 * become fs->now. */
int ext2_truncate(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t new_size);

/* --- namespace changes ------------------------------------------------------ */
/* Names are 1..255 bytes without '/' or NUL and not "." or ".."
 * (EXT2_EINVAL, EXT2_ENAMETOOLONG); dir is a directory inode number.
 * Changing a directory with the htree index flag clears the flag (its
 * index would be stale; a linear directory is valid ext2). */

/* A new regular file name in dir with permission bits mode & 07777; *out
 * (may be NULL) gets its inode. EXT2_EEXIST if the name is there. */
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t name_len, uint16_t mode,
                struct ext2_inode *out);
/* A new directory (with "." and ".."); dir's link count grows by one. */
int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t name_len, uint16_t mode,
               struct ext2_inode *out);
/* Removes a non-directory's name; its inode and blocks are freed with the
 * last link (EXT2_EISDIR for a directory). */
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t name_len);
/* Removes an empty directory (EXT2_ENOTEMPTY otherwise, EXT2_ENOTDIR for
 * a file). */
int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t name_len);
/* Moves name from src_dir to dst_dir/dst_name, replacing a file there (or
 * an empty directory when moving a directory). A moved directory's ".."
 * and the parents' link counts follow; moving a directory into itself or
 * its own subtree is EXT2_EINVAL. */
int ext2_rename(struct ext2_fs *fs, uint32_t src_dir, const char *src_name, uint32_t src_len,
                uint32_t dst_dir, const char *dst_name, uint32_t dst_len);

/* Removes name from dir if its entry names a free inode (no links): what
 * a crash between the halves of a create or a removal leaves on the disk,
 * and which e2fsck would clear; the name can then be made again (the
 * inode itself stays as the bitmap says: e2fsck reclaims it). 1 if the
 * entry was removed, 0 if there is no such name or it names a live inode,
 * or an error. */
int ext2_drop_dangling(struct ext2_fs *fs, uint32_t dir, const char *name, uint32_t name_len);

/* --- directories and paths ------------------------------------------------ */

/* Starts iterating directory dir (EXT2_ENOTDIR if it is not one). */
int ext2_opendir(struct ext2_fs *fs, const struct ext2_inode *dir, struct ext2_dir_iter *it);

/* The next used entry: 1 and *out filled, 0 at the end, or an error (which
 * then repeats). Every entry is checked (record length at least 8 + the
 * name rounded up to 4, a multiple of 4, inside its block; inode number in
 * range). */
int ext2_readdir(struct ext2_fs *fs, struct ext2_dir_iter *it, struct ext2_dirent *out);

/* Looks name (name_len bytes, 1..255) up in directory dir: *ino gets its
 * inode number, or EXT2_ENOENT. */
int ext2_lookup(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name,
                uint32_t name_len, uint32_t *ino);

/* Resolves a NUL-terminated path from the root ("/a/b/c", leading and
 * repeated slashes ignored, "" and "/" are the root) into *out. Symlinks
 * are not followed: the last component may be one (returned as is), an
 * earlier one gives EXT2_ENOTDIR. */
int ext2_resolve(struct ext2_fs *fs, const char *path, struct ext2_inode *out);

/* --- deferred frees (ext2_alloc.c) ---------------------------------------- */
#define EXT2_DEFER_BLOCK 0u
#define EXT2_DEFER_INODE 1u
#define EXT2_DEFER_DIR   2u      /* an inode that was a directory */
/* Frees block or inode n (what: EXT2_DEFER_*) that defer_free kept:
 * clears its bit and adjusts the free counts (never deferred again). */
int ext2_release(struct ext2_fs *fs, unsigned what, uint32_t n);

/* The file server's record of deferred frees (ext2_phases.c): bitmaps of
 * blocks and inodes freed since the last durable sync. */
struct ext2_deferred {
    uint8_t *blocks, *inodes, *dirs;
    uint32_t nblocks, ninodes;
    uint32_t count;               /* blocks and inodes kept */
};
/* Bytes of memory ext2_deferred_init needs for fs. */
size_t ext2_deferred_bytes(const struct ext2_fs *fs);
/* Sets d up over mem (ext2_deferred_bytes(fs), zeroed here) and installs
 * it as fs's defer_free. */
void ext2_deferred_init(struct ext2_deferred *d, struct ext2_fs *fs, uint8_t *mem);
/* The defer_free callback (ctx: the struct ext2_deferred). */
int ext2_deferred_add(void *ctx, unsigned what, uint32_t n);
/* Frees everything d kept (ext2_release), in block then inode order; d is
 * empty afterwards. 0 or the first error. */
int ext2_deferred_release(struct ext2_fs *fs, struct ext2_deferred *d);

/* --- write ordering (ext2_phases.c) ------------------------------------- */

/* The file server's cache writes in phases (servers/fs/bcache.h): for
 * each 4 KiB unit of the device, 2 bits in map (units / 4 bytes, zeroed by
 * the caller): 2 superblock and group descriptors, 1 inode tables, 0 the
 * rest. 0 or the error of reading a group descriptor. */
#define EXT2_PHASE_UNIT 4096u
int ext2_phase_map(struct ext2_fs *fs, uint8_t *map, uint64_t units);
/* The phase of unit u (map may be NULL: unit 0 is 2, the rest 0). */
unsigned ext2_phase_of(const uint8_t *map, uint64_t units, uint64_t u);

#endif
