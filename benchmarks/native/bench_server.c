/*
 * bench_server.c - shared echo/discard peer for the benchmark harness.
 *
 * Usage: ./bench_server ECHO_PORT DISCARD_PORT
 *
 * Listens on 127.0.0.1 on both ports (0 = ephemeral port), then prints
 * "READY <echo_port> <discard_port>" on stdout and flushes it.
 *
 * Single-threaded, level-triggered epoll loop, non-blocking sockets.
 *  - echo port:    every byte read is written back, in order. If write()
 *                  would block, the unsent tail is kept per connection,
 *                  reading from that connection stops (EPOLLIN removed) and
 *                  the server waits for EPOLLOUT; reading resumes once the
 *                  tail has been sent.
 *  - discard port: everything read is dropped.
 *
 * SIGPIPE is ignored; SIGTERM/SIGINT make the loop exit cleanly (exit 0).
 *
 * Build: gcc -O2 -Wall -Wextra -o bench_server bench_server.c server_common.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "server_common.h"

#define ECHO_BUF_SIZE (64 * 1024)
#define DISCARD_BUF_SIZE (256 * 1024)
/* Bound the work done for one connection per wakeup (fairness). */
#define MAX_READS_PER_EVENT 16

struct conn {
    int fd;
    int kind;
    char *pend;      /* unsent echo bytes (NULL when none) */
    size_t pend_off; /* first unsent byte */
    size_t pend_len; /* end of unsent bytes */
};

static char echo_buf[ECHO_BUF_SIZE];
static char discard_buf[DISCARD_BUF_SIZE];

static void conn_close(struct conn *c)
{
    /* close() removes the fd from the epoll set (no dup'ed fds here). */
    conn_forget(c->fd);
    close(c->fd);
    free(c->pend);
    free(c);
}

static int set_events(struct conn *c, uint32_t events)
{
    return epoll_mod(c->fd, events);
}

/* Returns 0 when all pending bytes are sent, 1 if some remain, -1 on error. */
static int flush_pending(struct conn *c)
{
    while (c->pend_off < c->pend_len) {
        ssize_t w = write(c->fd, c->pend + c->pend_off, c->pend_len - c->pend_off);
        if (w > 0) {
            c->pend_off += (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 1;
        } else {
            return -1;
        }
    }
    free(c->pend);
    c->pend = NULL;
    c->pend_off = c->pend_len = 0;
    return 0;
}

static void echo_readable(struct conn *c)
{
    for (int i = 0; i < MAX_READS_PER_EVENT; i++) {
        ssize_t n = read(c->fd, echo_buf, sizeof(echo_buf));
        if (n == 0) {
            conn_close(c); /* EOF: everything read so far has been written */
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            conn_close(c); /* ECONNRESET etc. */
            return;
        }
        size_t off = 0;
        while (off < (size_t)n) {
            ssize_t w = write(c->fd, echo_buf + off, (size_t)n - off);
            if (w > 0) {
                off += (size_t)w;
            } else if (w < 0 && errno == EINTR) {
                continue;
            } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                break;
            } else {
                conn_close(c);
                return;
            }
        }
        if (off < (size_t)n) {
            /* Socket full: keep the tail, stop reading, wait for EPOLLOUT. */
            size_t rem = (size_t)n - off;
            c->pend = malloc(rem);
            if (!c->pend) {
                conn_close(c);
                return;
            }
            memcpy(c->pend, echo_buf + off, rem);
            c->pend_off = 0;
            c->pend_len = rem;
            if (set_events(c, EPOLLOUT) < 0) {
                conn_close(c);
            }
            return;
        }
        if ((size_t)n < sizeof(echo_buf))
            return; /* likely drained; level-triggered epoll re-reports */
    }
}

static void echo_writable(struct conn *c)
{
    int r = flush_pending(c);
    if (r < 0) {
        conn_close(c);
    } else if (r == 0) {
        if (set_events(c, EPOLLIN) < 0)
            conn_close(c);
    }
}

static void discard_readable(struct conn *c)
{
    for (int i = 0; i < MAX_READS_PER_EVENT; i++) {
        ssize_t n = read(c->fd, discard_buf, sizeof(discard_buf));
        if (n == 0) {
            conn_close(c);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_close(c);
            return;
        }
        if ((size_t)n < sizeof(discard_buf))
            return;
    }
}

static void *conn_new(int fd, int kind)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (c) {
        c->fd = fd;
        c->kind = kind;
    }
    return c;
}

static void conn_close_any(void *c)
{
    conn_close(c);
}

static const struct server_ops ops = { conn_new, conn_close_any };

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s ECHO_PORT DISCARD_PORT\n", argv[0]);
        return 1;
    }
    int echo_port = parse_port(argv[1]);
    int discard_port = parse_port(argv[2]);

    sigset_t waitmask;
    server_init(&ops, &waitmask);
    open_listeners(echo_port, discard_port);

    static struct epoll_event events[MAX_EVENTS];
    while (!stop_flag) {
        int n = epoll_pwait(epfd, events, MAX_EVENTS, -1, &waitmask);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_pwait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = conn_get(events[i].data.fd);
            if (!c)
                continue; /* closed earlier in this batch */
            uint32_t e = events[i].events;
            switch (c->kind) {
            case K_LISTEN_ECHO:
            case K_LISTEN_DISCARD:
                accept_all(c->fd, c->kind);
                break;
            case K_ECHO:
                if (c->pend) {
                    if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                        echo_writable(c); /* write() reports the error */
                } else if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                    echo_readable(c); /* read() reports EOF/error */
                }
                break;
            case K_DISCARD:
                if (e & (EPOLLIN | EPOLLERR | EPOLLHUP))
                    discard_readable(c);
                break;
            }
        }
    }

    /* Clean shutdown: close every connection and the listeners. */
    close_all();
    return 0;
}
