/* httpd: the appliance's web server. HTTP/1.1 (the pure core in
 * servers/httpd/http*.c: parsing, ranges, reply headers, log lines) over
 * the socket API (sock.h, manifest uses=net: slot PVK_SLOT_USES(0)),
 * serving files of the file server (fsclient.h, uses=fs: PVK_SLOT_USES(1))
 * from a document root. One thread, one poll loop, every socket call
 * non-blocking: a slow or stalled client holds only its own connection
 * slot, never the loop. See servers/httpd/README.md.
 *
 * Configuration: the port is main()'s argument (manifest arg=; 0: 80);
 * with caps=bootinfo the kernel command line may say httpd.port=N and
 * httpd.root=/path (default /). */
#include "runtime.h"
#include "bundle.h"
#include "sock.h"
#include "fsclient.h"
#include "cmdline.h"
#include "pvk/service.h"
#include "pvk/sockproto.h"
#include "http.h"

#define MAX_CONNS        (SOCK_MAX_SOCKETS - 1)  /* the network server's sockets per client, less the listener */
#define IN_CAP           (HTTP_HEADERS_MAX + 1024)  /* a request head, and a little of the next */
#define OUT_CAP          (64u << 10)             /* file data read per fs call */
#define HEAD_CAP         1024
#define HEADER_TIMEOUT_MS 10000                  /* a request head must arrive within this */
#define IDLE_TIMEOUT_MS  15000                   /* keep-alive: idle connections close after */
#define SEND_TIMEOUT_MS  30000                   /* no progress sending for this long: closed */
#define RELISTEN_MS      200                     /* after the network server went away */
#define ADDRESS_WAIT_MS  5000                    /* the ready line waits this long for an address */
#define NS_PER_MS        1000000ull

struct conn {
    long s;                     /* the socket; -1: slot free */
    uint32_t peer;
    uint16_t peer_port;
    uint64_t deadline;          /* when it is closed unless something happens */
    char *in;                   /* IN_CAP bytes received, not yet parsed */
    size_t in_len;
    /* The answer being sent: head[head_off..head_len), then the body:
     * the file's bytes [body_off, body_end) through out[out_off..out_len). */
    bool busy;
    char head[HEAD_CAP];
    size_t head_len, head_off;
    long fd;                    /* the file (-1: none, or the body was in head) */
    uint64_t body_off, body_end;
    char *out;
    size_t out_len, out_off;
    bool close_after;
    char path[FS_PATH_MAX];     /* the file's full path: opened again if the file server restarts */
    struct fs_stat st;          /* and what it was then (the same file, or the answer is cut) */
    /* The request being answered, for the log line. */
    struct {
        struct http_request req;
        bool req_ok;
        int status;
        uint64_t bytes;
    } log;
    uint64_t started;
};

static struct conn conns[MAX_CONNS];
static long listener = -1;
static uint16_t port = 80;
static char root[FS_PATH_MAX] = "/";
static uint64_t served, failed;

static uint64_t now_ns(void)
{
    return (uint64_t)sys_time().ret;
}

/* --- configuration ----------------------------------------------------------- */

/* Port and document root: arg, then the kernel command line (caps=bootinfo). */
static void configure(uint64_t arg)
{
    if (arg > 0 && arg < 65536)
        port = (uint16_t)arg;
    char cmd[RT_KERNEL_CMDLINE_SIZE];
    if (!rt_kernel_cmdline(cmd, sizeof cmd))
        return;
    uint64_t p;
    if (cmdline_get_u64(cmd, "httpd.port", &p)) {
        if (p > 0 && p < 65536)
            port = (uint16_t)p;
        else
            printf("httpd: httpd.port=%llu is not a port (1..65535); using %u", (unsigned long long)p, port);
    }
    char r[FS_PATH_MAX];
    if (cmdline_get(cmd, "httpd.root", r, sizeof r)) {
        if (r[0] == '/' && strlen(r) < FS_PATH_MAX - 64)
            strlcpy(root, r, sizeof root);
        else
            printf("httpd: httpd.root=%s must be an absolute path under %u bytes; using %s", r, FS_PATH_MAX - 64,
                   root);
    }
}

