/* ext2 file writes: data written with blocks allocated for holes and past
 * the end (indirect blocks too), truncation that frees blocks (and the
 * indirect blocks left empty), and the block map walks both need. Blocks
 * a file already has are checked (in use, not metadata) before anything
 * is written into them; the rules are in ext2_alloc.c. */
#include "ext2_internal.h"

#define EXT2_IND_BLOCK 12u

/* The most bytes a regular file may hold: what the map addresses, and
 * 2 GiB - 1 without large_file. */
static uint64_t max_file_bytes(const struct ext2_fs *fs)
{
    uint64_t p = fs->ptrs_per_block;
    uint64_t bytes = (EXT2_NDIR_BLOCKS + p + p * p + p * p * p) * fs->block_size;
    if (!(fs->feature_ro_compat & EXT2_FEATURE_RO_COMPAT_LARGE_FILE) && bytes > 0x7FFFFFFFu)
        bytes = 0x7FFFFFFFu;
    return bytes;
}

static void add_blocks(const struct ext2_fs *fs, struct ext2_inode *inode, int sign)
{
    uint32_t units = fs->block_size / 512;
    if (sign > 0)
        inode->blocks_512 += units;
    else
        inode->blocks_512 = inode->blocks_512 > units ? inode->blocks_512 - units : 0;
}

/* A fresh block for inode at *slot (0 there), counted. */
static int alloc_into(struct ext2_fs *fs, struct ext2_inode *inode, uint32_t *out)
{
    int rc = ext2_alloc_block(fs, ext2_inode_group(fs, inode->ino), out);
    if (rc == EXT2_OK)
        add_blocks(fs, inode, +1);
    return rc;
}

int ext2_bmap_alloc(struct ext2_fs *fs, struct ext2_inode *inode, uint32_t lblk, uint32_t *pblk)
{
    uint64_t p = fs->ptrs_per_block, rest = lblk;
    uint32_t depth, slot;
    if (rest < EXT2_NDIR_BLOCKS) {
        depth = 0, slot = lblk;
    } else if ((rest -= EXT2_NDIR_BLOCKS) < p) {
        depth = 1, slot = EXT2_IND_BLOCK;
    } else if ((rest -= p) < p * p) {
        depth = 2, slot = EXT2_IND_BLOCK + 1;
    } else if ((rest -= p * p) < p * p * p) {
        depth = 3, slot = EXT2_IND_BLOCK + 2;
    } else {
        return ext2_fail(fs, EXT2_ERANGE, "inode %u: logical block %u past the block map", inode->ino, lblk);
    }
    int rc = EXT2_OK;
    uint32_t cur = inode->block[slot];
    if (cur == 0) {
        if ((rc = alloc_into(fs, inode, &cur)) != EXT2_OK)
            return rc;
        inode->block[slot] = cur;
    } else if (!ext2_block_valid(fs, cur)) {
        return ext2_fail(fs, EXT2_ECORRUPT, "inode %u: block pointer %u past the end", inode->ino, cur);
    }
    uint32_t path[4] = { cur, 0, 0, 0 };
    for (uint32_t level = 1; level <= depth; level++) {
        uint64_t span = 1;
        for (uint32_t i = level; i < depth; i++)
            span *= p;
        uint64_t at = (uint64_t)cur * fs->block_size + (rest / span % p) * 4;
        uint8_t raw[4];
        if ((rc = ext2_dev_read(fs, at, raw, 4, "indirect block")) != EXT2_OK)
            return rc;
        uint32_t next = ext2_le32(raw);
        if (next == 0) {
            /* about to write into cur: it must be the file's, not metadata */
            if ((rc = ext2_check_data_block(fs, inode->ino, cur)) != EXT2_OK ||
                (rc = alloc_into(fs, inode, &next)) != EXT2_OK)
                return rc;
            ext2_put32(raw, next);
            if ((rc = ext2_dev_write(fs, at, raw, 4, "indirect block")) != EXT2_OK)
                return rc;
        } else if (!ext2_block_valid(fs, next)) {
            return ext2_fail(fs, EXT2_ECORRUPT, "inode %u: block pointer %u (level %u) past the end", inode->ino,
                             next, level);
        }
        for (uint32_t i = 0; i < level; i++)
            if (path[i] == next)
                return ext2_fail(fs, EXT2_ECORRUPT, "inode %u: indirect block %u points to itself or a parent",
                                 inode->ino, next);
        path[level] = cur = next;
    }
    *pblk = cur;
    return EXT2_OK;
}

/* Frees the blocks of the indirect tree at *root (depth levels, its first
 * logical block base) that map logical blocks from keep on; an indirect
 * block whose whole range is past keep is freed too (and *root becomes 0
 * if the root is). Iterative, an explicit stack of depth <= 3; each block
 * is checked before it is written or freed. */
