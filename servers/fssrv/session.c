/* Sessions: one per client user (the badge's user index, which stays the
 * same across the client's restarts), at most FS_MAX_SESSIONS with a
 * region at a time. A session's region is a frame this server creates and
 * keeps (the client gets a copy to map), reused when the same user opens
 * a new session; its id changes every time, so requests of an older
 * session (or of this server's previous instance) are refused. */
#include "fssrv.h"

#include "pvk/service.h"

static struct fs_session sessions[FS_MAX_USERS];
static uint32_t next_id;

/* The user index (1..FS_MAX_USERS) of a client badge, or 0. */
static uint32_t user_of(uint64_t badge)
{
    if ((badge & ~0xffffull) != PVK_BADGE_SERVICE_CLIENT)
        return 0;
    uint32_t u = PVK_BADGE_SERVICE_USER(badge);
    return u >= 1 && u <= FS_MAX_USERS ? u : 0;
}

struct fs_session *session_of(uint64_t badge, uint64_t sid)
{
    uint32_t u = user_of(badge);
    if (!u || !sessions[u - 1].live || sessions[u - 1].id != (uint32_t)sid || (sid >> 32))
        return NULL;
    return &sessions[u - 1];
}

/* The region of user slot k: made once (a frame of FS_REGION_PAGES),
 * mapped at its own window. */
static long region_make(struct fs_session *s, uint32_t k)
{
    if (s->frame)
        return 0;
    uint32_t have = 0;
    for (uint32_t i = 0; i < FS_MAX_USERS; i++)
        have += sessions[i].frame != 0;
    if (have >= FS_MAX_SESSIONS)
        return SYS_ENOMEM;
    int slot = rt_slot_alloc();
    if (slot < 0)
        return SYS_ENOMEM;
    long rc = sys_create(CAP_FRAME, (uint64_t)slot, FS_REGION_PAGES).ret;
    uint64_t va = FSSRV_REGION_VA + (uint64_t)k * FSSRV_REGION_STRIDE;
    if (rc == 0)
        rc = sys_map((uint64_t)slot, RT_SLOT_SELF_PROCESS, va, CAP_R_READ | CAP_R_WRITE).ret;
    if (rc) {
        sys_cap_delete((uint64_t)slot);
        rt_slot_free(slot);
        return rc;
    }
    s->frame = (uint64_t)slot;
    s->region = (uint8_t *)va;
    return 0;
}

long session_open(uint64_t badge, uint32_t *sid, uint64_t *cap_slot)
{
    uint32_t u = user_of(badge);
    if (!u)
        return SYS_ERIGHTS;
    struct fs_session *s = &sessions[u - 1];
    long rc = region_make(s, u - 1);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < FS_MAX_HANDLES; i++)
        s->h[i] = (struct fs_handle){ 0 };
    /* Ids: never 0, different from every earlier one of this instance,
     * and started from the clock so an earlier instance's are unlikely. */
    if (!next_id)
        next_id = (uint32_t)((uint64_t)sys_time().ret >> 10);
    next_id = next_id + 1 + ((uint32_t)sys_time().ret & 0xff00u);
    if (next_id == 0)
        next_id = 1;
    s->id = next_id;
    s->live = true;
    __builtin_memset(s->region, 0, FS_DATA_OFFSET);
    *sid = s->id;
    *cap_slot = s->frame;
    return 0;
}

void session_mark_stale(void)
{
    for (uint32_t k = 0; k < FS_MAX_USERS; k++) {
        if (!sessions[k].live)
            continue;
        for (uint32_t i = 0; i < FS_MAX_HANDLES; i++) {
            struct fs_handle *h = &sessions[k].h[i];
            struct ext2_inode ino;
            if (h->used && !h->stale && ext2_read_inode(&fs, h->ino, &ino) != 0)
                h->stale = true;
        }
    }
}
