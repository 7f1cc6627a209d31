/*
 * acceptor.c - the listening socket and the thread that accepts on it.
 *
 * Why not libmicrohttpd's own accept: in its thread pool every worker polls
 * the shared listening socket and, when woken, accepts up to ten connections
 * in a row (0.9.75, epoll mode). A burst of new keep-alive connections (a
 * reverse proxy's upstream pool, wrk's eight) then often lands on one worker,
 * and every request on them runs on one core for as long as they stay open:
 * one run in five of the HTTP benchmark served 5,000 req/s instead of 8,500
 * with the second core idle. Here one thread accepts and hands each socket
 * to MHD_add_connection, which gives it to worker (descriptor number modulo
 * the pool size) when that one has room under its share of the connection
 * limit; the acceptor picks the descriptor number so that connections go to
 * the workers in turn. The connection and per-IP limits still apply there;
 * a refused socket is closed by libmicrohttpd.
 * see acceptor.h
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "acceptor.h"

/* Sockets accepted per wake-up before polling again (the stop event stays prompt). */
#define ACCEPT_SERIES 64

static int listen_socket(const struct sockaddr_storage *ss, socklen_t len)
{
    int one = 1, fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (ss->ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, SOMAXCONN) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

mdlg_err mdlg_api_acceptor_listen(struct mdlg_api_acceptor *a, const struct sockaddr_storage *ss,
                                  socklen_t len, uint16_t *port)
{
    a->running = false;
    a->wake = -1;
    if ((a->lfd = listen_socket(ss, len)) < 0)
        return MDLG_E_IO;
    *port = bound_port(a->lfd);
    return MDLG_E_OK;
}

/*
 * fd, or a duplicate of it (fd then closed) whose number is `want` modulo n:
 * at most n dups, each to the lowest free number above the last. fd itself
 * when no such duplicate can be had (the connection then goes elsewhere).
 */
static int fd_for_worker(int fd, unsigned want, unsigned n)
{
    int cand = fd;
    for (unsigned i = 0; n > 1 && (unsigned)cand % n != want && i < n; i++) {
        int d = fcntl(fd, F_DUPFD_CLOEXEC, cand + 1);
        if (d < 0)
            break;
        if (cand != fd)
            close(cand);
        cand = d;
    }
    if (cand == fd || (unsigned)cand % n != want) {
        if (cand != fd)
            close(cand);
        return fd;
    }
    close(fd);
    return cand;
}

/* Accepts what is waiting. Out of descriptors or memory: a short pause, not a busy loop. */
static void accept_series(struct mdlg_api_acceptor *a)
{
    for (int i = 0; i < ACCEPT_SERIES; i++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        int fd = accept4(a->lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
            return;
        }
        fd = fd_for_worker(fd, a->next, a->workers);
        a->next = (a->next + 1) % a->workers;
        (void)MHD_add_connection(a->d, fd, (const struct sockaddr *)&peer, len);
    }
}

static void *accept_loop(void *arg)
{
    struct mdlg_api_acceptor *a = arg;
    struct pollfd p[2] = { { .fd = a->lfd, .events = POLLIN }, { .fd = a->wake, .events = POLLIN } };
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents != 0)
            break;
        if (p[0].revents & POLLIN)
            accept_series(a);
    }
    return NULL;
}

mdlg_err mdlg_api_acceptor_start(struct mdlg_api_acceptor *a, struct MHD_Daemon *d,
                                 unsigned workers)
{
    a->d = d;
    a->workers = workers > 0 ? workers : 1;
    a->next = 0;
    if ((a->wake = eventfd(0, EFD_CLOEXEC)) < 0)
        return MDLG_E_IO;
    if (pthread_create(&a->thread, NULL, accept_loop, a) != 0)
        return MDLG_E_IO;
    a->running = true;
    return MDLG_E_OK;
}

void mdlg_api_acceptor_stop(struct mdlg_api_acceptor *a)
{
    if (a->running) {
        uint64_t one = 1;
        while (write(a->wake, &one, sizeof one) < 0 && errno == EINTR)
            ;
        pthread_join(a->thread, NULL);
        a->running = false;
    }
    if (a->wake >= 0)
        close(a->wake);
    if (a->lfd >= 0)
        close(a->lfd);
    a->wake = a->lfd = -1;
}
