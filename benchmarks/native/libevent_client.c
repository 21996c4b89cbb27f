/*
 * libevent_client.c - libevent 2.1 reference client for the benchmark harness.
 *
 * One event_base, one thread, bufferevents (bufferevent_socket_new +
 * bufferevent_socket_connect to 127.0.0.1), TCP_NODELAY set on every
 * connected socket. Time is taken with clock_gettime(CLOCK_MONOTONIC).
 *
 * Modes:
 *   pingpong PORT CONNECTIONS SIZE WARMUP_SEC MEASURE_SEC
 *   stream   PORT SIZE WARMUP_SEC MEASURE_SEC
 *   connect  PORT WARMUP_SEC MEASURE_SEC
 *
 * Each mode prints exactly one line "RESULT {json}" on stdout and exits 0.
 * Errors (bad arguments, connection errors, unexpected EOF) go to stderr and
 * the program exits 1.
 *
 * Build: gcc -O2 -Wall -Wextra -o libevent_client libevent_client.c -levent
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#define MAX_SAMPLES 20000000UL

enum phase { PH_WARMUP = 0, PH_MEASURE = 1, PH_DONE = 2 };

static struct event_base *base;
static struct sockaddr_in target;
static enum phase phase = PH_WARMUP;
static uint64_t t_measure_start, t_measure_end;
static double warmup_sec, measure_sec;
/* stream mode: bytes removed from the output buffer (= written to the socket) */
static uint64_t st_written_total, st_at_start, st_at_end;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void fail(const char *msg)
{
    fprintf(stderr, "libevent_client: %s\n", msg);
    exit(1);
}

static long parse_long(const char *s, const char *name, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "libevent_client: invalid %s: %s\n", name, s);
        exit(1);
    }
    return v;
}

static double parse_sec(const char *s, const char *name)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !(v >= 0.0) || v > 1e6) {
        fprintf(stderr, "libevent_client: invalid %s: %s\n", name, s);
        exit(1);
    }
    return v;
}

static struct timeval to_tv(double sec)
{
    struct timeval tv;
    tv.tv_sec = (time_t)sec;
    tv.tv_usec = (suseconds_t)((sec - (double)tv.tv_sec) * 1e6);
    return tv;
}

/* Any EOF/ERROR/TIMEOUT on a connection is fatal for the benchmark. */
static void fatal_event(short what)
{
    int err = EVUTIL_SOCKET_ERROR();
    if (what & BEV_EVENT_ERROR)
        fprintf(stderr, "libevent_client: connection error: %s\n",
                err ? evutil_socket_error_to_string(err) : "unknown");
    else if (what & BEV_EVENT_EOF)
        fprintf(stderr, "libevent_client: unexpected EOF from server\n");
    else
        fprintf(stderr, "libevent_client: unexpected event 0x%x\n", (unsigned)what);
    exit(1);
}

static void set_nodelay(struct bufferevent *bev)
{
    int one = 1;
    evutil_socket_t fd = bufferevent_getfd(bev);
    if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
        perror("setsockopt(TCP_NODELAY)");
        exit(1);
    }
}

static struct bufferevent *new_connection(bufferevent_data_cb rcb,
                                          bufferevent_data_cb wcb,
                                          bufferevent_event_cb ecb, void *arg)
{
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!bev)
        fail("bufferevent_socket_new failed");
    bufferevent_setcb(bev, rcb, wcb, ecb, arg);
    if (bufferevent_enable(bev, EV_READ | EV_WRITE) < 0)
        fail("bufferevent_enable failed");
    if (bufferevent_socket_connect(bev, (struct sockaddr *)&target, sizeof(target)) < 0) {
        int err = EVUTIL_SOCKET_ERROR();
        fprintf(stderr, "libevent_client: connect failed: %s\n",
                err ? evutil_socket_error_to_string(err) : "unknown");
        exit(1);
    }
    return bev;
}

/* ---- phase timers ---------------------------------------------------- */

static void on_measure_end(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    t_measure_end = now_ns();
    st_at_end = st_written_total;
    phase = PH_DONE;
    event_base_loopbreak(base);
}

static void on_warmup_end(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    t_measure_start = now_ns();
    st_at_start = st_written_total;
    phase = PH_MEASURE;
    struct timeval tv = to_tv(measure_sec);
    if (event_base_once(base, -1, EV_TIMEOUT, on_measure_end, NULL, &tv) < 0)
        fail("event_base_once failed");
}

static void start_phases(void)
{
    struct timeval tv = to_tv(warmup_sec);
    if (event_base_once(base, -1, EV_TIMEOUT, on_warmup_end, NULL, &tv) < 0)
        fail("event_base_once failed");
}

static double measured_seconds(void)
{
    return (double)(t_measure_end - t_measure_start) / 1e9;
}

