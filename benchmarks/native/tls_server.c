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
 * Build: gcc -O2 -Wall -Wextra -o tls_server tls_server.c server_common.c -lssl -lcrypto
 */
#define _GNU_SOURCE
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "server_common.h"

#define BUF_SIZE (64 * 1024)
/* Bound the records handled for one connection per wakeup (fairness). */
#define MAX_READS_PER_EVENT 64

struct conn {
    int fd;
    int kind;
    SSL *ssl;
    int handshaken;
    uint32_t events; /* what epoll waits for */
    char *pend;      /* plaintext SSL_write has not taken yet (NULL: none) */
    size_t pend_len;
};

static SSL_CTX *ctx;
static unsigned long handshakes, resumed;
static int last_group; /* NID of the key exchange group of the last handshake */

static char buf[BUF_SIZE];
/* fds whose serve() stopped at MAX_READS_PER_EVENT, to serve again before blocking. */
static int again[MAX_EVENTS], again_prev[MAX_EVENTS];
static int again_len;

static void die_ssl(const char *what)
{
    fprintf(stderr, "%s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static void conn_close(struct conn *c)
{
    conn_forget(c->fd);
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
    if (epoll_mod(c->fd, events) < 0)
        return -1;
    c->events = events;
    return 0;
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

static void *conn_new(int fd, int kind)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    if (kind == K_ECHO || kind == K_DISCARD) {
        SSL *ssl = SSL_new(ctx);
        if (!ssl || !SSL_set_fd(ssl, fd)) {
            SSL_free(ssl);
            free(c);
            return NULL;
        }
        SSL_set_accept_state(ssl);
        c->ssl = ssl;
    }
    c->fd = fd;
    c->kind = kind;
    c->events = EPOLLIN;
    return c;
}

static void conn_close_any(void *c)
{
    conn_close(c);
}

static const struct server_ops ops = { conn_new, conn_close_any };

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
    struct conn *c = conn_get(fd);
    if (!c)
        return; /* closed earlier in this batch */
    if (c->kind == K_LISTEN_ECHO || c->kind == K_LISTEN_DISCARD)
        accept_all(c->fd, c->kind);
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
    sigset_t waitmask;
    server_init(&ops, &waitmask);
    ctx = make_ctx(argv[1], argv[2]);
    open_listeners(echo_port, discard_port);

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
    close_all();
    SSL_CTX_free(ctx);
    return 0;
}
