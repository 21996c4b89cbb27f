/*
 * tls_server.c - TLS echo/discard peer for the TLS benchmarks (OpenSSL).
 *
 * Usage: ./tls_server CERT_PEM KEY_PEM ECHO_PORT DISCARD_PORT
 *
 * Listens on 127.0.0.1 on both ports (0 = ephemeral port), then prints
 * "READY <echo_port> <discard_port>" on stdout and flushes it.
 *
 * TLS 1.3 only, one cipher suite (TLS_AES_128_GCM_SHA256), no session
 * tickets and no session cache: every handshake is a full one. On SIGTERM
 * or SIGINT it prints "STATS handshakes=N resumed=M group=G openssl=V"
 * (G: the key exchange group of the last handshake) on stdout and exits 0.
 *
 * Single-threaded, level-triggered epoll loop, non-blocking sockets, like
 * bench_server.c:
 *  - echo port:    every plaintext byte read is written back, in order. If
 *                  SSL_write cannot finish, the unsent tail is kept, reading
 *                  from that connection stops and the server waits for
 *                  EPOLLOUT (or EPOLLIN when OpenSSL wants to read).
 *  - discard port: everything read is decrypted and dropped.
 *
 * Build: gcc -O2 -Wall -Wextra -o tls_server tls_server.c -lssl -lcrypto
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BACKLOG 4096
#define BUF_SIZE (64 * 1024)
#define MAX_EVENTS 1024
/* Bound the records handled for one connection per wakeup (fairness). */
#define MAX_READS_PER_EVENT 64

enum kind { K_LISTEN_ECHO = 1, K_LISTEN_DISCARD, K_ECHO, K_DISCARD };

struct conn {
    int fd;
    int kind;
    SSL *ssl;
    int handshaken;
    uint32_t events; /* what epoll waits for */
    char *pend;      /* plaintext SSL_write has not taken yet (NULL: none) */
    size_t pend_len;
};

static struct conn **table; /* indexed by fd */
static size_t table_cap;
static int epfd = -1;
static SSL_CTX *ctx;
static volatile sig_atomic_t stop_flag;
static unsigned long handshakes, resumed;
static int last_group; /* NID of the key exchange group of the last handshake */

static char buf[BUF_SIZE];
/* fds whose serve() stopped at MAX_READS_PER_EVENT, to serve again before blocking. */
static int again[MAX_EVENTS], again_prev[MAX_EVENTS];
static int again_len;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void die_ssl(const char *what)
{
    fprintf(stderr, "%s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static int table_put(struct conn *c)
{
    if ((size_t)c->fd >= table_cap) {
        size_t ncap = table_cap ? table_cap : 1024;
        while (ncap <= (size_t)c->fd)
            ncap *= 2;
        struct conn **nt = realloc(table, ncap * sizeof(*nt));
        if (!nt)
            return -1;
        memset(nt + table_cap, 0, (ncap - table_cap) * sizeof(*nt));
        table = nt;
        table_cap = ncap;
    }
    table[c->fd] = c;
    return 0;
}

static void conn_close(struct conn *c)
{
    table[c->fd] = NULL;
    if (c->ssl)
        SSL_free(c->ssl); /* no close_notify: the peer has gone or is going */
    close(c->fd);
    free(c->pend);
    free(c);
}

static int want(struct conn *c, uint32_t events)
{
    if (c->events == events)
        return 0;
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.fd = c->fd;
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        return -1;
    c->events = events;
    return 0;
}

static int make_listener(int port, int *bound_port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
        die("setsockopt(SO_REUSEADDR)");
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "bind 127.0.0.1:%d: %s\n", port, strerror(errno));
        exit(1);
    }
    if (listen(fd, BACKLOG) < 0)
        die("listen");
    socklen_t len = sizeof(sa);
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        die("getsockname");
    *bound_port = ntohs(sa.sin_port);
    return fd;
}