/* --- connections --------------------------------------------------------------- */

static void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        fs_close(c->fd);
    sock_close(c->s);
    c->s = -1;
    c->fd = -1;
    c->busy = false;
    c->in_len = 0;
}

static void conn_accept(void)
{
    for (;;) {
        uint32_t peer;
        uint16_t pport;
        long s = sock_accept(listener, &peer, &pport, SOCK_NOWAIT);
        if (s < 0) {
            if (s == SOCK_ECONNRESET || s == SYS_EDEAD || s == SOCK_ENOTCONN) {
                printf("httpd: accept: error %ld; listening again", s);
                sock_close(listener);
                listener = -1;
            }
            return;     /* none waiting, or this one could not be taken (it was closed) */
        }
        struct conn *c = NULL;
        for (unsigned i = 0; i < MAX_CONNS && !c; i++)
            if (conns[i].s < 0)
                c = &conns[i];
        if (!c) {
            static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                       "Connection: close\r\nRetry-After: 1\r\n\r\n";
            sock_send(s, busy, sizeof busy - 1, SOCK_NOWAIT);
            sock_close(s);
            failed++;
            continue;
        }
        c->s = s;
        c->peer = peer;
        c->peer_port = pport;
        c->in_len = 0;
        c->busy = false;
        c->fd = -1;
        c->deadline = now_ns() + HEADER_TIMEOUT_MS * NS_PER_MS;
    }
}

/* --- answering ------------------------------------------------------------------ */

/* The answer's head is in c->head; the body (if any) comes from c->fd. */
static void answer_started(struct conn *c, int status, uint64_t body_len)
{
    c->busy = true;
    c->head_off = 0;
    c->out_len = c->out_off = 0;
    c->log.status = status;
    c->log.bytes = body_len;
    c->deadline = now_ns() + SEND_TIMEOUT_MS * NS_PER_MS;
}

static void answer_error(struct conn *c, int status, bool head)
{
    c->close_after = true;
    long n = http_error_reply(c->head, sizeof c->head, status, head, false, 0, 0);
    c->head_len = n > 0 ? (size_t)n : 0;
    c->fd = -1;
    c->body_off = c->body_end = 0;
    answer_started(c, status, 0);
}

/* path opened read-only, once more if the file server restarted during
 * the call: the handle or the error. */
static long open_retrying(const char *path)
{
    long fd = -1;
    for (int attempt = 0; attempt < 2; attempt++) {
        fd = fs_open(path, FS_O_RDONLY, 0);
        if (fd != PVK_EPEER_RESTARTED && fd != SYS_EDEAD)
            break;
    }
    return fd;
}

/* Opens root + path (a folder: its index.html) for req: 0 and c->fd, the
 * size and the stat, or the status to answer (404, 500, 503). */
static int open_file(struct conn *c, const struct http_request *req, struct fs_stat *st)
{
    char full[FS_PATH_MAX];
    if (http_join_path(full, sizeof full, root, req->path, "index.html") != 0)
        return 414;
    long fd = open_retrying(full);
    if (fd >= 0 && fs_fstat(fd, st) == 0 && st->type == FS_TYPE_DIR) {
        fs_close(fd);
        /* A folder named without its '/': its index. */
        size_t n = strlen(full);
        if (n + sizeof "/index.html" > sizeof full)
            return 404;
        memcpy(full + n, "/index.html", sizeof "/index.html");
        fd = fs_open(full, FS_O_RDONLY, 0);
        if (fd >= 0 && (fs_fstat(fd, st) != 0 || st->type != FS_TYPE_FILE)) {
            fs_close(fd);
            return 404;
        }
    } else if (fd >= 0 && st->type != FS_TYPE_FILE) {
        fs_close(fd);
        return 404;
    }
    if (fd >= 0) {
        c->fd = fd;
        memcpy(c->path, full, sizeof full);
        c->st = *st;
        return 0;
    }
    if (fd == SYS_ENOENT || fd == FS_ENOTDIR || fd == FS_EISDIR || fd == FS_ENAMETOOLONG)
        return 404;
    if (fd == PVK_EPEER_RESTARTED || fd == SYS_EDEAD || fd == PVK_EFAILED || fd == PVK_ESTOPPED || fd == FS_EIO)
        return 503;
    return 500;
}

