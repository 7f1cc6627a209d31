/* url.c - see url.h */
#include <string.h>

#include "store/url.h"

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

const char *mdlg__url_sqlite_path(const char *url)
{
    if (has_prefix(url, "sqlite:")) {
        url += strlen("sqlite:");
        return has_prefix(url, "//") ? url + 2 : url;
    }
    return strstr(url, "://") != NULL ? NULL : url;
}

bool mdlg__url_is_postgres(const char *url)
{
    return has_prefix(url, "postgres://") || has_prefix(url, "postgresql://");
}
