/* ext2 directory changes: names added (into the slack of an entry, whose
 * record is split, or a new block appended), removed (merged into the
 * previous entry of the block, or the inode set to 0 for a block's first
 * entry) and repointed. Every entry is read through the checked iterator
 * (ext2_dir_next) and every directory block checked (in use, not
 * metadata) before it is written. A directory with the htree index flag
 * loses it before its first change: the index would be stale, and a
 * linear directory is valid ext2 (e2fsck -fn accepts it). */
#include "ext2_internal.h"

#define DIRENT_HEADER 8u

/* The record a name of len bytes needs. */
static uint32_t rec_need(uint32_t len)
{
    return DIRENT_HEADER + ((len + 3) & ~3u);
}

uint8_t ext2_dir_ftype(const struct ext2_fs *fs, enum ext2_type type)
{
    if (!(fs->feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE))
        return 0;
    switch (type) {
    case EXT2_TYPE_REG: return 1;
    case EXT2_TYPE_DIR: return 2;
    case EXT2_TYPE_CHR: return 3;
    case EXT2_TYPE_BLK: return 4;
    case EXT2_TYPE_FIFO: return 5;
    case EXT2_TYPE_SOCK: return 6;
    case EXT2_TYPE_SYMLINK: return 7;
    default: return 0;
    }
}

int ext2_check_name(struct ext2_fs *fs, const char *name, uint32_t len)
{
    if (name == NULL || len == 0)
        return ext2_fail(fs, EXT2_EINVAL, "empty name");
    if (len > EXT2_NAME_MAX)
        return ext2_fail(fs, EXT2_ENAMETOOLONG, "name of %u bytes (at most %u)", len, EXT2_NAME_MAX);
    for (uint32_t i = 0; i < len; i++)
        if (name[i] == '/' || name[i] == '\0')
            return ext2_fail(fs, EXT2_EINVAL, "name with a '/' or NUL at byte %u", i);
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return ext2_fail(fs, EXT2_EINVAL, "the name . or .. cannot be made or removed");
    return EXT2_OK;
}

/* Reads directory ino into dir (EXT2_ENOTDIR if it is not one) and
 * clears its index flag on disk if set. */
static int open_dir(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *dir)
{
    int rc = ext2_read_inode(fs, ino, dir);
    if (rc != EXT2_OK)
        return rc;
    if (dir->type != EXT2_TYPE_DIR)
        return ext2_fail(fs, EXT2_ENOTDIR, "inode %u is not a directory", ino);
    if (dir->flags & EXT2_INDEX_FL) {
        dir->flags &= ~EXT2_INDEX_FL;
        rc = ext2_write_inode(fs, dir, false);
    }
    return rc;
}

/* The checked physical block of directory dir holding byte at. */
static int dir_block(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t at, uint32_t *pblk)
{
    int rc = ext2_bmap(fs, dir, (uint32_t)(at / fs->block_size), pblk);
    if (rc == EXT2_OK && *pblk == 0)
        return ext2_fail(fs, EXT2_ECORRUPT, "directory inode %u: hole at byte %llu", dir->ino,
                         (unsigned long long)at);
    if (rc == EXT2_OK)
        rc = ext2_check_data_block(fs, dir->ino, *pblk);
    return rc;
}

/* Writes an entry (header, name, zero padding) at byte in_block of block. */
static int put_entry(struct ext2_fs *fs, uint32_t block, uint32_t in_block, uint32_t ino, uint32_t rec_len,
                     const char *name, uint32_t len, uint8_t ftype)
{
    uint8_t raw[DIRENT_HEADER + EXT2_NAME_MAX + 1];
    uint32_t n = rec_need(len);
    ext2_memset(raw, 0, n);
    ext2_put32(raw, ino);
    ext2_put16(raw + 4, rec_len);
    raw[6] = (uint8_t)len;
    raw[7] = ftype;
    ext2_memcpy(raw + DIRENT_HEADER, name, len);
    return ext2_dev_write(fs, (uint64_t)block * fs->block_size + in_block, raw, n, "directory entry");
}

/* The new mtime and ctime of directory dir, written. */
static int touch(struct ext2_fs *fs, struct ext2_inode *dir)
{
    dir->mtime = dir->ctime = fs->now;
    return ext2_write_inode(fs, dir, false);
}

/* Where an entry is: its byte offset, record length, and the previous
 * entry of the same block (prev_len 0 if it is the block's first). */
struct dir_slot {
    uint64_t at, prev_at;
    uint32_t rec_len, prev_len, ino, name_len;
};

/* Finds name in dir; EXT2_ENOENT if it is not there. */
static int find(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name, uint32_t len,
                struct dir_slot *slot)
{
    struct ext2_dir_iter it;
    struct ext2_dirent e;
    uint32_t rec_len, prev_len = 0;
    uint64_t at, prev_at = 0;
    int rc = ext2_opendir(fs, dir, &it);
    while (rc == EXT2_OK && (rc = ext2_dir_next(fs, &it, &e, &rec_len, &at)) == 1) {
        if (at % fs->block_size == 0)
            prev_len = 0;
        if (e.ino != 0 && e.name_len == len && ext2_memcmp(e.name, name, len) == 0) {
            *slot = (struct dir_slot){ at, prev_at, rec_len, prev_len, e.ino, e.name_len };
            return EXT2_OK;
        }
        prev_at = at, prev_len = rec_len;
        rc = EXT2_OK;
    }
    if (rc == 0)
        return ext2_fail(fs, EXT2_ENOENT, "no entry of that name in directory inode %u", dir->ino);
    return rc;
}

