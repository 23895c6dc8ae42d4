/*
 * report.c — report kinds and their names (report.h).
 * Must not touch: the store, the network.
 */
#include "report.h"

#include <string.h>

static const char *const kind_names[JK_REPORT_KIND_COUNT] = {
    [JK_REPORT_IHC] = "ihc",
    [JK_REPORT_POLICE] = "police",
    [JK_REPORT_DELETION] = "deletion",
    [JK_REPORT_WARNING] = "warning",
};

const char *jk_report_kind_name(jk_report_kind kind)
{
    return (unsigned)kind < JK_REPORT_KIND_COUNT ? kind_names[kind] : "unknown";
}

bool jk_report_kind_parse(const char *name, jk_report_kind *out)
{
    for (int k = 0; name && k < JK_REPORT_KIND_COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0) {
            *out = (jk_report_kind)k;
            return true;
        }
    return false;
}
