/*
 * server_common.c - see server_common.h. Compiled into bench_server and tls_server.
 */
#define _GNU_SOURCE
#include "server_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int epfd = -1;
volatile sig_atomic_t stop_flag;
void **conn_table;
size_t conn_table_cap;
static const struct server_ops *ops;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Stores c at fd, growing the table: 0, or -1 when out of memory. */
static int conn_put(int fd, void *c)
{
    if ((size_t)fd >= conn_table_cap) {
        size_t ncap = conn_table_cap ? conn_table_cap : 1024;
        while (ncap <= (size_t)fd)
            ncap *= 2;
        void **nt = realloc(conn_table, ncap * sizeof(*nt));
        if (!nt)
            return -1;
        memset(nt + conn_table_cap, 0, (ncap - conn_table_cap) * sizeof(*nt));
        conn_table = nt;
        conn_table_cap = ncap;
    }
    conn_table[fd] = c;
    return 0;
}

static int epoll_set(int op, int fd, uint32_t events)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.fd = fd;
    return epoll_ctl(epfd, op, fd, &ev);
}

int epoll_add(int fd, uint32_t events)
{
    return epoll_set(EPOLL_CTL_ADD, fd, events);
}

int epoll_mod(int fd, uint32_t events)
{
    return epoll_set(EPOLL_CTL_MOD, fd, events);
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

int parse_port(const char *s)
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

void server_init(const struct server_ops *server_ops, sigset_t *waitmask)
{
    ops = server_ops;
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
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    if (sigprocmask(SIG_BLOCK, &block, waitmask) < 0)
        die("sigprocmask");
    sigdelset(waitmask, SIGTERM);
    sigdelset(waitmask, SIGINT);

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        die("epoll_create1");
}

static void add_listener(int fd, int kind)
{
    void *l = ops->conn_new(fd, kind);
    if (!l)
        die("calloc");
    if (conn_put(fd, l) < 0)
        die("realloc");
    if (epoll_add(fd, EPOLLIN) < 0)
        die("epoll_ctl(ADD listener)");
}

void open_listeners(int echo_port, int discard_port)
{
    int bound_echo, bound_discard;
    add_listener(make_listener(echo_port, &bound_echo), K_LISTEN_ECHO);
    add_listener(make_listener(discard_port, &bound_discard), K_LISTEN_DISCARD);
    printf("READY %d %d\n", bound_echo, bound_discard);
    fflush(stdout);
}

/* The next connection from lfd (TCP_NODELAY set), or -1 when there is none for now. */
static int accept_next(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            int one = 1;
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            return fd;
        }
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            perror("accept4"); /* out of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM): the rest waits in the backlog */
        return -1;
    }
}

void accept_all(int lfd, int listen_kind)
{
    int kind = (listen_kind == K_LISTEN_ECHO) ? K_ECHO : K_DISCARD;
    for (int fd; (fd = accept_next(lfd)) >= 0;) {
        /* Grow the table first: once the connection exists, storing it cannot fail. */
        void *c;
        if (conn_put(fd, NULL) < 0 || !(c = ops->conn_new(fd, kind))) {
            close(fd);
            continue;
        }
        conn_put(fd, c);
        if (epoll_add(fd, EPOLLIN) < 0) {
            perror("epoll_ctl(ADD)");
            ops->conn_close(c);
        }
    }
}

void close_all(void)
{
    for (size_t fd = 0; fd < conn_table_cap; fd++) {
        if (conn_table[fd])
            ops->conn_close(conn_table[fd]);
    }
    free(conn_table);
    conn_table = NULL;
    conn_table_cap = 0;
    close(epfd);
}
