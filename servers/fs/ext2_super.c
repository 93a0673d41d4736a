/* ext2 mount: the superblock and the group descriptors, the device reads
 * every other file goes through, and the error texts.
 *
 * Superblock rules (anything else is EXT2_EBADSUPER): magic 0xEF53;
 * revision 0 (128-byte inodes) or 1 (inode size a power of two,
 * 128..block size); blocks of 1, 2 or 4 KiB; first data block 1 for 1 KiB
 * blocks, else 0; blocks and inodes per group nonzero and at most the bits
 * of one bitmap block; the inode count equal to inodes per group times the
 * group count (from the block count); the whole file system, and so every
 * group, inside the device; the descriptor table inside the file system.
 * Features: INCOMPAT other than FILETYPE refused (EXT2_EUNSUPPORTED, the
 * reason names them); RO_COMPAT other than SPARSE_SUPER and LARGE_FILE
 * mounts read-only. Every group descriptor's bitmaps and inode table lie
 * inside the file system, and the root inode is a directory. */
#include <stdarg.h>
#include "ext2_internal.h"

#define EXT2_MAGIC 0xEF53u

/* --- errors ------------------------------------------------------------- */

const char *ext2_error_name(int err)
{
    switch (err) {
    case EXT2_OK: return "success";
    case EXT2_EIO: return "device I/O error";
    case EXT2_EBADSUPER: return "bad superblock";
    case EXT2_EUNSUPPORTED: return "unsupported feature";
    case EXT2_ECORRUPT: return "corrupt metadata";
    case EXT2_ENOENT: return "no such file or directory";
    case EXT2_ENOTDIR: return "not a directory";
    case EXT2_EISDIR: return "is a directory";
    case EXT2_EINVAL: return "invalid argument";
    case EXT2_ENAMETOOLONG: return "name or path too long";
    case EXT2_ERANGE: return "out of range";
    case EXT2_EROFS: return "read-only file system";
    case EXT2_ENOSPC: return "no space left";
    case EXT2_EEXIST: return "name exists";
    case EXT2_ENOTEMPTY: return "directory not empty";
    case EXT2_EMLINK: return "too many links";
    default: return "unknown error";
    }
}

const char *ext2_reason(const struct ext2_fs *fs)
{
    return fs->reason;
}

/* --- the reason formatter --------------------------------------------------- */

struct reason_buf {
    char *text;
    uint32_t len, cap;   /* cap includes the NUL */
};

static void reason_put(struct reason_buf *b, const char *s, uint32_t n)
{
    for (uint32_t i = 0; i < n && b->len + 1 < b->cap; i++)
        b->text[b->len++] = s[i];
}

static void reason_num(struct reason_buf *b, unsigned long long v, unsigned base)
{
    char digits[20];
    uint32_t n = 0;
    do {
        digits[sizeof digits - 1 - n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0 && n < sizeof digits);
    reason_put(b, digits + sizeof digits - n, n);
}

int ext2_fail(struct ext2_fs *fs, int err, const char *fmt, ...)
{
    struct reason_buf b = { fs->reason, 0, EXT2_REASON_MAX };
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            reason_put(&b, p, 1);
        } else if (p[1] == 's') {
            const char *s = va_arg(ap, const char *);
            uint32_t n = 0;
            while (n < EXT2_REASON_MAX && s[n] != '\0')
                n++;
            reason_put(&b, s, n);
            p++;
        } else if (p[1] == 'u') {
            reason_num(&b, va_arg(ap, unsigned), 10);
            p++;
        } else if (p[1] == 'x') {
            reason_num(&b, va_arg(ap, unsigned), 16);
            p++;
        } else if (p[1] == 'l' && p[2] == 'l' && p[3] == 'u') {
            reason_num(&b, va_arg(ap, unsigned long long), 10);
            p += 3;
        } else {
            reason_put(&b, p, 1);
        }
    }
    va_end(ap);
    fs->reason[b.len] = '\0';
    return err;
}

/* --- device reads ------------------------------------------------------------ */

int ext2_dev_read(struct ext2_fs *fs, uint64_t offset, void *buf, uint32_t len, const char *what)
{
    if (offset > fs->dev.bytes || len > fs->dev.bytes - offset)
        return ext2_fail(fs, EXT2_ECORRUPT, "%s: bytes %llu..%llu past the end of the device (%llu bytes)",
                         what, (unsigned long long)offset, (unsigned long long)offset + len,
                         (unsigned long long)fs->dev.bytes);
    if (fs->dev.read(fs->dev.ctx, offset, buf, len) != 0)
        return ext2_fail(fs, EXT2_EIO, "%s: device read of %u bytes at %llu failed", what, len,
                         (unsigned long long)offset);
    return EXT2_OK;
}

/* --- group descriptors --------------------------------------------------------- */

/* Checks that blocks [first, first + count) lie in the file system. */
static bool blocks_inside(const struct ext2_fs *fs, uint32_t first, uint32_t count)
{
    return first >= fs->first_data_block && first < fs->blocks_count &&
           count <= fs->blocks_count - first;
}

