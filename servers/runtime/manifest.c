/* The service manifest parser (manifest.h). Pure and freestanding: it
 * uses no library function at all, so that the same file builds into the
 * user runtime and into the host unit tests. No allocation; the work is
 * linear in the text (every line is looked at once, at most 255 bytes of
 * it are copied).
 *
 * Rules beyond the header's: a line is at most 255 characters (without
 * its '\n'); '#' starts a comment anywhere; spaces, tabs and CRs separate
 * words; numbers are decimal; sizes take a K, M or G suffix (either case)
 * and are checked for overflow; every key may appear once per line; an
 * empty value is an error. Ranges: priority 1..254, quota 64K..4G, dma
 * 0..4G, heartbeat 0..60000, ready-timeout 1..600000, backoff 0..60000,
 * backoff-max backoff..600000, max-failures 1..1000. When backoff is given
 * above the default backoff-max (1000) and backoff-max is not given,
 * backoff-max becomes backoff. A driver's name is its device type (blk,
 * net or console). Error texts name the key and the value at fault. */
#include "manifest.h"

#define LINE_MAX_CHARS 255
#define SIZE_MAX_BYTES (4ull << 30)
#define MSG_MAX        ((size_t)sizeof(((struct manifest_error *)0)->text))

/* --- small string helpers (no libc) --- */

static size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static bool str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* Does the word w[0..n) equal the string s? */
static bool word_is(const char *w, size_t n, const char *s)
{
    size_t i = 0;
    for (; i < n; i++)
        if (s[i] != w[i])
            return false;
    return s[i] == 0;
}

static void copy_name(char dst[MANIFEST_NAME_MAX], const char *src, size_t n)
{
    size_t i = 0;
    for (; i < n && i < MANIFEST_NAME_MAX - 1; i++)
        dst[i] = src[i];
    for (; i < MANIFEST_NAME_MAX; i++)
        dst[i] = 0;
}

static void zero(void *p, size_t n)
{
    volatile unsigned char *b = p;  /* volatile: not turned into a memset call */
    for (size_t i = 0; i < n; i++)
        b[i] = 0;
}

/* An error text under construction (always NUL-terminated, cut at 79). */
struct msg {
    char *buf;
    size_t len;
};

static void msg_add(struct msg *m, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i] && m->len < MSG_MAX - 1; i++)
        m->buf[m->len++] = s[i];
    m->buf[m->len] = 0;
}

static void msg_str(struct msg *m, const char *s)
{
    msg_add(m, s, str_len(s));
}

/* 'word', cut to 32 characters ("..." marks the cut), so that the text
 * around it stays readable. */
static void msg_quoted(struct msg *m, const char *w, size_t n)
{
    msg_str(m, "'");
    if (n > 32) {
        msg_add(m, w, 29);
        msg_str(m, "...");
    } else {
        msg_add(m, w, n);
    }
    msg_str(m, "'");
}

static void msg_num(struct msg *m, uint64_t v)
{
    char d[21];
    size_t n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char r[21];
    for (size_t i = 0; i < n; i++)
        r[i] = d[n - 1 - i];
    msg_add(m, r, n);
}

/* --- the parser --- */

struct line_ctx {
    struct manifest *out;
    uint32_t line;
    struct msg msg;             /* the error of this line, if any */
    char text[MSG_MAX];
};

/* Starts the error text of the current line (one per line: the first). */
static struct msg *err(struct line_ctx *c)
{
    c->msg.buf = c->text;
    c->msg.len = 0;
    c->text[0] = 0;
    return &c->msg;
}

static void record_bad_line(struct line_ctx *c)
{
    struct manifest *m = c->out;
    m->bad_lines++;
    if (m->nerrors < MANIFEST_MAX_ERRORS) {
        struct manifest_error *e = &m->errors[m->nerrors++];
        e->line = c->line;
        zero(e->text, sizeof e->text);
        for (size_t i = 0; i < sizeof e->text - 1 && c->text[i]; i++)
            e->text[i] = c->text[i];
    }
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static bool is_name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

static bool valid_name(const char *w, size_t n)
{
    if (n < 1 || n > MANIFEST_NAME_MAX - 1)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_name_char(w[i]))
            return false;
    return true;
}