static int parse_port(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < 0 || v > 65535) {
        fprintf(stderr, "invalid port: %s\n", s);
        exit(1);
    }
    return (int)v;
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static SSL_CTX *make_ctx(const char *cert, const char *key)
{
    SSL_CTX *c = SSL_CTX_new(TLS_server_method());
    if (!c)
        die_ssl("SSL_CTX_new");
    if (!SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) || !SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION))
        die_ssl("SSL_CTX_set_min/max_proto_version");
    if (!SSL_CTX_set_ciphersuites(c, "TLS_AES_128_GCM_SHA256"))
        die_ssl("SSL_CTX_set_ciphersuites");
    if (SSL_CTX_use_certificate_chain_file(c, cert) != 1)
        die_ssl("SSL_CTX_use_certificate_chain_file");
    if (SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1)
        die_ssl("SSL_CTX_use_PrivateKey_file");
    /* Full handshakes only: no tickets (TLS 1.3 resumption), no server-side cache. */
    SSL_CTX_set_num_tickets(c, 0);
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    return c;
}

static void do_accept(struct conn *l)
{
    for (;;) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                perror("accept4"); /* out of resources: the rest waits in the backlog */
            return;
        }
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct conn *c = calloc(1, sizeof(*c));
        SSL *ssl = SSL_new(ctx);
        if (!c || !ssl || !SSL_set_fd(ssl, fd)) {
            SSL_free(ssl);
            free(c);
            close(fd);
            continue;
        }
        SSL_set_accept_state(ssl);
        c->fd = fd;
        c->ssl = ssl;
        c->kind = (l->kind == K_LISTEN_ECHO) ? K_ECHO : K_DISCARD;
        c->events = EPOLLIN;
        if (table_put(c) < 0) {
            SSL_free(ssl);
            close(fd);
            free(c);
            continue;
        }
        struct epoll_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            perror("epoll_ctl(ADD)");
            conn_close(c);
        }
    }
}

/* After an SSL call returned r <= 0: 0 = wait (epoll set accordingly), -1 = close the connection. */
static int after_ssl_error(struct conn *c, int r)
{
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        return want(c, EPOLLIN);
    case SSL_ERROR_WANT_WRITE:
        return want(c, EPOLLOUT);
    default: /* close_notify, EOF, reset, protocol error */
        if (!c->handshaken) {
            /* Say why; one per handshake run is expected: the client exits with a handshake in flight. */
            unsigned long e = ERR_peek_error();
            fprintf(stderr, "tls_server: handshake on fd %d ended: %s (errno %d)\n", c->fd,
                    e ? ERR_reason_error_string(e) : "EOF or reset", errno);
        }
        ERR_clear_error();
        return -1;
    }
}

static void note_handshake(struct conn *c)
{
    if (!c->handshaken && SSL_is_init_finished(c->ssl)) {
        c->handshaken = 1;
        handshakes++;
        if (SSL_session_reused(c->ssl))
            resumed++;
        last_group = SSL_get_negotiated_group(c->ssl);
    }
}

/* Writes the pending plaintext: 0 when it is all taken, 1 when some waits, -1 on error. */
static int flush_pending(struct conn *c)
{
    while (c->pend) {
        int w = SSL_write(c->ssl, c->pend, (int)c->pend_len);
        if (w <= 0)
            return after_ssl_error(c, w) < 0 ? -1 : 1;
        if ((size_t)w < c->pend_len) {
            memmove(c->pend, c->pend + w, c->pend_len - (size_t)w);
            c->pend_len -= (size_t)w;
        } else {
            free(c->pend);
            c->pend = NULL;
            c->pend_len = 0;
        }
    }
    return 0;
}

