/*
 * usmap.c - the coverage page's map, compiled in.
 *
 * src/api/gen-usmap.sh projects the shapes of npm us-atlas (U.S. Census Bureau cartographic
 * boundaries, ISC; pinned in src/api/usmap/) into build/gen/us_map.inc, a JSON document as a
 * C string. When npm was unavailable at build time there is no such file: mdlg_api_usmap()
 * then returns NULL, GET /us-map.json answers 404 and the page draws its tile grid.
 */
#include "api_internal.h"

#if defined(__has_include) && __has_include("../../build/gen/us_map.inc")
#include "../../build/gen/us_map.inc"
#define HAVE_MAP 1
#else
#define HAVE_MAP 0
static const char mdlg_usmap_json[1] = "";
#endif

const char *mdlg_api_usmap(size_t *len)
{
    *len = HAVE_MAP ? sizeof mdlg_usmap_json - 1 : 0;
    return HAVE_MAP ? mdlg_usmap_json : NULL;
}
