/*
 * email_disposable.c - the disposable-domain list and its lookup.
 *
 * The list is the CC0 list of npm disposable-email-domains-js, pinned in
 * src/fraud/disposable/package.json; src/fraud/gen-disposable.sh installs it
 * with npm into build/ and writes build/gen/email_disposable.inc (a sorted C
 * array). When npm was unavailable that file is absent: the list is empty,
 * mdlg_email_disposable_source() returns NULL and the build printed a warning.
 * A domain matches when it, or a parent down to its registrable domain (the
 * Public Suffix List built into libpsl), is on the list.
 */
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "email_internal.h"

#if defined(__has_include) && __has_include("../../build/gen/email_disposable.inc")
#include "../../build/gen/email_disposable.inc"
#define HAVE_LIST 1
#else
#define HAVE_LIST 0
static const char *const mdlg_disposable_domains[1] = { "" };
#define MDLG_DISPOSABLE_COUNT 0
#define MDLG_DISPOSABLE_SOURCE NULL
#endif

const char *mdlg_email_disposable_source(void)
{
    return HAVE_LIST ? MDLG_DISPOSABLE_SOURCE : NULL;
}

size_t mdlg_email_disposable_count(void)
{
    return MDLG_DISPOSABLE_COUNT;
}

static int cmp(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static bool listed(const char *d)
{
    return MDLG_DISPOSABLE_COUNT > 0 &&
           bsearch(d, mdlg_disposable_domains, MDLG_DISPOSABLE_COUNT,
                   sizeof mdlg_disposable_domains[0], cmp) != NULL;
}

bool mdlg_email_is_disposable(const char *domain)
{
    if (domain == NULL || MDLG_DISPOSABLE_COUNT == 0)
        return false;
    const char *reg = psl_registrable_domain(psl_builtin(), domain);
    for (const char *d = domain; d != NULL; d = strchr(d, '.'), d = d ? d + 1 : NULL) {
        if (listed(d))
            return true;
        if (reg == NULL || d == reg)
            break;
    }
    return false;
}
