/*
 * acceptor.h - the service's listening socket and the one thread that
 * accepts on it and hands each connection to the libmicrohttpd daemon
 * (acceptor.c explains why). Private to src/api.
 */
#ifndef MDLG_API_ACCEPTOR_H
#define MDLG_API_ACCEPTOR_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mdlg/err.h"

/* Caller-owned: MDLG_API_ACCEPTOR_INIT, then listen, start, stop. */
struct mdlg_api_acceptor {
    int lfd;                  /* the listening socket, -1 when closed */
    int wake;                 /* eventfd that stops the thread */
    struct MHD_Daemon *d;     /* borrowed: where connections go */
    unsigned workers;         /* its thread pool size */
    unsigned next;            /* the worker the next connection goes to */
    pthread_t thread;
    bool running;
};
#define MDLG_API_ACCEPTOR_INIT { .lfd = -1, .wake = -1 }

/*
 * Opens a non-blocking listening socket on ss (SO_REUSEADDR; IPv6 only for
 * an IPv6 address) and reports the port it got (ss may say port 0). IO with
 * errno set on failure; a->lfd is then -1.
 */
mdlg_err mdlg_api_acceptor_listen(struct mdlg_api_acceptor *a, const struct sockaddr_storage *ss,
                                  socklen_t len, uint16_t *port) MDLG_WARN_UNUSED;

/*
 * Starts the accepting thread for daemon d (started with
 * MHD_USE_NO_LISTEN_SOCKET and a pool of `workers` threads).
 */
mdlg_err mdlg_api_acceptor_start(struct mdlg_api_acceptor *a, struct MHD_Daemon *d,
                                 unsigned workers) MDLG_WARN_UNUSED;

/*
 * Stops accepting and closes the listening socket: new connections are
 * refused, open ones go on. Idempotent; fine on an acceptor that never
 * listened or started.
 */
void mdlg_api_acceptor_stop(struct mdlg_api_acceptor *a);

#endif
