/* "newc" cpio archives (kernel/lib/cpio.c), what `cpio -o -H newc` writes:
 * the boot bundle. Pure code, used by the kernel, the user runtime and host
 * tests.
 *
 * Format: a sequence of entries, each a 110-byte ASCII header (magic
 * "070701", then 13 fields of exactly 8 hex digits: ino, mode, uid, gid,
 * nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
 * namesize, check), the name (namesize bytes including its NUL) padded so
 * header + name is a multiple of 4, then filesize data bytes padded to a
 * multiple of 4. The entry named "TRAILER!!!" ends the archive; bytes after
 * it (cpio pads to 512-byte blocks) are ignored. Offsets are relative to the
 * archive start, which need not be aligned.
 *
 * The archive is untrusted: every field is checked (strict hex, name
 * NUL-terminated exactly at namesize - 1 and not empty, header, name and
 * data inside the buffer) and nothing outside [archive, archive + size) is
 * ever read. A malformed archive gives an error, never a crash. Hard links
 * are not resolved (cpio stores the data with the last link only). */
#ifndef CPIO_H
#define CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPIO_HEADER_SIZE 110u

/* mode bits (the file type part of st_mode). */
#define CPIO_MODE_TYPE  0170000u
#define CPIO_MODE_FILE  0100000u
#define CPIO_MODE_DIR   0040000u

enum cpio_error {
    CPIO_OK = 0,
    CPIO_E_TRUNCATED = -1,  /* header, name or data runs past the buffer, or no trailer */
    CPIO_E_MAGIC = -2,      /* header does not start with "070701" */
    CPIO_E_HEX = -3,        /* a field is not 8 hex digits */
    CPIO_E_NAME = -4,       /* empty name, or NUL not exactly at namesize - 1 */
    CPIO_E_NOENT = -5,      /* cpio_find: no entry of that name */
    CPIO_E_ARG = -6,        /* NULL argument */
};

struct cpio_entry {
    const char *name;       /* NUL-terminated, inside the archive, as stored */
    size_t name_len;        /* strlen(name) */
    const void *data;       /* size bytes inside the archive */
    size_t size;
    uint32_t mode;          /* type and permission bits */
};

/* Iteration state; initialise with cpio_iter_init. */
struct cpio_iter {
    const uint8_t *base;
    size_t size;
    size_t pos;             /* offset of the next header */
    int state;              /* 0 = iterating, 1 = trailer seen, < 0 = error */
};

void cpio_iter_init(struct cpio_iter *it, const void *archive, size_t size);

/* Reads the next entry into *out. Returns 1 with an entry, 0 at the
 * trailer (and on every later call), or a negative enum cpio_error (also
 * on every later call: a malformed archive stays malformed). The trailer
 * itself is not returned as an entry. */
int cpio_next(struct cpio_iter *it, struct cpio_entry *out);

/* Finds the first entry whose name equals name, ignoring a leading "./" on
 * either. Returns CPIO_OK with *out filled, CPIO_E_NOENT when the archive
 * is well formed up to its trailer without it, or another negative error
 * (the archive is malformed before a match). Any file type matches; check
 * cpio_is_file(out) where a regular file is expected. */
int cpio_find(const void *archive, size_t size, const char *name, struct cpio_entry *out);

static inline bool cpio_is_file(const struct cpio_entry *e)
{
    return (e->mode & CPIO_MODE_TYPE) == CPIO_MODE_FILE;
}

/* A short English description of an enum cpio_error value. */
const char *cpio_strerror(int error);

#endif
