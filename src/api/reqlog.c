/*
 * reqlog.c - the log on stderr: whole JSON lines gathered in one buffer and
 * written with one write(2) for many requests. see api_internal.h
 *
 * A line is only ever written whole, under the lock, so lines never
 * interleave (events and MHD's messages go through here too, and keep their
 * order). The buffer is written out
 *   - when the next line does not fit (LOG_BUF bytes, some 25 request lines);
 *   - when the last request in flight completes (on_completed calls
 *     mdlg_api_log_flush), so an idle or lightly loaded server writes each
 *     line at once;
 *   - by the flusher thread, at most LOG_MAX_AGE_MS after its first line
 *     (when requests overlap without pause, or a slow one stays in flight);
 *   - at once for events (mdlg_api_log_event), and on stop, after the
 *     workers have finished (a SIGTERM drain loses nothing; a SIGHUP swap
 *     does not touch the buffer).
 * Only a crash or SIGKILL loses what is in the buffer: at most
 * LOG_MAX_AGE_MS of lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api_internal.h"

#define LOG_BUF 8192u
#define LOG_MAX_AGE_MS 100

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake = PTHREAD_COND_INITIALIZER;
static char g_buf[LOG_BUF];
static size_t g_len;
static int64_t g_first_ns;          /* when the oldest buffered line came in */
static unsigned g_users;            /* servers running (each starts and stops it) */
static bool g_flusher_on, g_flusher_stop;
static pthread_t g_flusher;

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(STDERR_FILENO, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;   /* nowhere to report it; the service goes on */
        p += k;
        n -= (size_t)k;
    }
}

static void flush_locked(void)
{
    write_all(g_buf, g_len);
    g_len = 0;
}

void mdlg_api_log_line(const char *line, size_t n, bool now)
{
    pthread_mutex_lock(&g_lock);
    if (g_len + n > sizeof g_buf)
        flush_locked();
    if (n > sizeof g_buf) {
        write_all(line, n);
    } else {
        if (g_len == 0)
            g_first_ns = mdlg_api_now_ns();
        memcpy(g_buf + g_len, line, n);
        g_len += n;
    }
    if (now)
        flush_locked();
    pthread_mutex_unlock(&g_lock);
}

void mdlg_api_log_flush(void)
{
    pthread_mutex_lock(&g_lock);
    if (g_len > 0)
        flush_locked();
    pthread_mutex_unlock(&g_lock);
}

/* Wakes every LOG_MAX_AGE_MS / 2 and writes out lines older than LOG_MAX_AGE_MS. */
static void *flusher(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g_lock);
    while (!g_flusher_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long long ns = ts.tv_nsec + LOG_MAX_AGE_MS / 2 * 1000000LL;
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        pthread_cond_timedwait(&g_wake, &g_lock, &ts);
        if (g_len > 0 && mdlg_api_now_ns() - g_first_ns >= LOG_MAX_AGE_MS * 1000000LL)
            flush_locked();
    }
    if (g_len > 0)
        flush_locked();
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

void mdlg_api_log_start(void)
{
    pthread_mutex_lock(&g_lock);
    bool start = g_users++ == 0;
    if (start) {
        g_flusher_on = true;
        g_flusher_stop = false;
    }
    pthread_mutex_unlock(&g_lock);
    if (start && pthread_create(&g_flusher, NULL, flusher, NULL) != 0) {
        pthread_mutex_lock(&g_lock);
        g_flusher_on = false;   /* lines are then written when idle, full or at stop */
        pthread_mutex_unlock(&g_lock);
    }
}

void mdlg_api_log_stop(void)
{
    pthread_mutex_lock(&g_lock);
    bool join = g_users > 0 && --g_users == 0 && g_flusher_on;
    if (join) {
        g_flusher_stop = true;
        g_flusher_on = false;
        pthread_cond_signal(&g_wake);
    }
    pthread_mutex_unlock(&g_lock);
    if (join)
        pthread_join(g_flusher, NULL);
    mdlg_api_log_flush();
}