/* A complete request: its answer set up in c. */
static void answer(struct conn *c, const struct http_request *req)
{
    bool head = req->method == HTTP_M_HEAD;
    c->close_after = !req->keep_alive;
    c->fd = -1;
    struct fs_stat st;
    int status = open_file(c, req, &st);
    if (status) {
        long n = http_error_reply(c->head, sizeof c->head, status, head, !c->close_after, 0, 0);
        c->head_len = n > 0 ? (size_t)n : 0;
        c->body_off = c->body_end = 0;
        answer_started(c, status, 0);
        return;
    }
    char etag[64];
    size_t etag_len = http_etag(etag, sizeof etag, st.ino, st.size, st.mtime);
    uint64_t first = 0, count = st.size;
    status = http_not_modified(req, etag, st.mtime) ? 304 : http_range_eval(&req->range, st.size, &first, &count);
    if (status == 416) {
        fs_close(c->fd);
        c->fd = -1;
        long n = http_error_reply(c->head, sizeof c->head, 416, head, !c->close_after, 0, st.size);
        c->head_len = n > 0 ? (size_t)n : 0;
        c->body_off = c->body_end = 0;
        answer_started(c, 416, 0);
        return;
    }
    struct http_reply r = {
        .status = status, .keep_alive = !c->close_after, .content_type = http_mime_type(req->path),
        .content_length = status == 304 ? 0 : count, .range_first = first, .total_size = st.size,
        .last_modified = st.mtime, .etag = etag_len ? etag : NULL,
    };
    long n = http_reply_header(c->head, sizeof c->head, &r);
    if (n < 0) {
        fs_close(c->fd);
        answer_error(c, 500, head);
        return;
    }
    c->head_len = (size_t)n;
    c->body_off = first;
    c->body_end = head || status == 304 ? first : first + count;
    if (c->body_off == c->body_end) {
        fs_close(c->fd);
        c->fd = -1;
    }
    answer_started(c, status, c->body_end - c->body_off);
}

/* The answer is sent: the log line, then the next pipelined request or
 * the close. */
static void answer_done(struct conn *c)
{
    char line[HTTP_PATH_MAX + 160];
    size_t n = http_log_line(line, sizeof line, c->peer, c->peer_port, c->log.req_ok ? &c->log.req : NULL,
                             c->log.status, c->log.bytes, now_ns() - c->started);
    if (n && line[n - 1] == '\n')
        line[n - 1] = 0;
    printf("%s", line);
    if (served + failed == 0)   /* make bench-boot's "boot to the first HTTP answer" */
        printf("httpd: first answer %llu us after boot", (unsigned long long)(now_ns() / 1000));
    if (c->log.status < 400)
        served++;
    else
        failed++;
    if (c->fd >= 0)
        fs_close(c->fd);
    c->fd = -1;
    c->busy = false;
    if (c->close_after) {
        conn_close(c);
        return;
    }
    c->deadline = now_ns() + (c->in_len ? HEADER_TIMEOUT_MS : IDLE_TIMEOUT_MS) * NS_PER_MS;
}

/* Takes the next request out of c->in, if a whole one is there. */
static void parse_next(struct conn *c)
{
    if (c->busy || c->s < 0 || c->in_len == 0)
        return;
    struct http_parser p;
    http_parser_init(&p);
    long r = http_parse(&p, (const uint8_t *)c->in, c->in_len, &c->log.req);
    if (r == 0) {
        if (c->in_len == IN_CAP)        /* cannot happen: the parser's limits are below IN_CAP */
            answer_error(c, 431, false);
        return;
    }
    c->started = now_ns();
    c->log.req_ok = c->log.req.line_ok;
    if (r < 0) {
        answer_error(c, (int)-r, c->log.req.line_ok && c->log.req.method == HTTP_M_HEAD);
        c->in_len = 0;
        return;
    }
    memmove(c->in, c->in + r, c->in_len - (size_t)r);
    c->in_len -= (size_t)r;
    answer(c, &c->log.req);
}

/* The file server restarted under an answer (its handles are gone): the
 * same file opened again, if it is still the same (inode, size, time), so
 * the client never notices. False if not. */