static int trim_tree(struct ext2_fs *fs, struct ext2_inode *inode, uint32_t *root, uint32_t depth,
                     uint64_t base, uint64_t keep)
{
    uint64_t p = fs->ptrs_per_block;
    uint32_t blk[3], idx[3];
    uint64_t first[3], span[3];
    int rc = ext2_check_data_block(fs, inode->ino, *root);
    if (rc != EXT2_OK)
        return rc;
    blk[0] = *root, first[0] = base, span[0] = 1;
    for (uint32_t i = 1; i < depth; i++)
        span[0] *= p;
    idx[0] = keep > base ? (uint32_t)((keep - base) / span[0]) : 0;
    int l = 0;
    uint8_t raw[4];
    while (l >= 0) {
        if (idx[l] >= p) {   /* this block is done */
            if (first[l] >= keep) {
                if ((rc = ext2_free_block(fs, blk[l])) != EXT2_OK)
                    return rc;
                add_blocks(fs, inode, -1);
                if (l == 0) {
                    *root = 0;
                } else if (first[l - 1] < keep) {   /* the parent stays: clear its pointer */
                    ext2_put32(raw, 0);
                    rc = ext2_dev_write(fs, (uint64_t)blk[l - 1] * fs->block_size + idx[l - 1] * 4u, raw, 4,
                                        "indirect block");
                    if (rc != EXT2_OK)
                        return rc;
                }
            }
            if (--l >= 0)
                idx[l]++;
            continue;
        }
        uint64_t at = (uint64_t)blk[l] * fs->block_size + idx[l] * 4u;
        if ((rc = ext2_dev_read(fs, at, raw, 4, "indirect block")) != EXT2_OK)
            return rc;
        uint32_t child = ext2_le32(raw);
        uint64_t cfirst = first[l] + idx[l] * span[l];
        if (child == 0 || cfirst + span[l] <= keep) {
            idx[l]++;
            continue;
        }
        if (span[l] == 1) {   /* a data block */
            if ((rc = ext2_free_block(fs, child)) != EXT2_OK)
                return rc;
            add_blocks(fs, inode, -1);
            if (first[l] < keep) {
                ext2_put32(raw, 0);
                if ((rc = ext2_dev_write(fs, at, raw, 4, "indirect block")) != EXT2_OK)
                    return rc;
            }
            idx[l]++;
            continue;
        }
        for (int i = 0; i <= l; i++)
            if (blk[i] == child)
                return ext2_fail(fs, EXT2_ECORRUPT, "inode %u: indirect block %u points to itself or a parent",
                                 inode->ino, child);
        if ((rc = ext2_check_data_block(fs, inode->ino, child)) != EXT2_OK)
            return rc;
        l++;
        blk[l] = child, first[l] = cfirst, span[l] = span[l - 1] / p;
        idx[l] = keep > cfirst ? (uint32_t)((keep - cfirst) / span[l]) : 0;
    }
    return EXT2_OK;
}

int ext2_free_blocks_from(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t keep)
{
    uint32_t acl_blocks = inode->file_acl != 0 ? fs->block_size / 512 : 0;
    if (inode->type != EXT2_TYPE_REG && inode->type != EXT2_TYPE_DIR &&
        (inode->type != EXT2_TYPE_SYMLINK || inode->blocks_512 == acl_blocks))
        return EXT2_OK;   /* no block map: devices, fifos, sockets, fast symlinks */
    int rc = EXT2_OK;
    for (uint64_t i = keep; rc == EXT2_OK && i < EXT2_NDIR_BLOCKS; i++) {
        if (inode->block[i] == 0)
            continue;
        if ((rc = ext2_free_block(fs, inode->block[i])) == EXT2_OK) {
            inode->block[i] = 0;
            add_blocks(fs, inode, -1);
        }
    }
    uint64_t p = fs->ptrs_per_block, base = EXT2_NDIR_BLOCKS, count = 1;
    for (uint32_t d = 1; rc == EXT2_OK && d <= 3; d++) {
        count *= p;
        uint32_t *root = &inode->block[EXT2_IND_BLOCK + d - 1];
        if (*root != 0 && base + count > keep)
            rc = trim_tree(fs, inode, root, d, base, keep);
        base += count;
    }
    return rc;
}

/* Zeroes bytes from offset to the end of their block in inode's file, if
 * that block is mapped (a checked data block). */
