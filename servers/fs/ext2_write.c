/* ext2 writes, the first step: overwriting a regular file's data in blocks
 * it already owns. Nothing is allocated and no metadata is written, so a
 * write cannot make the file system inconsistent: every target block is
 * checked before the first byte goes out (mapped, not metadata, marked in
 * use), then the data is written. */
#include "ext2_internal.h"

#define EXT2_FEATURE_COMPAT_RESIZE_INODE 0x0010u

/* True if group holds a copy of the superblock and descriptor table: every
 * group without sparse_super, else 0, 1 and the powers of 3, 5 and 7. */
static bool group_has_super(const struct ext2_fs *fs, uint32_t group)
{
    if (!(fs->feature_ro_compat & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER) || group <= 1)
        return true;
    static const uint32_t bases[] = { 3, 5, 7 };
    for (uint32_t i = 0; i < 3; i++) {
        uint64_t power = bases[i];
        while (power < group)
            power *= bases[i];
        if (power == group)
            return true;
    }
    return false;
}

/* Checks that block pblk (logical block lblk of inode, already checked
 * to be inside the file system) may be overwritten with file data. */
static int check_data_block(struct ext2_fs *fs, const struct ext2_inode *inode, uint32_t lblk,
                            uint32_t pblk)
{
    if (pblk == 0)
        return ext2_fail(fs, EXT2_EUNSUPPORTED, "inode %u: logical block %u is a hole (allocation not implemented)",
                         inode->ino, lblk);
    uint32_t group = (pblk - fs->first_data_block) / fs->blocks_per_group;
    uint32_t index = (pblk - fs->first_data_block) % fs->blocks_per_group;
    uint32_t start = pblk - index;
    uint64_t meta_end = start;
    if (group_has_super(fs, group)) {
        meta_end += 1 + (uint64_t)fs->gdt_blocks;
        if (fs->feature_compat & EXT2_FEATURE_COMPAT_RESIZE_INODE)
            meta_end += fs->reserved_gdt_blocks;
    }
    struct ext2_group desc;
    int rc = ext2_read_group(fs, group, &desc);
    if (rc != EXT2_OK)
        return rc;
    if (pblk < meta_end || pblk == desc.block_bitmap || pblk == desc.inode_bitmap ||
        (pblk >= desc.inode_table && pblk - desc.inode_table < fs->inode_table_blocks))
        return ext2_fail(fs, EXT2_ECORRUPT, "inode %u: logical block %u maps to metadata block %u of group %u",
                         inode->ino, lblk, pblk, group);
    uint8_t bits;
    rc = ext2_dev_read(fs, (uint64_t)desc.block_bitmap * fs->block_size + index / 8, &bits, 1, "block bitmap");
    if (rc != EXT2_OK)
        return rc;
    if (!(bits & (1u << (index % 8))))
        return ext2_fail(fs, EXT2_ECORRUPT, "inode %u: logical block %u maps to block %u, free in the bitmap",
                         inode->ino, lblk, pblk);
    return EXT2_OK;
}

int ext2_write(struct ext2_fs *fs, const struct ext2_inode *inode, uint64_t offset, const void *buf,
               uint32_t len, uint32_t *done)
{
    const uint8_t *in = buf;
    *done = 0;
    if (fs->read_only || fs->dev.write == NULL)
        return ext2_fail(fs, EXT2_EROFS, "%s", fs->read_only ? "mounted read-only (unknown ro_compat features)"
                                                             : "the device cannot write");
    if (inode->type == EXT2_TYPE_DIR)
        return ext2_fail(fs, EXT2_EISDIR, "inode %u is a directory", inode->ino);
    if (inode->type != EXT2_TYPE_REG)
        return ext2_fail(fs, EXT2_EINVAL, "inode %u is not a regular file", inode->ino);
    if (len == 0)
        return EXT2_OK;
    if (offset > inode->size || len > inode->size - offset)
        return ext2_fail(fs, EXT2_EUNSUPPORTED, "inode %u: write to %llu..%llu past its size %llu (extending not implemented)",
                         inode->ino, (unsigned long long)offset, (unsigned long long)offset + len,
                         (unsigned long long)inode->size);
    uint32_t first = (uint32_t)(offset / fs->block_size);
    uint32_t last = (uint32_t)((offset + len - 1) / fs->block_size);
    for (uint32_t lblk = first; lblk <= last; lblk++) {
        uint32_t pblk;
        int rc = ext2_bmap(fs, inode, lblk, &pblk);
        if (rc == EXT2_OK)
            rc = check_data_block(fs, inode, lblk, pblk);
        if (rc != EXT2_OK)
            return rc;
    }
    /* Every block checked: from here on the only failure is the device's. */
    while (*done < len) {
        uint64_t pos = offset + *done;
        uint32_t in_block = (uint32_t)(pos % fs->block_size);
        uint32_t chunk = fs->block_size - in_block;
        if (chunk > len - *done)
            chunk = len - *done;
        uint32_t pblk;
        int rc = ext2_bmap(fs, inode, (uint32_t)(pos / fs->block_size), &pblk);
        if (rc != EXT2_OK)
            return rc;
        uint64_t at = (uint64_t)pblk * fs->block_size + in_block;
        if (fs->dev.write(fs->dev.ctx, at, in + *done, chunk) != 0)
            return ext2_fail(fs, EXT2_EIO, "inode %u: device write of %u bytes at %llu failed", inode->ino,
                             chunk, (unsigned long long)at);
        *done += chunk;
    }
    return EXT2_OK;
}