static bool reopen(struct conn *c)
{
    fs_close(c->fd);
    c->fd = -1;
    long fd = open_retrying(c->path);
    if (fd < 0)
        return false;
    struct fs_stat now;
    if (fs_fstat(fd, &now) != 0 || now.ino != c->st.ino || now.size != c->st.size || now.mtime != c->st.mtime) {
        fs_close(fd);
        return false;
    }
    c->fd = fd;
    return true;
}

/* Fills c->out with what comes next: the head (if not sent yet) and as
 * much of the body as fits after it, so that a small answer is one send
 * (one segment) and a large one goes out in OUT_CAP pieces. False if the
 * file cannot be read (the connection is closed: its length was promised). */
static bool refill(struct conn *c)
{
    size_t n = 0;
    if (c->head_off < c->head_len) {
        n = c->head_len - c->head_off;
        memcpy(c->out, c->head + c->head_off, n);
        c->head_off = c->head_len;
    }
    if (c->body_off < c->body_end) {
        uint64_t want = c->body_end - c->body_off;
        size_t room = OUT_CAP + HEAD_CAP - n, ask = want < room ? (size_t)want : room;
        long got = fs_read(c->fd, c->out + n, ask, c->body_off);
        if (got < 0 && reopen(c))
            got = fs_read(c->fd, c->out + n, ask, c->body_off);
        if (got <= 0) {             /* the file shrank or the file server failed */
            printf("httpd: reading %s: error %ld; connection closed", c->path, got);
            conn_close(c);
            return false;
        }
        n += (size_t)got;
        c->body_off += (uint64_t)got;
    }
    c->out_off = 0;
    c->out_len = n;
    return true;
}

/* Sends what it can of the answer without waiting. False if the
 * connection was closed. */
static bool pump(struct conn *c)
{
    while (c->busy) {
        if (c->out_off == c->out_len && (c->head_off < c->head_len || c->body_off < c->body_end) && !refill(c))
            return false;
        if (c->out_off < c->out_len) {
            long n = sock_send(c->s, c->out + c->out_off, c->out_len - c->out_off, SOCK_NOWAIT);
            if (n == SYS_EAGAIN || n == SYS_ETIMEOUT)
                return true;
            if (n <= 0) {
                conn_close(c);
                return false;
            }
            c->out_off += (size_t)n;
            c->deadline = now_ns() + SEND_TIMEOUT_MS * NS_PER_MS;
            continue;
        }
        answer_done(c);
        if (c->s < 0)
            return false;
        parse_next(c);
    }
    return true;
}

/* Reads what has arrived without waiting; false if the connection closed. */
static bool take_input(struct conn *c)
{
    while (c->in_len < IN_CAP) {
        long n = sock_recv(c->s, c->in + c->in_len, IN_CAP - c->in_len, SOCK_NOWAIT);
        if (n == SYS_EAGAIN || n == SYS_ETIMEOUT)
            break;
        if (n <= 0) {               /* the end of the stream, or reset */
            if (!c->busy || n < 0) {
                conn_close(c);
                return false;
            }
            break;                  /* a half-close: finish the answer, then close */
        }
        if (!c->busy && c->in_len == 0)
            c->deadline = now_ns() + HEADER_TIMEOUT_MS * NS_PER_MS;
        c->in_len += (size_t)n;
    }
    parse_next(c);
    return true;
}

static bool listen_now(void)
{
    long l = sock_tcp_listen(SOCK_ANY, port, MAX_CONNS);
    if (l < 0)
        return false;
    sock_tcp_nodelay(l, true);  /* each send is a whole answer or a large piece: no need to wait */
    listener = l;
    return true;
}