static int zero_tail(struct ext2_fs *fs, const struct ext2_inode *inode, uint64_t offset)
{
    uint32_t in_block = (uint32_t)(offset % fs->block_size), pblk;
    if (in_block == 0)
        return EXT2_OK;
    int rc = ext2_bmap(fs, inode, (uint32_t)(offset / fs->block_size), &pblk);
    if (rc != EXT2_OK || pblk == 0)
        return rc;
    static const uint8_t zeros[4096];
    if ((rc = ext2_check_data_block(fs, inode->ino, pblk)) != EXT2_OK)
        return rc;
    return ext2_dev_write(fs, (uint64_t)pblk * fs->block_size + in_block, zeros, fs->block_size - in_block,
                          "file data");
}

/* Refuses anything but a regular file on a writable mount. */
static int check_file(struct ext2_fs *fs, const struct ext2_inode *inode)
{
    int rc = ext2_check_writable(fs);
    if (rc != EXT2_OK)
        return rc;
    if (inode->type == EXT2_TYPE_DIR)
        return ext2_fail(fs, EXT2_EISDIR, "inode %u is a directory", inode->ino);
    if (inode->type != EXT2_TYPE_REG)
        return ext2_fail(fs, EXT2_EINVAL, "inode %u is not a regular file", inode->ino);
    return EXT2_OK;
}

int ext2_write(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t offset, const void *buf, uint32_t len,
               uint32_t *done)
{
    const uint8_t *in = buf;
    *done = 0;
    int rc = check_file(fs, inode);
    if (rc != EXT2_OK || len == 0)
        return rc;
    uint64_t max = max_file_bytes(fs);
    if (offset > max || len > max - offset)
        return ext2_fail(fs, EXT2_ERANGE, "inode %u: write to %llu..%llu past the largest file (%llu bytes)",
                         inode->ino, (unsigned long long)offset, (unsigned long long)offset + len,
                         (unsigned long long)max);
    /* the blocks the file has in the range, and a partial last block
     * before a gap, are checked before any byte is written */
    uint32_t first = (uint32_t)(offset / fs->block_size);
    uint32_t last = (uint32_t)((offset + len - 1) / fs->block_size);
    for (uint32_t lblk = first; lblk <= last && (uint64_t)lblk * fs->block_size < inode->size; lblk++) {
        uint32_t pblk;
        if ((rc = ext2_bmap(fs, inode, lblk, &pblk)) != EXT2_OK ||
            (pblk != 0 && (rc = ext2_check_data_block(fs, inode->ino, pblk)) != EXT2_OK))
            return rc;
    }
    if (offset > inode->size && (rc = zero_tail(fs, inode, inode->size)) != EXT2_OK)
        return rc;
    struct ext2_inode before = *inode;
    while (*done < len) {
        uint64_t pos = offset + *done;
        uint32_t in_block = (uint32_t)(pos % fs->block_size);
        uint32_t chunk = fs->block_size - in_block;
        if (chunk > len - *done)
            chunk = len - *done;
        uint32_t pblk;
        if ((rc = ext2_bmap_alloc(fs, inode, (uint32_t)(pos / fs->block_size), &pblk)) != EXT2_OK ||
            (rc = ext2_dev_write(fs, (uint64_t)pblk * fs->block_size + in_block, in + *done, chunk,
                                 "file data")) != EXT2_OK)
            break;
        *done += chunk;
    }
    if (offset + *done > inode->size)
        inode->size = offset + *done;
    if (*done > 0 || inode->blocks_512 != before.blocks_512) {
        inode->mtime = inode->ctime = fs->now;
        int wrc = ext2_write_inode(fs, inode, false);
        if (rc == EXT2_OK)
            rc = wrc;
    }
    return rc;
}

int ext2_truncate(struct ext2_fs *fs, struct ext2_inode *inode, uint64_t new_size)
{
    int rc = check_file(fs, inode);
    if (rc != EXT2_OK)
        return rc;
    if (new_size > max_file_bytes(fs))
        return ext2_fail(fs, EXT2_ERANGE, "inode %u: size %llu past the largest file (%llu bytes)", inode->ino,
                         (unsigned long long)new_size, (unsigned long long)max_file_bytes(fs));
    if (new_size < inode->size) {
        uint64_t keep = (new_size + fs->block_size - 1) / fs->block_size;
        if ((rc = zero_tail(fs, inode, new_size)) != EXT2_OK)
            return rc;
        rc = ext2_free_blocks_from(fs, inode, keep);
    } else if (new_size > inode->size) {
        rc = zero_tail(fs, inode, inode->size);
    }
    if (rc == EXT2_OK)   /* on failure the old size still covers every block left */
        inode->size = new_size;
    inode->mtime = inode->ctime = fs->now;
    int wrc = ext2_write_inode(fs, inode, false);
    return rc != EXT2_OK ? rc : wrc;
}
