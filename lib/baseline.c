/* baseline.c — a report written earlier by `ctxdiff -f json`, read back
 * (ctxdiff_report_load) so that a CI gate can compare this run's after
 * values with a stored run's: --baseline (ctxdiff(1), GATES). */
#include <string.h>

#include "error.h"
#include "report.h"
#include "util.h"

int ctxdiff_report_load(const char *path, ctxdiff_report **out, cd_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        if (je.position == 0 && (je.line <= 0 || strstr(je.text, "unable to open")))
            return cd_fail(err, CD_EIO, path, -1, "cannot read the report: %s", je.text);
        return cd_fail(err, CD_EFORMAT, path, je.position, "not JSON: %s", je.text);
    }
    const char *schema = json_string_value(json_object_get(doc, "schema"));
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    int ok = json_is_object(doc) && schema && strcmp(schema, "ctxdiff/1") == 0 && kind;
    if (ok && strcmp(kind, "pprof") == 0)
        ok = json_is_object(json_object_get(doc, "pprof"));
    else if (ok)
        ok = json_is_object(json_object_get(doc, "summary")) &&
             json_is_object(json_object_get(doc, "snapshots")) &&
             json_is_array(json_object_get(doc, "leaks")) && json_is_array(json_object_get(doc, "growth"));
    if (!ok) {
        json_decref(doc);
        return cd_fail(err, CD_EFORMAT, path, -1,
                       "not a ctxdiff report (want the output of ctxdiff -f json, schema ctxdiff/1)");
    }
    ctxdiff_report *r = cd_calloc(1, sizeof *r);
    r->doc = doc;
    r->top = 20;
    r->paths = 1;
    *out = r;
    return 0;
}