static void serve(void)
{
    static struct sock_poll set[MAX_CONNS + 1];
    static struct conn *of[MAX_CONNS + 1];
    uint64_t relisten_at = 0;
    for (;;) {
        uint64_t now = now_ns();
        if (listener < 0 && now >= relisten_at) {
            if (!listen_now())
                relisten_at = now + RELISTEN_MS * NS_PER_MS;
            else
                printf("httpd: listening again on port %u", port);
        }
        unsigned n = 0;
        uint64_t deadline = now + 1000 * NS_PER_MS;
        if (listener >= 0)
            set[n++] = (struct sock_poll){ .s = listener, .events = SOCK_POLL_IN };
        else if (relisten_at < deadline)
            deadline = relisten_at;
        for (unsigned i = 0; i < MAX_CONNS; i++) {
            struct conn *c = &conns[i];
            if (c->s < 0)
                continue;
            if (now >= c->deadline) {
                conn_close(c);      /* too slow: a half-sent request, a stalled reader, or idle */
                continue;
            }
            if (c->deadline < deadline)
                deadline = c->deadline;
            of[n] = c;
            set[n++] = (struct sock_poll){ .s = c->s, .events = (uint16_t)(c->busy ? SOCK_POLL_OUT : SOCK_POLL_IN) };
        }
        long r = sock_poll(set, n, deadline);
        if (r < 0) {
            /* The network server went away: every socket is gone with it. */
            printf("httpd: poll: error %ld; closing connections, listening again", r);
            for (unsigned i = 0; i < MAX_CONNS; i++)
                if (conns[i].s >= 0)
                    conn_close(&conns[i]);
            if (listener >= 0)
                sock_close(listener);
            listener = -1;
            relisten_at = now_ns() + RELISTEN_MS * NS_PER_MS;
            continue;
        }
        for (unsigned i = 0; i < n; i++) {
            if (!set[i].revents)
                continue;
            if (set[i].s == listener && i == 0) {
                if (set[i].revents & (SOCK_POLL_ERR | SOCK_POLL_HUP)) {
                    sock_close(listener);
                    listener = -1;
                    continue;
                }
                conn_accept();
                continue;
            }
            struct conn *c = of[i];
            if (c->s != set[i].s)
                continue;
            if (!take_input(c))
                continue;
            pump(c);
        }
    }
}

int main(uint64_t arg)
{
    configure(arg);
    for (unsigned i = 0; i < MAX_CONNS; i++) {
        conns[i].s = -1;
        conns[i].fd = -1;
        conns[i].in = malloc(IN_CAP);
        conns[i].out = malloc(OUT_CAP + HEAD_CAP);
        if (!conns[i].in || !conns[i].out) {
            printf("httpd: out of memory for %u connections", MAX_CONNS);
            return 1;
        }
    }
    long rc = sock_init(PVK_SLOT_USES(0));
    if (rc < 0) {
        printf("httpd: cannot use the network server (uses=net): error %ld", rc);
        return 1;
    }
    /* No file server session yet (no disk, or not an ext2 image: fs answers
     * FS_EIO) is not fatal: every request then gets 503, and each tries to
     * reach the file server again. */
    rc = fs_init(PVK_SLOT_USES(1));
    if (rc < 0)
        printf("httpd: the file server answers error %ld (no disk or image?); answering 503 until it serves", rc);
    uint64_t give_up = now_ns() + 30000 * NS_PER_MS;
    while (!listen_now()) {
        if (now_ns() > give_up) {
            printf("httpd: cannot listen on port %u", port);
            return 1;
        }
        sys_sleep(now_ns() + RELISTEN_MS * NS_PER_MS);
    }
    struct fs_stat st;
    char index[FS_PATH_MAX];
    http_join_path(index, sizeof index, root, "/", "index.html");
    long have = fs_stat(index, &st);
    /* The address comes from DHCP, or the static fallback after 3 s: the
     * ready line waits for it (up to ADDRESS_WAIT_MS), serving meanwhile
     * would not help (nothing reaches an interface without an address). */
    uint32_t addr = 0;
    for (uint64_t until = now_ns() + ADDRESS_WAIT_MS * NS_PER_MS; sock_local_addr(&addr) == 0 && addr == 0 &&
                                                                  now_ns() < until;)
        sys_sleep(now_ns() + 2 * NS_PER_MS);
    printf("httpd: ready on port %u, address %u.%u.%u.%u, root %s (%s)", port, addr >> 24, (addr >> 16) & 255,
           (addr >> 8) & 255, addr & 255, root, have == 0 ? "index.html found" : "no index.html");
    serve();
    return 0;
}
