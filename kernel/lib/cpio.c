/* "newc" cpio archives (see cpio.h). All offsets are checked against the
 * buffer size with subtractions, never additions that could wrap. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpio.h"

/* Field numbers in the header (each 8 hex digits after the 6-byte magic). */
enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR,
       F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, F_COUNT };

_Static_assert(6 + 8 * F_COUNT == CPIO_HEADER_SIZE, "newc header layout");

static const char trailer_name[] = "TRAILER!!!";

/* Parses exactly 8 hex digits (either case) at p. Returns false if any
 * byte is not a hex digit. */
static bool parse_hex8(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 8; i++) {
        uint8_t c = p[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return false;
        v = (v << 4) | d;
    }
    *out = v;
    return true;
}

static bool bytes_equal(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static size_t pad4(size_t n)
{
    return (4 - (n & 3)) & 3;
}

void cpio_iter_init(struct cpio_iter *it, const void *archive, size_t size)
{
    it->base = archive;
    it->size = archive != NULL ? size : 0;
    it->pos = 0;
    it->state = 0;
}

/* Parses the entry at it->pos without advancing; *next gets the offset of
 * the following header (which may lie past the buffer end: the next call
 * then reports truncation). Returns 1 for an entry, 0 for the trailer. */
static int parse_entry(const struct cpio_iter *it, struct cpio_entry *e, size_t *next)
{
    size_t left = it->size - it->pos;
    const uint8_t *h = it->base + it->pos;
    uint32_t field[F_COUNT];

    if (left < CPIO_HEADER_SIZE)
        return CPIO_E_TRUNCATED;
    if (!bytes_equal((const char *)h, "070701", 6))
        return CPIO_E_MAGIC;
    for (unsigned i = 0; i < F_COUNT; i++)
        if (!parse_hex8(h + 6 + 8 * i, &field[i]))
            return CPIO_E_HEX;

    size_t namesize = field[F_NAMESIZE];
    left -= CPIO_HEADER_SIZE;
    if (namesize > left)
        return CPIO_E_TRUNCATED;
    const char *name = (const char *)h + CPIO_HEADER_SIZE;
    if (namesize < 2 || name[namesize - 1] != '\0')
        return CPIO_E_NAME;
    for (size_t i = 0; i < namesize - 1; i++)
        if (name[i] == '\0')
            return CPIO_E_NAME;
    if (namesize == sizeof trailer_name && bytes_equal(name, trailer_name, namesize))
        return 0;

    size_t name_pad = pad4(CPIO_HEADER_SIZE + namesize);
    size_t filesize = field[F_FILESIZE];
    left -= namesize;
    if (name_pad > left || filesize > left - name_pad)
        return CPIO_E_TRUNCATED;
    size_t data_off = it->pos + CPIO_HEADER_SIZE + namesize + name_pad;
    e->name = name;
    e->name_len = namesize - 1;
    e->data = it->base + data_off;
    e->size = filesize;
    e->mode = field[F_MODE];
    /* data_off + filesize <= it->size, so adding at most 3 cannot wrap. */
    *next = data_off + filesize + pad4(filesize);
    return 1;
}

int cpio_next(struct cpio_iter *it, struct cpio_entry *out)
{
    if (it == NULL || out == NULL)
        return CPIO_E_ARG;
    if (it->state != 0)
        return it->state > 0 ? 0 : it->state;
    if (it->base == NULL || it->pos > it->size) {
        it->state = CPIO_E_TRUNCATED;
        return it->state;
    }
    size_t next = 0;
    int r = parse_entry(it, out, &next);
    if (r < 0)
        it->state = r;
    else if (r == 0)
        it->state = 1;
    else
        it->pos = next;
    return r;
}

/* name without one leading "./" (but "./" alone stays as is). */
static const char *skip_dot_slash(const char *name)
{
    if (name[0] == '.' && name[1] == '/' && name[2] != '\0')
        return name + 2;
    return name;
}

static bool str_equal(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

int cpio_find(const void *archive, size_t size, const char *name, struct cpio_entry *out)
{
    if (archive == NULL || name == NULL || out == NULL)
        return CPIO_E_ARG;
    const char *want = skip_dot_slash(name);
    struct cpio_iter it;
    struct cpio_entry e;
    int r;
    cpio_iter_init(&it, archive, size);
    while ((r = cpio_next(&it, &e)) > 0) {
        if (str_equal(skip_dot_slash(e.name), want)) {
            *out = e;
            return CPIO_OK;
        }
    }
    return r == 0 ? CPIO_E_NOENT : r;
}

const char *cpio_strerror(int error)
{
    static const char *const text[] = {
        "ok", "truncated archive", "bad magic", "bad hex field", "bad name",
        "no such entry", "bad argument",
    };
    unsigned i = 0u - (unsigned)error;   /* -error without overflow */
    if (error > 0 || i >= sizeof text / sizeof text[0])
        return "unknown error";
    return text[i];
}
