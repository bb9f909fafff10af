/* pprof_compare.c — cd_pprof_compare: choose the value column the way
 * pprof's SampleIndexByName does, then build the -top block and the context
 * view into one result. */
#include <errno.h>    /* errno */
#include <stdio.h>    /* snprintf */
#include <stdlib.h>   /* strtoll, free */
#include <string.h>   /* strcmp, strncmp */

#include "pprof.h"

void cd_pprof_options_init(cd_pprof_options *o)
{
    memset(o, 0, sizeof *o);
    o->node_fraction = 0.005;
    o->edge_fraction = 0.001;
    o->node_count = 0;
}

/* Go's strconv.Atoi: optional sign, decimal digits, fits int64. */
static int go_atoi(const char *s, long long *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!*p)
        return -1;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* pprof's SampleIndexByName on the merged profile (sample types of after,
 * default_sample_type: the first nonempty of after, before). */
static int sample_index(const cd_profile *after, const cd_profile *before,
                        const char *want, cd_error *err)
{
    const cd_profile *p = after;
    if (p->ntype == 0)
        return cd_fail(err, CD_EFORMAT, p->path, -1, "profile has no samples "
                       "(no sample_type)");
    if (!want || !*want) {
        cd_pstr dst = after->str[after->default_sample_type];
        if (!dst.len)
            dst = before->str[before->default_sample_type];
        if (dst.len)
            for (uint32_t i = 0; i < p->ntype; i++)
                if (cd_pprof__pstreq(p->str[p->sample_type[i].type], dst))
                    return (int)i;
        return (int)p->ntype - 1;
    }
    long long n;
    if (go_atoi(want, &n) == 0) {
        if (n < 0 || n >= p->ntype)
            return cd_fail(err, CD_EUSAGE, p->path, -1,
                           "sample_index %s is outside the range [0..%u]",
                           want, p->ntype - 1);
        return (int)n;
    }
    const char *no_inuse = strncmp(want, "inuse_", 6) ? want : want + 6;
    for (uint32_t i = 0; i < p->ntype; i++) {
        cd_pstr t = p->str[p->sample_type[i].type];
        if (cd_pprof__streq(t, want) || cd_pprof__streq(t, no_inuse))
            return (int)i;
    }
    char list[512];
    size_t l = 0;
    list[0] = 0;
    for (uint32_t i = 0; i < p->ntype && l + 2 < sizeof list; i++) {
        cd_pstr t = p->str[p->sample_type[i].type];
        int w = snprintf(list + l, sizeof list - l, "%s%.*s", i ? " " : "",
                         (int)t.len, t.s);
        if (w < 0)
            break;
        l += (size_t)w;
        if (l >= sizeof list)
            l = sizeof list - 1;
    }
    return cd_fail(err, CD_EUSAGE, p->path, -1,
                   "sample_index \"%s\" must be one of: [%s]", want, list);
}

int cd_pprof_compare(const cd_profile *before, const cd_profile *after,
                     const cd_pprof_options *opt, cd_pprof_result **out,
                     cd_error *err)
{
    *out = NULL;
    cd_pprof_options def;
    if (!opt) {
        cd_pprof_options_init(&def);
        opt = &def;
    }
    int idx = sample_index(after, before, opt->sample_index, err);
    if (idx < 0)
        return -1;
    cd_pprof_result *r = cd_calloc(1, sizeof *r);
    r->kind = after->kind;
    r->before_path = cd_strdup(before->path);
    r->after_path = cd_strdup(after->path);
    r->before_format = before->format;
    r->after_format = after->format;
    r->before_time = before->time_nanos;
    r->after_time = after->time_nanos;
    r->period = after->period;
    if (cd_pprof__top(before, after, idx, opt, &r->top, err) < 0 ||
        cd_pprof__context_view(before, after, idx, r, err) < 0) {
        cd_pprof_result_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void cd_pprof_result_free(cd_pprof_result *r)
{
    if (!r)
        return;
    free(r->before_path);
    free(r->after_path);
    cd_pprof__top_free(&r->top);
    cd_pprof__context_free(r);
    free(r);
}
