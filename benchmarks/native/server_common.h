/*
 * server_common.h - what bench_server.c and tls_server.c share: the listeners on 127.0.0.1,
 * the fd-indexed connection table, the epoll set, SIGTERM/SIGINT handling and the READY line.
 *
 * Each server keeps its own struct conn (plain bytes or an SSL object) in the table as a
 * pointer; the table lookup on the hot path is inline.
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

/* Stores c at fd, growing the table: 0, or -1 when out of memory. */
int conn_put(int fd, void *c);

void die(const char *what);
int parse_port(const char *s);

/*
 * Process set-up: RLIMIT_NOFILE raised to its hard limit, SIGPIPE ignored, SIGTERM/SIGINT set
 * stop_flag and are blocked except inside epoll_pwait(..., waitmask) (no lost wake-up), and
 * epfd created.
 */
void server_init(sigset_t *waitmask);

/* EPOLL_CTL_ADD / EPOLL_CTL_MOD of fd with data.fd = fd: epoll_ctl's result. */
int epoll_add(int fd, uint32_t events);
int epoll_mod(int fd, uint32_t events);

/*
 * Listens on 127.0.0.1:echo_port and 127.0.0.1:discard_port (0 = ephemeral), hands each
 * listener to add_listener (with K_LISTEN_ECHO / K_LISTEN_DISCARD), then prints
 * "READY <echo_port> <discard_port>" on stdout and flushes it.
 */
void open_listeners(int echo_port, int discard_port, void (*add_listener)(int fd, int kind));

/*
 * The next connection from the listener lfd (non-blocking, close-on-exec, TCP_NODELAY), or -1
 * when there is none for now (backlog empty, or out of resources: the level-triggered listener
 * fires again later).
 */
int accept_next(int lfd);

/* Clean shutdown: close_conn for every connection and listener left, then the table and epfd. */
void close_all(void (*close_conn)(void *c));

#endif
