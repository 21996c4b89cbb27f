/*
 * server_common.h - what bench_server.c and tls_server.c share: the listeners on 127.0.0.1,
 * the fd-indexed connection table, the epoll set, SIGTERM/SIGINT handling and the READY line.
 *
 * Each server keeps its own struct conn (plain bytes or an SSL object) in the table as a
 * pointer, made and freed by the server_ops it passes to server_init; the table lookup on the
 * hot path is inline.
 */
#ifndef SERVER_COMMON_H
#define SERVER_COMMON_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define BACKLOG 4096
#define MAX_EVENTS 1024

enum kind { K_LISTEN_ECHO = 1, K_LISTEN_DISCARD, K_ECHO, K_DISCARD };

extern int epfd;
extern volatile sig_atomic_t stop_flag;

/* Connections indexed by fd (NULL: none). */
extern void **conn_table;
extern size_t conn_table_cap;

static inline void *conn_get(int fd)
{
    return (fd < 0 || (size_t)fd >= conn_table_cap) ? NULL : conn_table[fd];
}

static inline void conn_forget(int fd)
{
    conn_table[fd] = NULL;
}

/* What a server's connections are. */
struct server_ops {
    /* A connection (a listener: K_LISTEN_*, or an accepted one: K_ECHO, K_DISCARD) on fd, NULL when out of memory. */
    void *(*conn_new)(int fd, int kind);
    /* Closes a connection: conn_forget(fd), close(fd), frees it. */
    void (*conn_close)(void *c);
};

void die(const char *what);
int parse_port(const char *s);

/*
 * Process set-up: RLIMIT_NOFILE raised to its hard limit, SIGPIPE ignored, SIGTERM/SIGINT set
 * stop_flag and are blocked except inside epoll_pwait(..., waitmask) (no lost wake-up), and
 * epfd created. ops must outlive the server.
 */
void server_init(const struct server_ops *ops, sigset_t *waitmask);

/* EPOLL_CTL_ADD / EPOLL_CTL_MOD of fd with data.fd = fd: epoll_ctl's result. */
int epoll_add(int fd, uint32_t events);
int epoll_mod(int fd, uint32_t events);

/*
 * Listens on 127.0.0.1:echo_port and 127.0.0.1:discard_port (0 = ephemeral), each listener a
 * connection (K_LISTEN_ECHO / K_LISTEN_DISCARD) in the table and the epoll set, then prints
 * "READY <echo_port> <discard_port>" on stdout and flushes it.
 */
void open_listeners(int echo_port, int discard_port);

/*
 * Accepts what waits on the listener lfd of kind listen_kind: each connection non-blocking,
 * close-on-exec, TCP_NODELAY, K_ECHO or K_DISCARD, in the table and the epoll set (EPOLLIN).
 * Stops when the backlog is empty or out of resources (the level-triggered listener fires again).
 */
void accept_all(int lfd, int listen_kind);

/* Clean shutdown: every connection and listener left closed, then the table and epfd. */
void close_all(void);

#endif