/* ---- pingpong ---------------------------------------------------------- */

struct pp_conn {
    struct bufferevent *bev;
    uint64_t sent_at;
};

static size_t pp_size;
static char *pp_msg;
static long pp_connections;
static long pp_connected;
static uint64_t *pp_samples;
static uint64_t pp_nsamples; /* samples stored */
static uint64_t pp_roundtrips; /* round trips completed in the window */

static void pp_send(struct pp_conn *c)
{
    c->sent_at = now_ns();
    if (bufferevent_write(c->bev, pp_msg, pp_size) < 0)
        fail("bufferevent_write failed");
}

static void pp_read(struct bufferevent *bev, void *arg)
{
    struct pp_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    /* Exactly one message is in flight, so at most SIZE bytes can arrive. */
    while (evbuffer_get_length(in) >= pp_size) {
        evbuffer_drain(in, pp_size);
        uint64_t t = now_ns();
        if (phase == PH_MEASURE) {
            pp_roundtrips++;
            if (pp_nsamples < MAX_SAMPLES)
                pp_samples[pp_nsamples++] = t - c->sent_at;
        }
        if (phase == PH_DONE)
            return;
        pp_send(c);
    }
}

static void pp_event(struct bufferevent *bev, short what, void *arg)
{
    struct pp_conn *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        set_nodelay(bev);
        pp_send(c);
        if (++pp_connected == pp_connections)
            start_phases(); /* warmup starts once every connection is up */
        return;
    }
    fatal_event(what);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double percentile_us(const uint64_t *sorted, uint64_t n, double p)
{
    if (n == 0)
        return 0.0;
    /* nearest-rank percentile */
    double rank = p / 100.0 * (double)n;
    uint64_t idx = (uint64_t)rank;
    if ((double)idx < rank)
        idx++;
    if (idx == 0)
        idx = 1;
    if (idx > n)
        idx = n;
    return (double)sorted[idx - 1] / 1000.0;
}

static int run_pingpong(int argc, char **argv)
{
    if (argc != 7)
        fail("usage: pingpong PORT CONNECTIONS SIZE WARMUP_SEC MEASURE_SEC");
    int port = (int)parse_long(argv[2], "PORT", 1, 65535);
    pp_connections = parse_long(argv[3], "CONNECTIONS", 1, 1000000);
    pp_size = (size_t)parse_long(argv[4], "SIZE", 1, 1L << 30);
    warmup_sec = parse_sec(argv[5], "WARMUP_SEC");
    measure_sec = parse_sec(argv[6], "MEASURE_SEC");
    target.sin_port = htons((uint16_t)port);

    pp_msg = malloc(pp_size);
    pp_samples = malloc(MAX_SAMPLES * sizeof(*pp_samples));
    struct pp_conn *conns = calloc((size_t)pp_connections, sizeof(*conns));
    if (!pp_msg || !pp_samples || !conns)
        fail("out of memory");
    memset(pp_msg, 'x', pp_size);

    for (long i = 0; i < pp_connections; i++) {
        conns[i].bev = new_connection(pp_read, NULL, pp_event, &conns[i]);
        bufferevent_setwatermark(conns[i].bev, EV_READ, pp_size, 0);
    }

    if (event_base_dispatch(base) < 0)
        fail("event_base_dispatch failed");
    if (phase != PH_DONE)
        fail("event loop ended before the measurement finished");

    double secs = measured_seconds();
    qsort(pp_samples, pp_nsamples, sizeof(*pp_samples), cmp_u64);
    double p50 = percentile_us(pp_samples, pp_nsamples, 50.0);
    double p99 = percentile_us(pp_samples, pp_nsamples, 99.0);
    double per_sec = secs > 0 ? (double)pp_roundtrips / secs : 0.0;
    printf("RESULT {\"roundTrips\":%llu,\"seconds\":%.3f,\"perSec\":%.0f,"
           "\"p50us\":%.1f,\"p99us\":%.1f}\n",
           (unsigned long long)pp_roundtrips, secs, per_sec, p50, p99);
    fflush(stdout);

    for (long i = 0; i < pp_connections; i++)
        bufferevent_free(conns[i].bev);
    free(conns);
    free(pp_samples);
    free(pp_msg);
    return 0;
}

/* ---- stream ------------------------------------------------------------ */

static size_t st_size;
static char *st_chunk;
static struct bufferevent *st_bev;

static void st_out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)buf; (void)arg;
    st_written_total += info->n_deleted;
}

static void st_fill(struct bufferevent *bev)
{
    struct evbuffer *out = bufferevent_get_output(bev);
    while (evbuffer_get_length(out) < 8 * st_size) {
        if (evbuffer_add(out, st_chunk, st_size) < 0)
            fail("evbuffer_add failed");
    }
}