int ext2_dir_add(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t len, uint32_t ino,
                 enum ext2_type type)
{
    struct ext2_inode dir;
    struct ext2_dir_iter it;
    struct ext2_dirent e;
    uint32_t rec_len, need = rec_need(len);
    uint64_t at;
    struct dir_slot room = { 0, 0, 0, 0, 0, 0 };
    bool found = false;
    int rc = open_dir(fs, dir_ino, &dir);
    if (rc == EXT2_OK)
        rc = ext2_opendir(fs, &dir, &it);
    while (rc == EXT2_OK && (rc = ext2_dir_next(fs, &it, &e, &rec_len, &at)) == 1) {
        if (e.ino != 0 && e.name_len == len && ext2_memcmp(e.name, name, len) == 0)
            return ext2_fail(fs, EXT2_EEXIST, "directory inode %u already has that name", dir_ino);
        uint32_t used = e.ino != 0 ? rec_need(e.name_len) : 0;
        if (!found && rec_len - used >= need) {
            room = (struct dir_slot){ at, 0, rec_len, 0, e.ino, used };
            found = true;
        }
        rc = EXT2_OK;
    }
    if (rc < 0)
        return rc;
    uint8_t ftype = ext2_dir_ftype(fs, type);
    uint32_t pblk;
    if (found) {
        uint32_t in_block = (uint32_t)(room.at % fs->block_size);
        if ((rc = dir_block(fs, &dir, room.at, &pblk)) != EXT2_OK)
            return rc;
        if (room.name_len == 0) {   /* an unused record: take it whole */
            rc = put_entry(fs, pblk, in_block, ino, room.rec_len, name, len, ftype);
        } else {   /* the new entry in the slack first, then the old record shrinks onto it */
            uint8_t raw[2];
            ext2_put16(raw, room.name_len);
            rc = put_entry(fs, pblk, in_block + room.name_len, ino, room.rec_len - room.name_len, name, len, ftype);
            if (rc == EXT2_OK)
                rc = ext2_dev_write(fs, (uint64_t)pblk * fs->block_size + in_block + 4, raw, 2, "directory entry");
        }
    } else {   /* a new block at the end */
        if (dir.size + fs->block_size > 0xFFFFFFFFu)
            return ext2_fail(fs, EXT2_ENOSPC, "directory inode %u at its largest size", dir_ino);
        uint32_t blocks = dir.blocks_512;
        rc = ext2_bmap_alloc(fs, &dir, (uint32_t)(dir.size / fs->block_size), &pblk);
        if (rc == EXT2_OK && (rc = put_entry(fs, pblk, 0, ino, fs->block_size, name, len, ftype)) == EXT2_OK)
            dir.size += fs->block_size;
        if (rc != EXT2_OK && dir.blocks_512 != blocks)   /* keep what was allocated described */
            ext2_write_inode(fs, &dir, false);
    }
    if (rc != EXT2_OK)
        return rc;
    return touch(fs, &dir);
}

/* Opens directory dir_ino and finds name's entry in it: the directory,
 * the entry and the physical block that holds it. */
static int locate(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t len, struct ext2_inode *dir,
                  struct dir_slot *slot, uint32_t *pblk)
{
    int rc = open_dir(fs, dir_ino, dir);
    if (rc == EXT2_OK)
        rc = find(fs, dir, name, len, slot);
    if (rc == EXT2_OK)
        rc = dir_block(fs, dir, slot->at, pblk);
    return rc;
}

int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t len, uint32_t *ino)
{
    struct ext2_inode dir;
    struct dir_slot slot;
    uint32_t pblk;
    uint8_t raw[4];
    int rc = locate(fs, dir_ino, name, len, &dir, &slot, &pblk);
    if (rc != EXT2_OK)
        return rc;
    uint64_t base = (uint64_t)pblk * fs->block_size;
    if (slot.prev_len != 0) {   /* the previous record swallows this one */
        ext2_put16(raw, slot.prev_len + slot.rec_len);
        rc = ext2_dev_write(fs, base + slot.prev_at % fs->block_size + 4, raw, 2, "directory entry");
    } else {
        ext2_put32(raw, 0);
        rc = ext2_dev_write(fs, base + slot.at % fs->block_size, raw, 4, "directory entry");
    }
    if (rc != EXT2_OK)
        return rc;
    *ino = slot.ino;
    return touch(fs, &dir);
}

int ext2_dir_set(struct ext2_fs *fs, uint32_t dir_ino, const char *name, uint32_t len, uint32_t ino,
                 enum ext2_type type)
{
    struct ext2_inode dir;
    struct dir_slot slot;
    uint32_t pblk;
    int rc = locate(fs, dir_ino, name, len, &dir, &slot, &pblk);
    if (rc != EXT2_OK)
        return rc;
    uint8_t raw[8];
    uint64_t at = (uint64_t)pblk * fs->block_size + slot.at % fs->block_size;
    if ((rc = ext2_dev_read(fs, at, raw, sizeof raw, "directory entry")) != EXT2_OK)
        return rc;
    ext2_put32(raw, ino);
    if (fs->feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE)
        raw[7] = ext2_dir_ftype(fs, type);
    if ((rc = ext2_dev_write(fs, at, raw, sizeof raw, "directory entry")) != EXT2_OK)
        return rc;
    return touch(fs, &dir);
}

int ext2_dir_empty(struct ext2_fs *fs, const struct ext2_inode *dir)
{
    struct ext2_dir_iter it;
    struct ext2_dirent e;
    int rc = ext2_opendir(fs, dir, &it);
    while (rc == EXT2_OK && (rc = ext2_readdir(fs, &it, &e)) == 1) {
        bool dot = (e.name_len == 1 && e.name[0] == '.') ||
                   (e.name_len == 2 && e.name[0] == '.' && e.name[1] == '.');
        if (!dot)
            return 0;
        rc = EXT2_OK;
    }
    return rc < 0 ? rc : 1;
}