/* Decimal digits only, no sign, no overflow. */
static bool parse_u64(const char *w, size_t n, uint64_t *v)
{
    if (n == 0)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i] < '0' || w[i] > '9')
            return false;
        unsigned d = (unsigned)(w[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    *v = x;
    return true;
}

enum size_result { SIZE_OK, SIZE_BAD, SIZE_OVERFLOW };

static enum size_result parse_size(const char *w, size_t n, uint64_t *v)
{
    unsigned shift = 0;
    if (n > 0) {
        switch (w[n - 1]) {
        case 'K': case 'k': shift = 10; n--; break;
        case 'M': case 'm': shift = 20; n--; break;
        case 'G': case 'g': shift = 30; n--; break;
        default: break;
        }
    }
    if (n == 0)
        return SIZE_BAD;
    for (size_t i = 0; i < n; i++)
        if (w[i] < '0' || w[i] > '9')
            return SIZE_BAD;
    uint64_t x;
    if (!parse_u64(w, n, &x))
        return SIZE_OVERFLOW;       /* all digits: too many of them */
    if (shift && x > (UINT64_MAX >> shift))
        return SIZE_OVERFLOW;
    *v = x << shift;
    return SIZE_OK;
}

static const char *const cap_names[] = {
    "devices", "platform", "bundle", "devmgr", "demo-server", "demo-client", "control", "bootinfo",
};

enum key {
    K_PROGRAM, K_ARG, K_PRIORITY, K_QUOTA, K_DMA, K_RESTART, K_HEARTBEAT, K_READY_TIMEOUT,
    K_BACKOFF, K_BACKOFF_MAX, K_MAX_FAILURES, K_DEPENDS, K_CAPS, K_PROVIDES, K_USES, K_COUNT
};

static const char *const key_names[K_COUNT] = {
    "program", "arg", "priority", "quota", "dma", "restart", "heartbeat", "ready-timeout",
    "backoff", "backoff-max", "max-failures", "depends", "caps", "provides", "uses",
};

/* A decimal number within lo..hi for key k; false (error set) if not. */
static bool number_in(struct line_ctx *c, enum key k, const char *v, size_t n, uint64_t lo, uint64_t hi,
                      uint64_t *out)
{
    uint64_t x;
    if (!parse_u64(v, n, &x)) {
        struct msg *m = err(c);
        msg_str(m, "bad number ");
        msg_quoted(m, v, n);
        msg_str(m, " for ");
        msg_str(m, key_names[k]);
        return false;
    }
    if (x < lo || x > hi) {
        struct msg *m = err(c);
        msg_str(m, key_names[k]);
        msg_str(m, " ");
        msg_quoted(m, v, n);
        msg_str(m, " out of range (");
        msg_num(m, lo);
        msg_str(m, "..");
        msg_num(m, hi);
        msg_str(m, ")");
        return false;
    }
    *out = x;
    return true;
}

static bool size_in(struct line_ctx *c, enum key k, const char *v, size_t n, uint64_t lo, uint64_t hi,
                    const char *range, uint64_t *out)
{
    uint64_t x = 0;
    enum size_result r = parse_size(v, n, &x);
    if (r != SIZE_OK || x < lo || x > hi) {
        struct msg *m = err(c);
        if (r == SIZE_BAD) {
            msg_str(m, "bad size ");
            msg_quoted(m, v, n);
            msg_str(m, " for ");
            msg_str(m, key_names[k]);
            msg_str(m, " (N, NK, NM or NG)");
        } else {
            msg_str(m, key_names[k]);
            msg_str(m, " ");
            msg_quoted(m, v, n);
            msg_str(m, r == SIZE_OVERFLOW ? " too large (" : " out of range (");
            msg_str(m, range);
            msg_str(m, ")");
        }
        return false;
    }
    *out = x;
    return true;
}

/* depends=a,b and uses=a,b: names; caps=a,b: known sets. */
static bool parse_list(struct line_ctx *c, enum key k, const char *v, size_t n, struct manifest_entry *e)
{
    size_t i = 0;
    while (i <= n) {
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        const char *item = v + s;
        size_t len = i - s;
        if (len == 0) {
            struct msg *m = err(c);
            msg_str(m, "empty item in ");
            msg_str(m, key_names[k]);
            msg_str(m, "=");
            return false;
        }
        if (k == K_DEPENDS || k == K_USES) {
            uint32_t *count = k == K_DEPENDS ? &e->ndepends : &e->nuses;
            uint32_t most = k == K_DEPENDS ? MANIFEST_MAX_DEPENDS : MANIFEST_MAX_USES;
            if (!valid_name(item, len)) {
                struct msg *m = err(c);
                msg_str(m, "bad name ");
                msg_quoted(m, item, len);
                msg_str(m, " in ");
                msg_str(m, key_names[k]);
                msg_str(m, " (1..15 of a-z 0-9 _ -)");
                return false;
            }
            if (*count >= most) {
                struct msg *m = err(c);
                msg_str(m, "too many ");
                msg_str(m, key_names[k]);
                msg_str(m, " (at most ");
                msg_num(m, most);
                msg_str(m, ")");
                return false;
            }
            copy_name(k == K_DEPENDS ? e->depends[(*count)++] : e->uses[(*count)++], item, len);
        } else {
            unsigned b = 0;
            while (b < sizeof cap_names / sizeof cap_names[0] && !word_is(item, len, cap_names[b]))
                b++;
            if (b == sizeof cap_names / sizeof cap_names[0]) {
                struct msg *m = err(c);
                msg_str(m, "unknown capability set ");
                msg_quoted(m, item, len);
                return false;
            }
            e->caps |= 1u << b;
        }
        i++;                    /* past the comma (or the end) */
    }
    return true;
}

static bool parse_pair(struct line_ctx *c, const char *w, size_t n, struct manifest_entry *e, uint32_t *seen)
{
    size_t eq = 0;
    while (eq < n && w[eq] != '=')
        eq++;
    if (eq == n || eq == 0) {
        struct msg *m = err(c);
        msg_str(m, "expected key=value, got ");
        msg_quoted(m, w, n);
        return false;
    }
    enum key k = 0;
    while (k < K_COUNT && !word_is(w, eq, key_names[k]))
        k++;
    if (k == K_COUNT) {
        struct msg *m = err(c);
        msg_str(m, "unknown key ");
        msg_quoted(m, w, eq);
        return false;
    }
    if (*seen & (1u << k)) {
        struct msg *m = err(c);
        msg_str(m, "key '");
        msg_str(m, key_names[k]);
        msg_str(m, "' given twice");
        return false;
    }
    *seen |= 1u << k;
    const char *v = w + eq + 1;
    size_t vn = n - eq - 1;
    if (vn == 0) {
        struct msg *m = err(c);
        msg_str(m, "empty value for '");
        msg_str(m, key_names[k]);
        msg_str(m, "'");
        return false;
    }
    uint64_t x;
    switch (k) {
    case K_PROGRAM:
        if (!valid_name(v, vn)) {
            struct msg *m = err(c);
            msg_str(m, "bad program ");
            msg_quoted(m, v, vn);
            msg_str(m, " (1..15 of a-z 0-9 _ -)");
            return false;
        }
        copy_name(e->program, v, vn);
        return true;
    case K_ARG:
        if (!number_in(c, k, v, vn, 0, UINT64_MAX, &x))
            return false;
        e->arg = x;
        return true;
    case K_PRIORITY:
        if (!number_in(c, k, v, vn, 1, 254, &x))
            return false;
        e->priority = (uint32_t)x;
        return true;
    case K_QUOTA:
        return size_in(c, k, v, vn, 64ull << 10, SIZE_MAX_BYTES, "64K..4G", &e->quota);
    case K_DMA:
        return size_in(c, k, v, vn, 0, SIZE_MAX_BYTES, "0..4G", &e->dma);
    case K_RESTART:
        if (word_is(v, vn, "always")) {
            e->restart = RESTART_ALWAYS;
        } else if (word_is(v, vn, "on-failure")) {
            e->restart = RESTART_ON_FAILURE;
        } else if (word_is(v, vn, "never")) {
            e->restart = RESTART_NEVER;
        } else {
            struct msg *m = err(c);
            msg_str(m, "bad restart ");
            msg_quoted(m, v, vn);
            msg_str(m, " (always, on-failure, never)");
            return false;
        }
        return true;
    case K_HEARTBEAT:
        if (!number_in(c, k, v, vn, 0, 60000, &x))
            return false;
        e->heartbeat_ms = (uint32_t)x;
        return true;
    case K_READY_TIMEOUT:
        if (!number_in(c, k, v, vn, 1, 600000, &x))
            return false;
        e->ready_timeout_ms = (uint32_t)x;
        return true;
    case K_BACKOFF:
        if (!number_in(c, k, v, vn, 0, 60000, &x))
            return false;
        e->backoff_ms = (uint32_t)x;
        return true;
    case K_BACKOFF_MAX:
        if (!number_in(c, k, v, vn, 0, 600000, &x))
            return false;
        e->backoff_max_ms = (uint32_t)x;
        return true;
    case K_MAX_FAILURES:
        if (!number_in(c, k, v, vn, 1, 1000, &x))
            return false;
        e->max_failures = (uint32_t)x;
        return true;
    case K_PROVIDES:
        if (!valid_name(v, vn)) {
            struct msg *m = err(c);
            msg_str(m, "bad name ");
            msg_quoted(m, v, vn);
            msg_str(m, " for provides (1..15 of a-z 0-9 _ -)");
            return false;
        }
        copy_name(e->provides, v, vn);
        return true;
    case K_DEPENDS:
    case K_CAPS:
    case K_USES:
        return parse_list(c, k, v, vn, e);
    default:
        return false;
    }
}

/* Next word of l[*i..n): start in *w, length returned (0: none left). */
static size_t next_word(const char *l, size_t n, size_t *i, const char **w)
{
    while (*i < n && is_space(l[*i]))
        (*i)++;
    size_t s = *i;
    while (*i < n && !is_space(l[*i]))
        (*i)++;
    *w = l + s;
    return *i - s;
}

/* One line (comment already cut off): true if it was blank or kept. */
static bool parse_line(struct line_ctx *c, const char *l, size_t n)
{
    struct manifest *m = c->out;
    size_t i = 0;
    const char *w;
    size_t wn = next_word(l, n, &i, &w);
    if (wn == 0)
        return true;            /* blank or only a comment */

    enum manifest_kind kind;
    if (word_is(w, wn, "service")) {
        kind = MANIFEST_SERVICE;
    } else if (word_is(w, wn, "driver")) {
        kind = MANIFEST_DRIVER;
    } else {
        struct msg *e = err(c);
        msg_str(e, "unknown kind ");
        msg_quoted(e, w, wn);
        msg_str(e, " (service, driver)");
        return false;
    }

    const char *name;
    size_t nn = next_word(l, n, &i, &name);
    if (nn == 0) {
        msg_str(err(c), kind == MANIFEST_DRIVER ? "missing name after 'driver'" : "missing name after 'service'");
        return false;
    }
    if (!valid_name(name, nn)) {
        struct msg *e = err(c);
        msg_str(e, "bad name ");
        msg_quoted(e, name, nn);
        msg_str(e, " (1..15 of a-z 0-9 _ -)");
        return false;
    }
    if (kind == MANIFEST_DRIVER && !word_is(name, nn, "blk") && !word_is(name, nn, "net") &&
        !word_is(name, nn, "console")) {
        struct msg *e = err(c);
        msg_str(e, "unknown device type ");
        msg_quoted(e, name, nn);
        msg_str(e, " (blk, net, console)");
        return false;
    }
    char nm[MANIFEST_NAME_MAX];
    copy_name(nm, name, nn);
    const struct manifest_entry *dup = manifest_find(m, kind, nm);
    if (dup) {
        struct msg *e = err(c);
        msg_str(e, kind == MANIFEST_DRIVER ? "duplicate driver " : "duplicate service ");
        msg_quoted(e, name, nn);
        msg_str(e, " (first on line ");
        msg_num(e, dup->line);
        msg_str(e, ")");
        return false;
    }

    struct manifest_entry ent;
    manifest_defaults(&ent, kind, nm);
    ent.line = c->line;
    uint32_t seen = 0;
    while ((wn = next_word(l, n, &i, &w)) != 0)
        if (!parse_pair(c, w, wn, &ent, &seen))
            return false;

    if (kind == MANIFEST_SERVICE && ent.heartbeat_ms) {
        /* Services have no ping to answer yet (drivers answer through
         * pvdrivers/lib/drv.c): refused rather than silently not watched. */
        struct msg *e = err(c);
        msg_str(e, "heartbeat is for drivers only (services are watched for crashes and exits): ");
        msg_quoted(e, name, nn);
        return false;
    }

    if (kind == MANIFEST_DRIVER && (ent.provides[0] || ent.nuses)) {
        struct msg *e = err(c);
        msg_str(e, "provides and uses are for services (drivers are found through the device manager): ");
        msg_quoted(e, name, nn);
        return false;
    }
    for (uint32_t u = 0; u < ent.nuses; u++) {
        if (ent.provides[0] && word_is(ent.uses[u], str_len(ent.uses[u]), ent.provides)) {
            struct msg *e = err(c);
            msg_str(e, "a service cannot use what it provides: ");
            msg_quoted(e, ent.provides, str_len(ent.provides));
            return false;
        }
    }

    if (ent.backoff_max_ms < ent.backoff_ms) {
        if (seen & (1u << K_BACKOFF_MAX)) {
            struct msg *e = err(c);
            msg_str(e, "backoff-max ");
            msg_num(e, ent.backoff_max_ms);
            msg_str(e, " below backoff ");
            msg_num(e, ent.backoff_ms);
            return false;
        }
        ent.backoff_max_ms = ent.backoff_ms;
    }

    if (m->count >= MANIFEST_MAX_ENTRIES) {
        struct msg *e = err(c);
        msg_str(e, "too many entries (at most ");
        msg_num(e, MANIFEST_MAX_ENTRIES);
        msg_str(e, "): ");
        msg_quoted(e, name, nn);
        msg_str(e, " left out");
        return false;
    }
    m->entries[m->count++] = ent;
    return true;
}

uint32_t manifest_parse(const char *text, size_t len, struct manifest *out)
{
    zero(out, sizeof *out);
    if (!text)
        return 0;
    size_t end = 0;
    while (end < len && text[end])
        end++;                  /* a NUL ends the text */

    struct line_ctx c;
    c.out = out;
    c.line = 0;
    size_t pos = 0;
    while (pos < end) {
        size_t s = pos;
        while (pos < end && text[pos] != '\n')
            pos++;
        size_t n = pos - s;
        if (pos < end)
            pos++;              /* past the '\n' */
        if (c.line < UINT32_MAX)
            c.line++;
        err(&c);

        if (n > LINE_MAX_CHARS) {
            msg_str(&c.msg, "line too long (more than 255 characters)");
            record_bad_line(&c);
            continue;
        }
        char l[LINE_MAX_CHARS];
        size_t ln = 0;
        while (ln < n && text[s + ln] != '#') {
            l[ln] = text[s + ln];
            ln++;
        }
        if (!parse_line(&c, l, ln))
            record_bad_line(&c);
    }
    return out->count;
}

const struct manifest_entry *manifest_find(const struct manifest *m, enum manifest_kind kind, const char *name)
{
    if (!m || !name)
        return NULL;
    for (uint32_t i = 0; i < m->count && i < MANIFEST_MAX_ENTRIES; i++)
        if (m->entries[i].kind == kind && str_eq(m->entries[i].name, name))
            return &m->entries[i];
    return NULL;
}

void manifest_defaults(struct manifest_entry *e, enum manifest_kind kind, const char *name)
{
    zero(e, sizeof *e);
    e->kind = kind;
    size_t n = name ? str_len(name) : 0;
    copy_name(e->name, name ? name : "", n);
    copy_name(e->program, name ? name : "", n);
    e->restart = RESTART_ALWAYS;
    e->ready_timeout_ms = 5000;
    e->backoff_ms = 10;
    e->backoff_max_ms = 1000;
    e->max_failures = 5;
    if (kind == MANIFEST_DRIVER) {
        e->priority = 60;
        e->quota = 1ull << 20;
        e->heartbeat_ms = 50;
        e->dma = str_eq(e->name, "console") ? 1ull << 20 : 5ull << 20;
    } else {
        e->priority = 50;
        e->quota = 4ull << 20;
        e->heartbeat_ms = 0;
        e->dma = 0;
    }
}
