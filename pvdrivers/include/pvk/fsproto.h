/* The file-server protocol (servers/fssrv), spoken by the client library
 * servers/runtime/fsclient.c. Calls go over IPC to the endpoint the
 * server provides (manifest provides=fs; clients uses=fs, badged
 * PVK_BADGE_SERVICE_CLIENT | user index, the same across a client's
 * restarts). Paths, stat records, directory entries and file data travel
 * in a region the server creates for each client user at FS_SESSION and
 * hands over as a frame capability (read, write): the server keeps the
 * original, so a client can neither pull the memory away under the server
 * (a revoke of a frame the client created would unmap it in the server)
 * nor lose it when the server dies (its mapping stays until it unmaps).
 *
 * Every request but FS_SESSION carries the session id in MR0; a request
 * for a session this server instance does not know (it restarted, or the
 * user opened a newer session) is answered MR0 = SYS_EDEAD and nothing is
 * done. Replies have label 0; MR0 is the result (>= 0, or a negative
 * error: SYS_E*, FS_E* of fsclient.h). Unknown labels are answered with
 * label SERVER_EBADOP.
 *
 *   FS_SESSION   MR0 = FS_PROTO_VERSION -> MR0 = 0, MR1 = session id,
 *                MR2 = region pages; cap: the region (read, write)
 *   FS_OPEN      path; MR1 = FS_O_* flags, MR2 = mode -> MR0 = handle
 *   FS_CLOSE     MR1 = handle -> 0
 *   FS_READ      MR1 = handle, MR2 = offset, MR3 = length (<= FS_DATA_SIZE)
 *                -> MR0 = bytes, at FS_DATA_OFFSET
 *   FS_WRITE     MR1 = handle, MR2 = offset, MR3 = length (<= FS_DATA_SIZE),
 *                the bytes at FS_DATA_OFFSET -> MR0 = bytes written
 *   FS_FSYNC     MR1 = handle -> 0 once everything written is on the disk
 *   FS_FTRUNCATE MR1 = handle, MR2 = size -> 0
 *   FS_FSTAT     MR1 = handle -> 0, struct fs_stat at FS_STAT_OFFSET
 *   FS_STAT      path -> 0, struct fs_stat at FS_STAT_OFFSET
 *   FS_READDIR   MR1 = handle, MR2 = cookie, MR3 = max entries (<= FS_DIRENT_MAX)
 *                -> MR0 = entries (struct fs_dirent at FS_DATA_OFFSET), MR1 = next cookie
 *   FS_MKDIR     path; MR2 = mode -> 0
 *   FS_RMDIR     path -> 0
 *   FS_UNLINK    path -> 0
 *   FS_RENAME    path (from), path2 (to) -> 0
 *   FS_SYNC      -> 0 once everything written is on the disk
 *
 * "path" is the NUL-terminated string at FS_PATH_OFFSET (FS_PATH2_OFFSET
 * for the second), at most FS_PATH_MAX bytes with the NUL; the server
 * copies it out of the region before it looks at it. */
#ifndef PVK_FSPROTO_H
#define PVK_FSPROTO_H

#include <stddef.h>
#include <stdint.h>
#include "fsclient.h"

#define FS_PROTO_VERSION 1u

#define FS_SESSION   0xf501ull
#define FS_OPEN      0xf502ull
#define FS_CLOSE     0xf503ull
#define FS_READ      0xf504ull
#define FS_WRITE     0xf505ull
#define FS_FSYNC     0xf506ull
#define FS_FTRUNCATE 0xf507ull
#define FS_FSTAT     0xf508ull
#define FS_STAT      0xf509ull
#define FS_READDIR   0xf50aull
#define FS_MKDIR     0xf50bull
#define FS_RMDIR     0xf50cull
#define FS_UNLINK    0xf50dull
#define FS_RENAME    0xf50eull
#define FS_SYNC      0xf50full

/* The region: a header page (paths in, a stat record out), then data. */
#define FS_DATA_OFFSET 4096u
#define FS_DATA_SIZE   (1024u * 1024u)                      /* per call */
#define FS_REGION_PAGES ((FS_DATA_OFFSET + FS_DATA_SIZE) / 4096u)
#define FS_DIRENT_MAX  (FS_DATA_SIZE / sizeof(struct fs_dirent))

struct fs_region_hdr {
    char path[FS_PATH_MAX];
    char path2[FS_PATH_MAX];
    struct fs_stat stat;
};
#define FS_PATH_OFFSET  offsetof(struct fs_region_hdr, path)
#define FS_PATH2_OFFSET offsetof(struct fs_region_hdr, path2)
#define FS_STAT_OFFSET  offsetof(struct fs_region_hdr, stat)

_Static_assert(sizeof(struct fs_stat) == 32, "fs_stat layout is ABI");
_Static_assert(sizeof(struct fs_dirent) == 264, "fs_dirent layout is ABI");
_Static_assert(FS_PATH2_OFFSET == 256 && FS_STAT_OFFSET == 512, "region header layout is ABI");
_Static_assert(sizeof(struct fs_region_hdr) <= FS_DATA_OFFSET, "the header fits before the data");
_Static_assert(FS_REGION_PAGES <= 512, "the region is one frame object (SYS_FRAME_MAX_PAGES)");

/* Request registers. */
#define FS_MR_SESSION 0
#define FS_MR_HANDLE  1
#define FS_MR_FLAGS   1
#define FS_MR_OFFSET  2
#define FS_MR_MODE    2
#define FS_MR_LEN     3

/* Limits of one server instance. */
#define FS_MAX_USERS     32     /* badge user indexes 1..FS_MAX_USERS */
#define FS_MAX_SESSIONS  8      /* users with a region at a time */
#define FS_MAX_HANDLES   32     /* open files per session */

#endif