static void st_write(struct bufferevent *bev, void *arg)
{
    (void)arg;
    if (phase == PH_DONE)
        return;
    st_fill(bev);
}

static void st_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    /* The discard server never sends anything; drop whatever arrives. */
    struct evbuffer *in = bufferevent_get_input(bev);
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void st_event(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    if (what & BEV_EVENT_CONNECTED) {
        set_nodelay(bev);
        st_fill(bev);
        return;
    }
    fatal_event(what);
}

static int run_stream(int argc, char **argv)
{
    if (argc != 6)
        fail("usage: stream PORT SIZE WARMUP_SEC MEASURE_SEC");
    int port = (int)parse_long(argv[2], "PORT", 1, 65535);
    st_size = (size_t)parse_long(argv[3], "SIZE", 1, 1L << 27);
    warmup_sec = parse_sec(argv[4], "WARMUP_SEC");
    measure_sec = parse_sec(argv[5], "MEASURE_SEC");
    target.sin_port = htons((uint16_t)port);

    st_chunk = malloc(st_size);
    if (!st_chunk)
        fail("out of memory");
    memset(st_chunk, 'x', st_size);

    st_bev = new_connection(st_read, st_write, st_event, NULL);
    bufferevent_setwatermark(st_bev, EV_WRITE, 4 * st_size, 0);
    if (!evbuffer_add_cb(bufferevent_get_output(st_bev), st_out_cb, NULL))
        fail("evbuffer_add_cb failed");

    start_phases();

    if (event_base_dispatch(base) < 0)
        fail("event_base_dispatch failed");
    if (phase != PH_DONE)
        fail("event loop ended before the measurement finished");

    double secs = measured_seconds();
    uint64_t bytes = st_at_end - st_at_start;
    double mbps = secs > 0 ? (double)bytes / 1e6 / secs : 0.0;
    printf("RESULT {\"bytes\":%llu,\"seconds\":%.3f,\"mbPerSec\":%.1f}\n",
           (unsigned long long)bytes, secs, mbps);
    fflush(stdout);

    bufferevent_free(st_bev);
    free(st_chunk);
    return 0;
}

/* ---- connect ----------------------------------------------------------- */

static uint64_t cn_connects;

static void cn_event(struct bufferevent *bev, short what, void *arg);

static void cn_start(void)
{
    (void)new_connection(NULL, NULL, cn_event, NULL);
}

static void cn_event(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    if (what & BEV_EVENT_CONNECTED) {
        set_nodelay(bev);
        if (phase == PH_MEASURE)
            cn_connects++;
        bufferevent_free(bev);
        if (phase != PH_DONE)
            cn_start();
        return;
    }
    fatal_event(what);
}

static int run_connect(int argc, char **argv)
{
    if (argc != 5)
        fail("usage: connect PORT WARMUP_SEC MEASURE_SEC");
    int port = (int)parse_long(argv[2], "PORT", 1, 65535);
    warmup_sec = parse_sec(argv[3], "WARMUP_SEC");
    measure_sec = parse_sec(argv[4], "MEASURE_SEC");
    target.sin_port = htons((uint16_t)port);

    start_phases();
    cn_start();

    if (event_base_dispatch(base) < 0)
        fail("event_base_dispatch failed");
    if (phase != PH_DONE)
        fail("event loop ended before the measurement finished");

    double secs = measured_seconds();
    double per_sec = secs > 0 ? (double)cn_connects / secs : 0.0;
    printf("RESULT {\"connects\":%llu,\"seconds\":%.3f,\"perSec\":%.0f}\n",
           (unsigned long long)cn_connects, secs, per_sec);
    fflush(stdout);
    return 0;
}

/* ---- main -------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr,
                "usage: %s pingpong PORT CONNECTIONS SIZE WARMUP_SEC MEASURE_SEC\n"
                "       %s stream PORT SIZE WARMUP_SEC MEASURE_SEC\n"
                "       %s connect PORT WARMUP_SEC MEASURE_SEC\n",
                argv[0], argv[0], argv[0]);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);

    /* Allow many connections (pingpong with thousands of connections). */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }

    memset(&target, 0, sizeof(target));
    target.sin_family = AF_INET;
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    base = event_base_new();
    if (!base)
        fail("event_base_new failed");

    int rc;
    if (strcmp(argv[1], "pingpong") == 0)
        rc = run_pingpong(argc, argv);
    else if (strcmp(argv[1], "stream") == 0)
        rc = run_stream(argc, argv);
    else if (strcmp(argv[1], "connect") == 0)
        rc = run_connect(argc, argv);
    else
        fail("unknown mode (expected pingpong, stream or connect)");

    event_base_free(base);
    return rc;
}
