/* see mdlg/err.h */
#include "mdlg/err.h"

#include <string.h>

struct err_entry {
    mdlg_err code;
    const char *name;
};

static const struct err_entry err_table[] = {
#define X(name, num) { MDLG_E_##name, #name },
#include "mdlg/err_list.h"
#undef X
};

#define ERR_TABLE_LEN (sizeof err_table / sizeof err_table[0])

const char *mdlg_err_name(mdlg_err e)
{
    for (size_t i = 0; i < ERR_TABLE_LEN; i++)
        if (err_table[i].code == e)
            return err_table[i].name;
    return "UNKNOWN";
}

bool mdlg_err_from_name(const char *name, mdlg_err *out)
{
    for (size_t i = 0; i < ERR_TABLE_LEN; i++) {
        if (strcmp(err_table[i].name, name) == 0) {
            *out = err_table[i].code;
            return true;
        }
    }
    return false;
}

size_t mdlg_err_count(void) { return ERR_TABLE_LEN; }

mdlg_err mdlg_err_at(size_t i) { return i < ERR_TABLE_LEN ? err_table[i].code : MDLG_E_INTERNAL; }