int ext2_read_group(struct ext2_fs *fs, uint32_t group, struct ext2_group *out)
{
    uint8_t desc[EXT2_DESC_SIZE];
    if (group >= fs->group_count)
        return ext2_fail(fs, EXT2_EINVAL, "group %u past the last (%u groups)", group, fs->group_count);
    int rc = ext2_dev_read(fs, fs->gdt_offset + (uint64_t)group * EXT2_DESC_SIZE, desc, sizeof desc,
                           "group descriptor table");
    if (rc != EXT2_OK)
        return rc;
    static const char *const names[] = { "block bitmap", "inode bitmap", "inode table" };
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t block = ext2_le32(desc + 4 * i);
        uint32_t count = i == 2 ? fs->inode_table_blocks : 1;
        if (!blocks_inside(fs, block, count))
            return ext2_fail(fs, EXT2_ECORRUPT, "group descriptor %u: %s block %u past the end (%u blocks)",
                             group, names[i], block, fs->blocks_count);
    }
    out->block_bitmap = ext2_le32(desc + 0);
    out->inode_bitmap = ext2_le32(desc + 4);
    out->inode_table = ext2_le32(desc + 8);
    return EXT2_OK;
}

/* --- the superblock ------------------------------------------------------------ */

struct feature_name {
    uint32_t bit;
    const char *name;
};

static const struct feature_name incompat_names[] = {
    { 0x0001, "compression" }, { 0x0002, "filetype" }, { 0x0004, "needs_recovery" },
    { 0x0008, "journal_dev" }, { 0x0010, "meta_bg" }, { 0x0040, "extents" },
    { 0x0080, "64bit" }, { 0x0100, "mmp" }, { 0x0200, "flex_bg" }, { 0x0400, "ea_inode" },
    { 0x1000, "dirdata" }, { 0x2000, "metadata_csum_seed" }, { 0x4000, "large_dir" },
    { 0x8000, "inline_data" }, { 0x10000, "encrypt" }, { 0x20000, "casefold" },
};

/* The name of the lowest bit of bits, or NULL if it has none. */
static const char *incompat_name(uint32_t bits)
{
    uint32_t lowest = bits & (0u - bits);
    for (uint32_t i = 0; i < sizeof incompat_names / sizeof incompat_names[0]; i++)
        if (incompat_names[i].bit == lowest)
            return incompat_names[i].name;
    return NULL;
}

/* Checks the feature flags of sb: unknown INCOMPAT refuses the mount,
 * unknown RO_COMPAT makes it read-only. */
static int check_features(struct ext2_fs *fs)
{
    uint32_t unsupported = fs->feature_incompat & ~EXT2_FEATURE_INCOMPAT_FILETYPE;
    if (unsupported != 0) {
        const char *name = incompat_name(unsupported);
        return ext2_fail(fs, EXT2_EUNSUPPORTED, "incompatible feature %s (unsupported incompat bits 0x%x)",
                         name != NULL ? name : "unknown", unsupported);
    }
    uint32_t known_ro = EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
    fs->read_only = (fs->feature_ro_compat & ~known_ro) != 0;
    return EXT2_OK;
}

/* Decodes and checks the geometry of superblock sb (see the file's
 * comment); fills fs. */
