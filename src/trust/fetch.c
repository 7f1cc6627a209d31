/*
 * fetch.c - bounded HTTP(S) GET with libcurl for `trust sync`.
 *
 * http and https only (also across redirects, at most 3), a short connect
 * timeout so an unreachable publisher is reported quickly, an overall
 * timeout, and a size cap enforced while receiving.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "trust/trustlist_internal.h"

struct sink {
    uint8_t *buf;
    size_t len, max;
    bool over;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb;
    if (n > s->max - s->len) {
        s->over = true;
        return 0;   /* aborts the transfer */
    }
    uint8_t *b = realloc(s->buf, s->len + n + 1);
    if (b == NULL)
        return 0;
    memcpy(b + s->len, p, n);
    s->buf = b;
    s->len += n;
    b[s->len] = '\0';
    return n;
}

static void configure(CURL *c, const char *url, long connect_ms, long total_ms, struct sink *s)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "mdlgate-trust-sync/1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
}

static const char *reason(CURLcode rc, const struct sink *s)
{
    if (s->over || rc == CURLE_FILESIZE_EXCEEDED)
        return "response larger than the limit";
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST: return "host name did not resolve";
    case CURLE_COULDNT_CONNECT: return "could not connect";
    case CURLE_OPERATION_TIMEDOUT: return "timed out";
    case CURLE_HTTP_RETURNED_ERROR: return "HTTP error status";
    case CURLE_PEER_FAILED_VERIFICATION: return "TLS certificate did not verify";
    case CURLE_UNSUPPORTED_PROTOCOL: return "URL scheme not allowed";
    default: return "transfer failed";
    }
}

mdlg_err mdlg__fetch_url(const char *url, size_t max, long connect_ms, long total_ms,
                         uint8_t **out, size_t *len, const char **why)
{
    *out = NULL;
    *len = 0;
    *why = NULL;
    struct sink s = { .max = max };
    CURL *c = curl_easy_init();
    if (c == NULL)
        return MDLG_E_NO_MEMORY;
    configure(c, url, connect_ms, total_ms, &s);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        *why = reason(rc, &s);
        free(s.buf);
        return s.over || rc == CURLE_FILESIZE_EXCEEDED ? MDLG_E_LIMIT_BODY_SIZE : MDLG_E_IO;
    }
    *out = s.buf;
    *len = s.len;
    return MDLG_E_OK;
}
