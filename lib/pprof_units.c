/* pprof_units.c — value formatting exactly as pprof's internal/measurement
 * (go1.19 vendored copy): unit families (bytes base 1024, time, GCU),
 * Scale / ScaledLabel / Percentage, and Go's float-to-int conversions. */
#include <ctype.h>    /* tolower */
#include <math.h>     /* fabs, round */
#include <stdio.h>    /* snprintf */
#include <string.h>   /* strcmp */

#include "pprof.h"

typedef struct unit {
    const char *name;          /* canonical name */
    const char *aliases[4];
    double factor;
} unit;

typedef struct unit_type {
    unit def;
    unit units[10];
    int n;
} unit_type;

static const unit_type unit_types[] = {
    { { "B", { "b", "byte" }, 1 },
      { { "B", { "b", "byte" }, 1 },
        { "kB", { "kb", "kbyte", "kilobyte" }, 1024.0 },
        { "MB", { "mb", "mbyte", "megabyte" }, 1048576.0 },
        { "GB", { "gb", "gbyte", "gigabyte" }, 1073741824.0 },
        { "TB", { "tb", "tbyte", "terabyte" }, 1099511627776.0 },
        { "PB", { "pb", "pbyte", "petabyte" }, 1125899906842624.0 } }, 6 },
    { { "s", { NULL }, 1e9 },
      { { "ns", { "ns", "nanosecond" }, 1 },
        { "us", { "\xce\xbcs", "us", "microsecond" }, 1e3 },
        { "ms", { "ms", "millisecond" }, 1e6 },
        { "s", { "s", "sec", "second" }, 1e9 },
        { "hrs", { "hour", "hr" }, 3600e9 } }, 5 },
    { { "GCU", { NULL }, 1 },
      { { "n*GCU", { "nanogcu" }, 1e-9 },
        { "u*GCU", { "microgcu" }, 1e-6 },
        { "m*GCU", { "milligcu" }, 1e-3 },
        { "GCU", { "gcu" }, 1 },
        { "k*GCU", { "kilogcu" }, 1e3 },
        { "M*GCU", { "megagcu" }, 1e6 },
        { "G*GCU", { "gigagcu" }, 1e9 },
        { "T*GCU", { "teragcu" }, 1e12 },
        { "P*GCU", { "petagcu" }, 1e15 } }, 9 },
};

/* sniffUnit: lower-case, drop a trailing 's' when longer than 2 bytes,
 * then look the alias up. */
static const unit *sniff_unit(const unit_type *ut, const char *name)
{
    char low[64];
    size_t n = strlen(name);
    if (n >= sizeof low)
        return NULL;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[n] = 0;
    if (n > 2 && low[n - 1] == 's')
        low[n - 1] = 0;
    for (int i = 0; i < ut->n; i++)
        for (int k = 0; k < 4 && ut->units[i].aliases[k]; k++)
            if (!strcmp(ut->units[i].aliases[k], low))
                return &ut->units[i];
    return NULL;
}

/* measurement.Scale(value, from, to): the scaled value and its unit ("" if
 * uninteresting). */
static double scale(int64_t value, const char *from, const char *to,
                    const char **unit_out)
{
    if (value < 0 && value != INT64_MIN) {
        double v = scale(-value, from, to, unit_out);
        return -v;
    }
    for (size_t t = 0; t < sizeof unit_types / sizeof unit_types[0]; t++) {
        const unit_type *ut = &unit_types[t];
        const unit *fu = sniff_unit(ut, from);
        if (!fu)
            continue;
        double v = (double)value * fu->factor;
        if (!strcmp(to, "minimum") || !strcmp(to, "auto")) {
            double f = 0;
            const char *name = NULL;
            for (int i = 0; i < ut->n; i++)
                if (ut->units[i].factor >= f && v / ut->units[i].factor >= 1.0) {
                    f = ut->units[i].factor;
                    name = ut->units[i].name;
                }
            if (f != 0) {
                *unit_out = name;
                return v / f;
            }
            *unit_out = ut->def.name;
            return v / ut->def.factor;
        }
        const unit *tu = sniff_unit(ut, to);
        if (!tu) {
            *unit_out = ut->def.name;
            return v / ut->def.factor;
        }
        *unit_out = tu->name;
        return v / tu->factor;
    }
    if (!strcmp(to, "count") || !strcmp(to, "sample") || !strcmp(to, "unit") ||
        !strcmp(to, "minimum") || !strcmp(to, "auto"))
        *unit_out = "";
    else
        *unit_out = to;
    return (double)value;
}

void cd_pprof__scaled_label(int64_t v, const char *from, const char *to,
                            char *buf, size_t cap)
{
    const char *u;
    double d = scale(v, from, to, &u);
    char num[400];
    snprintf(num, sizeof num, "%.2f", d);
    size_t n = strlen(num);
    if (n >= 3 && !strcmp(num + n - 3, ".00"))
        num[n - 3] = 0;
    if (!strcmp(num, "0") || !strcmp(num, "-0")) {
        snprintf(buf, cap, "0");
        return;
    }
    snprintf(buf, cap, "%s%s", num, u);
}

const char *cd_pprof__min_unit(int64_t v, const char *from)
{
    const char *u;
    scale(v, from, "minimum", &u);
    return u;
}

void cd_pprof__percentage(int64_t v, int64_t total, char *buf, size_t cap)
{
    double ratio = 0;
    if (total != 0)
        ratio = fabs((double)v / (double)total) * 100;
    if (fabs(ratio) >= 99.95 && fabs(ratio) <= 100.05)
        snprintf(buf, cap, "  100%%");
    else if (fabs(ratio) >= 1.0)
        snprintf(buf, cap, "%5.2f%%", ratio);
    else
        snprintf(buf, cap, "%5.2g%%", ratio);
}

/* Go's int64(x) for a float64 on amd64 (CVTTSD2SQ): truncation, and
 * 0x8000000000000000 when out of range or NaN. */
static int64_t go_f2i(double x)
{
    if (x != x || x >= 9223372036854775808.0 || x < -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)x;
}

int64_t cd_pprof__mul_trunc(int64_t v, double f)
{
    return go_f2i((double)v * f);
}

int64_t cd_pprof__neg_round(int64_t v)
{
    return go_f2i(round((double)v * -1));
}