/* Reads records; echoes (K_ECHO) or drops (K_DISCARD) the plaintext. Returns -1 when the connection must close. */
static int serve(struct conn *c)
{
    if (c->pend) {
        int r = flush_pending(c);
        if (r != 0)
            return r < 0 ? -1 : 0;
        if (want(c, EPOLLIN) < 0)
            return -1;
    }
    for (int i = 0; i < MAX_READS_PER_EVENT; i++) {
        int n = SSL_read(c->ssl, buf, sizeof(buf));
        note_handshake(c);
        if (n <= 0)
            return after_ssl_error(c, n);
        if (c->kind == K_DISCARD)
            continue;
        size_t off = 0;
        while (off < (size_t)n) {
            int w = SSL_write(c->ssl, buf + off, (int)((size_t)n - off));
            if (w <= 0) {
                /* Keep the tail and stop reading until OpenSSL can take it. */
                c->pend_len = (size_t)n - off;
                c->pend = malloc(c->pend_len);
                if (!c->pend)
                    return -1;
                memcpy(c->pend, buf + off, c->pend_len);
                return after_ssl_error(c, w);
            }
            off += (size_t)w;
        }
    }
    if (again_len < MAX_EVENTS)
        again[again_len++] = c->fd; /* more may be buffered inside OpenSSL, which epoll does not see */
    return 0;
}

static void handle(int fd)
{
    if (fd < 0 || (size_t)fd >= table_cap)
        return;
    struct conn *c = table[fd];
    if (!c)
        return; /* closed earlier in this batch */
    if (c->kind == K_LISTEN_ECHO || c->kind == K_LISTEN_DISCARD)
        do_accept(c);
    else if (serve(c) < 0)
        conn_close(c);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s CERT_PEM KEY_PEM ECHO_PORT DISCARD_PORT\n", argv[0]);
        return 1;
    }
    int echo_port = parse_port(argv[3]);
    int discard_port = parse_port(argv[4]);
    raise_nofile();
    ctx = make_ctx(argv[1], argv[2]);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_signal; /* no SA_RESTART: epoll_pwait returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    /* Block SIGTERM/SIGINT except while inside epoll_pwait (no lost wakeup). */
    sigset_t block, waitmask;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    if (sigprocmask(SIG_BLOCK, &block, &waitmask) < 0)
        die("sigprocmask");
    sigdelset(&waitmask, SIGTERM);
    sigdelset(&waitmask, SIGINT);

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        die("epoll_create1");

    int bound_echo, bound_discard;
    int lfds[2] = { make_listener(echo_port, &bound_echo), make_listener(discard_port, &bound_discard) };
    int kinds[2] = { K_LISTEN_ECHO, K_LISTEN_DISCARD };
    for (int i = 0; i < 2; i++) {
        struct conn *l = calloc(1, sizeof(*l));
        if (!l)
            die("calloc");
        l->fd = lfds[i];
        l->kind = kinds[i];
        if (table_put(l) < 0)
            die("realloc");
        struct epoll_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.events = EPOLLIN;
        ev.data.fd = l->fd;
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, l->fd, &ev) < 0)
            die("epoll_ctl(ADD listener)");
    }

    printf("READY %d %d\n", bound_echo, bound_discard);
    fflush(stdout);

    static struct epoll_event events[MAX_EVENTS];
    while (!stop_flag) {
        /* Connections cut short by MAX_READS_PER_EVENT may hold a record OpenSSL has read: poll, do not block. */
        int n = epoll_pwait(epfd, events, MAX_EVENTS, again_len ? 0 : -1, &waitmask);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_pwait");
        }
        int prev = again_len;
        memcpy(again_prev, again, (size_t)prev * sizeof(int));
        again_len = 0;
        for (int i = 0; i < n; i++)
            handle(events[i].data.fd);
        for (int i = 0; i < prev; i++)
            handle(again_prev[i]); /* a repeat of a fd handled above finds WANT_READ at once */
    }

    const char *group = last_group ? OBJ_nid2sn(last_group & ~TLSEXT_nid_unknown) : NULL;
    printf("STATS handshakes=%lu resumed=%lu group=%s openssl=%s\n", handshakes, resumed, group ? group : "none",
           OpenSSL_version(OPENSSL_VERSION_STRING));
    fflush(stdout);
    for (size_t fd = 0; fd < table_cap; fd++) {
        if (table[fd])
            conn_close(table[fd]);
    }
    free(table);
    SSL_CTX_free(ctx);
    close(epfd);
    return 0;
}
