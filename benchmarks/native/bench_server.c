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
 * Build: gcc -O2 -Wall -Wextra -o bench_server bench_server.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
#define ECHO_BUF_SIZE (64 * 1024)
#define DISCARD_BUF_SIZE (256 * 1024)
#define MAX_EVENTS 1024
/* Bound the work done for one connection per wakeup (fairness). */
#define MAX_READS_PER_EVENT 16

enum kind { K_LISTEN_ECHO = 1, K_LISTEN_DISCARD, K_ECHO, K_DISCARD };

struct conn {
    int fd;
    int kind;
    char *pend;      /* unsent echo bytes (NULL when none) */
    size_t pend_off; /* first unsent byte */
    size_t pend_len; /* end of unsent bytes */
};

static struct conn **table; /* indexed by fd */
static size_t table_cap;
static int epfd = -1;
static volatile sig_atomic_t stop_flag;

static char echo_buf[ECHO_BUF_SIZE];
static char discard_buf[DISCARD_BUF_SIZE];

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
    /* close() removes the fd from the epoll set (no dup'ed fds here). */
    table[c->fd] = NULL;
    close(c->fd);
    free(c->pend);
    free(c);
}

static int set_events(struct conn *c, uint32_t events)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.fd = c->fd;
    return epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
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

static void do_accept(struct conn *l)
{
    for (;;) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                errno == ENOMEM) {
                /* Out of resources: leave the rest in the backlog; the
                 * level-triggered listener fires again later. */
                perror("accept4");
                return;
            }
            perror("accept4");
            return;
        }
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct conn *c = calloc(1, sizeof(*c));
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->kind = (l->kind == K_LISTEN_ECHO) ? K_ECHO : K_DISCARD;
        if (table_put(c) < 0) {
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

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s ECHO_PORT DISCARD_PORT\n", argv[0]);
        return 1;
    }
    int echo_port = parse_port(argv[1]);
    int discard_port = parse_port(argv[2]);

    raise_nofile();

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
    int lfd_echo = make_listener(echo_port, &bound_echo);
    int lfd_discard = make_listener(discard_port, &bound_discard);

    int lfds[2] = { lfd_echo, lfd_discard };
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
        int n = epoll_pwait(epfd, events, MAX_EVENTS, -1, &waitmask);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_pwait");
        }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd < 0 || (size_t)fd >= table_cap)
                continue;
            struct conn *c = table[fd];
            if (!c)
                continue; /* closed earlier in this batch */
            uint32_t e = events[i].events;
            switch (c->kind) {
            case K_LISTEN_ECHO:
            case K_LISTEN_DISCARD:
                do_accept(c);
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
    for (size_t fd = 0; fd < table_cap; fd++) {
        if (table[fd])
            conn_close(table[fd]);
    }
    free(table);
    close(epfd);
    return 0;
}