static int check_geometry(struct ext2_fs *fs, const uint8_t *sb)
{
    fs->inodes_count = ext2_le32(sb + 0);
    fs->blocks_count = ext2_le32(sb + 4);
    fs->first_data_block = ext2_le32(sb + 20);
    uint32_t log_block_size = ext2_le32(sb + 24);
    fs->blocks_per_group = ext2_le32(sb + 32);
    fs->inodes_per_group = ext2_le32(sb + 40);
    fs->rev_level = ext2_le32(sb + 76);

    if (ext2_le16(sb + 56) != EXT2_MAGIC)
        return ext2_fail(fs, EXT2_EBADSUPER, "bad magic 0x%x (not ext2)", (unsigned)ext2_le16(sb + 56));
    if (fs->rev_level > 1)
        return ext2_fail(fs, EXT2_EBADSUPER, "revision %u (only 0 and 1 exist)", fs->rev_level);
    if (log_block_size > 2)
        return ext2_fail(fs, EXT2_EBADSUPER, "log block size %u (1, 2 or 4 KiB blocks only)",
                         log_block_size);
    fs->block_size = 1024u << log_block_size;
    fs->ptrs_per_block = fs->block_size / 4;
    if (fs->rev_level == 0) {
        fs->inode_size = 128;
        fs->feature_compat = fs->feature_incompat = fs->feature_ro_compat = 0;
    } else {
        fs->inode_size = ext2_le16(sb + 88);
        fs->feature_compat = ext2_le32(sb + 92);
        fs->feature_incompat = ext2_le32(sb + 96);
        fs->feature_ro_compat = ext2_le32(sb + 100);
        if (fs->inode_size < 128 || fs->inode_size > fs->block_size ||
            (fs->inode_size & (fs->inode_size - 1)) != 0)
            return ext2_fail(fs, EXT2_EBADSUPER, "inode size %u (a power of two, 128..%u)",
                             fs->inode_size, fs->block_size);
    }
    uint32_t want_first = fs->block_size == 1024 ? 1 : 0;
    if (fs->first_data_block != want_first)
        return ext2_fail(fs, EXT2_EBADSUPER, "first data block %u with %u-byte blocks (must be %u)",
                         fs->first_data_block, fs->block_size, want_first);
    uint32_t bitmap_bits = fs->block_size * 8;
    if (fs->blocks_per_group == 0 || fs->blocks_per_group > bitmap_bits)
        return ext2_fail(fs, EXT2_EBADSUPER, "%u blocks per group (1..%u)", fs->blocks_per_group,
                         bitmap_bits);
    if (fs->inodes_per_group == 0 || fs->inodes_per_group > bitmap_bits)
        return ext2_fail(fs, EXT2_EBADSUPER, "%u inodes per group (1..%u)", fs->inodes_per_group,
                         bitmap_bits);
    if (fs->blocks_count <= fs->first_data_block)
        return ext2_fail(fs, EXT2_EBADSUPER, "block count %u leaves no data blocks", fs->blocks_count);
    uint32_t data_blocks = fs->blocks_count - fs->first_data_block;
    fs->group_count = data_blocks / fs->blocks_per_group + (data_blocks % fs->blocks_per_group != 0);
    if ((uint64_t)fs->inodes_per_group * fs->group_count != fs->inodes_count)
        return ext2_fail(fs, EXT2_EBADSUPER, "inode count %u is not %u groups of %u inodes",
                         fs->inodes_count, fs->group_count, fs->inodes_per_group);
    uint64_t fs_bytes = (uint64_t)fs->blocks_count * fs->block_size;
    if (fs_bytes > fs->dev.bytes)
        return ext2_fail(fs, EXT2_EBADSUPER, "%u blocks of %u bytes do not fit the device (%llu bytes)",
                         fs->blocks_count, fs->block_size, (unsigned long long)fs->dev.bytes);
    uint64_t table_bytes = (uint64_t)fs->inodes_per_group * fs->inode_size;
    fs->inode_table_blocks = (uint32_t)((table_bytes + fs->block_size - 1) / fs->block_size);
    uint32_t gdt_block = fs->first_data_block + 1;
    uint64_t gdt_blocks = ((uint64_t)fs->group_count * EXT2_DESC_SIZE + fs->block_size - 1) / fs->block_size;
    if (gdt_block + gdt_blocks > fs->blocks_count)
        return ext2_fail(fs, EXT2_EBADSUPER, "group descriptor table (%llu blocks at %u) past the end (%u blocks)",
                         (unsigned long long)gdt_blocks, gdt_block, fs->blocks_count);
    fs->gdt_offset = (uint64_t)gdt_block * fs->block_size;
    fs->gdt_blocks = (uint32_t)gdt_blocks;
    fs->reserved_gdt_blocks = fs->rev_level >= 1 ? ext2_le16(sb + 206) : 0;
    fs->first_ino = fs->rev_level >= 1 ? ext2_le32(sb + 84) : 11;
    if (fs->first_ino <= EXT2_ROOT_INO || fs->first_ino > fs->inodes_count)
        return ext2_fail(fs, EXT2_EBADSUPER, "first inode %u (3..%u)", fs->first_ino, fs->inodes_count);
    return EXT2_OK;
}

int ext2_mount(struct ext2_fs *fs, const struct ext2_dev *dev)
{
    uint8_t sb[EXT2_SUPER_SIZE];
    ext2_memset(fs, 0, sizeof *fs);
    if (dev == NULL || dev->read == NULL)
        return ext2_fail(fs, EXT2_EINVAL, "no device");
    fs->dev = *dev;
    if (dev->bytes < EXT2_SUPER_OFFSET + EXT2_SUPER_SIZE)
        return ext2_fail(fs, EXT2_EBADSUPER, "device of %llu bytes is too small for a superblock",
                         (unsigned long long)dev->bytes);
    int rc = ext2_dev_read(fs, EXT2_SUPER_OFFSET, sb, sizeof sb, "superblock");
    if (rc == EXT2_OK)
        rc = check_geometry(fs, sb);
    if (rc == EXT2_OK)
        rc = check_features(fs);
    for (uint32_t g = 0; rc == EXT2_OK && g < fs->group_count; g++) {
        struct ext2_group desc;
        rc = ext2_read_group(fs, g, &desc);
    }
    struct ext2_inode root;
    if (rc == EXT2_OK)
        rc = ext2_read_inode(fs, EXT2_ROOT_INO, &root);
    if (rc == EXT2_OK && root.type != EXT2_TYPE_DIR)
        rc = ext2_fail(fs, EXT2_ECORRUPT, "root inode %u is not a directory (mode 0x%x)", EXT2_ROOT_INO,
                       (unsigned)root.mode);
    if (rc == EXT2_OK)
        fs->reason[0] = '\0';
    return rc;
}
