/* test_heapdump.c — unit tests of the heap dump reader on a real Go 1.19
 * dump: record counts, address lookup (interior pointers), and a
 * truncation sweep: every prefix of the first 8 KiB and a sample of later
 * prefixes, plus single-byte corruptions, must give an error naming the file
 * and an offset inside it, never a crash or a hang (run under ASan+UBSan in
 * CI). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot.h"
#include "sort.h"

static int passed, failed;

#define CHECK(cond, ...) do { if (cond) passed++; else { failed++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len);
    if (fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return b;
}

static int load_bytes(const unsigned char *b, size_t n, const char *tmp, cd_error *err)
{
    FILE *f = fopen(tmp, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
    cd_snapshot *s;
    int rc = cd_heapdump_load(tmp, NULL, &s, err);
    if (rc == 0)
        cd_snapshot_free(s);
    return rc;
}

int main(void)
{
    const char *path = "testdata/go1.19/leaky/before.heapdump";
    cd_error err;
    cd_snapshot *s;
    CHECK(cd_heapdump_load(path, NULL, &s, &err) == 0, "load %s: %s", path, err.msg);
    if (!s) {
        printf("%d passed, %d failed\n", passed, failed);
        return 1;
    }
    CHECK(strcmp(s->go_version, "go1.19.8") == 0, "go version %s", s->go_version);
    CHECK(s->ptr_size == 8 && !s->big_endian, "params");
    CHECK(s->nobj > 100 && s->nedge > 100 && s->nroots > 100, "counts %zu %zu %zu", s->nobj, s->nedge, s->nroots);
    CHECK(s->ngoroutines >= 20 && s->nframes > s->ngoroutines, "goroutines %zu frames %zu", s->ngoroutines, s->nframes);
    CHECK(s->data.size > 0 && s->bss.size > 0, "segments");
    CHECK(s->have_memstats && s->nbuckets > 0, "memstats and memprof");
    int samples_ok = s->nsamples > 0;
    for (size_t i = 0; i < s->nsamples && samples_ok; i++)
        samples_ok = s->sample_obj[i] < s->nobj && s->sample_bucket[i] < s->nbuckets &&
                     (i == 0 || s->sample_obj[i] > s->sample_obj[i - 1]);
    CHECK(samples_ok, "%zu alloc samples, by object, each once, in range", s->nsamples);
    int sorted = 1;
    for (size_t i = 1; i < s->nobj; i++) {
        uint32_t a = s->by_addr[i - 1], b = s->by_addr[i];
        if (cd_obj_addr(s, b) < cd_obj_addr(s, a) + s->obj_size[a] || s->sorted_addr[i] != cd_obj_addr(s, b))
            sorted = 0;
    }
    CHECK(sorted, "address index sorted, objects not overlapping");
    uint32_t o = (uint32_t)(s->nobj / 2);
    CHECK(cd_snapshot_find(s, cd_obj_addr(s, o)) == o, "find base");
    CHECK(cd_snapshot_find(s, cd_obj_addr(s, o) + s->obj_size[o] - 1) == o, "find interior");
    CHECK(cd_snapshot_find(s, 8) == CD_NONE32, "find outside");
    int edges_ok = 1;
    for (size_t e = 0; e < s->nedge; e++)
        if (s->edge_dst[e] >= s->nobj || cd_edge_dst_off(s, e) >= s->obj_size[s->edge_dst[e]])
            edges_ok = 0;
    CHECK(edges_ok, "every edge lands inside an object");
    /* packed addresses and content offsets read back the same */
    uint64_t *addr = malloc(s->nobj * sizeof *addr), *content = malloc(s->nobj * sizeof *content);
    for (uint32_t i = 0; i < s->nobj; i++) {
        addr[i] = cd_obj_addr(s, i);
        content[i] = cd_obj_content(s, i);
    }
    cd_snapshot_pack(s);
    int same = !s->obj_addr && !s->obj_content && cd_snapshot_has_contents(s);
    for (uint32_t i = 0; i < s->nobj && same; i++)
        same = cd_obj_addr(s, i) == addr[i] && cd_obj_content(s, i) == content[i];
    CHECK(same, "packed addresses and content offsets");
    free(addr);
    free(content);
    cd_snapshot_free(s);

    /* the sorts against a plain stable one: duplicates, aligned keys,
       keys spread past 2^32 steps, keys in order, tiny arrays */
    srand(11);
    int sorts_ok = 1;
    for (int round = 0; round < 60 && sorts_ok; round++) {
        size_t n = round < 4 ? (size_t)round : 1 + (size_t)rand() % 5000;
        uint64_t *k = malloc((n + 1) * sizeof *k), *srt = malloc((n + 1) * sizeof *srt);
        uint32_t *p1 = malloc((n + 1) * sizeof *p1), *p2 = malloc((n + 1) * sizeof *p2);
        int shape = round % 5;
        for (size_t i = 0; i < n; i++) {
            uint64_t r = (uint64_t)rand() << 31 ^ (uint64_t)rand();
            k[i] = shape == 0 ? 0xc000000000ull + (r % 100000) * 8        /* addresses */
                 : shape == 1 ? 0xc000000000ull + (r % 50) * 4096          /* many equal */
                 : shape == 2 ? r << 20                                   /* spread */
                 : shape == 3 ? 1000 + i * 16                              /* in order */
                 : UINT64_MAX - (r % 7);                                   /* near the top */
        }
        cd_sort_u64_index(k, n, p1);
        cd_sort_u64_index_dense(k, n, p2, srt);
        for (size_t i = 0; i < n && sorts_ok; i++)
            sorts_ok = p1[i] == p2[i] && srt[i] == k[p1[i]] &&
                       (i == 0 || k[p1[i - 1]] < k[p1[i]] || (k[p1[i - 1]] == k[p1[i]] && p1[i - 1] < p1[i]));
        if (!sorts_ok)
            printf("# sort round %d (n %zu, shape %d) differs\n", round, n, shape);
        free(k);
        free(srt);
        free(p1);
        free(p2);
    }
    CHECK(sorts_ok, "cd_sort_u64_index and cd_sort_u64_index_dense: stable ascending, the same");

    /* packing: blocks spanning 4 GiB or reaching 2^63 keep whole values,
       a last block shorter than 64, and nothing at all */
    for (size_t n = 0; n <= 300; n += n < 3 ? 1 : 97) {
        uint64_t *v = malloc((n + 1) * sizeof *v);
        for (size_t i = 0; i < n; i++)
            v[i] = i < 64 ? 0xc000000000ull + 48 * i                 /* a span */
                 : i < 128 ? (i & 1 ? 0x10 : (uint64_t)1 << 40) + i  /* wide */
                 : i < 192 ? UINT64_MAX - i                          /* past 2^63 */
                 : (uint64_t)1 << 62 | i * 4096;
        cd_u64pack pk;
        cd_u64pack_build(&pk, v, n);
        int ok = 1;
        for (size_t i = 0; i < n; i++)
            ok &= cd_u64pack_get(&pk, i) == v[i];
        CHECK(ok, "u64pack of %zu values", n);
        CHECK(n < 128 || pk.nwide >= 128, "u64pack of %zu values: wide blocks kept whole", n);
        cd_u64pack_free(&pk);
        free(v);
    }

    /* truncation sweep and corruptions */
    size_t n = 0;
    unsigned char *b = slurp(path, &n);
    char tmp[] = "/tmp/ctxdiff-sweep-XXXXXX";
    int fd = mkstemp(tmp);
    close(fd);
    int bad = 0, tried = 0;
    for (size_t len = 0; len < n; len += len < 8192 ? 1 : 1499) {
        tried++;
        memset(&err, 0, sizeof err);
        if (load_bytes(b, len, tmp, &err) == 0 || err.kind != CD_EFORMAT ||
            strcmp(err.file, tmp) != 0 || err.offset < 0 || (size_t)err.offset > len) {
            if (bad++ < 5)
                printf("prefix %zu: rc/err wrong: kind %d offset %lld %s\n", len, err.kind,
                       (long long)err.offset, err.msg);
        }
    }
    CHECK(bad == 0, "truncation sweep: %d of %d prefixes wrong", bad, tried);
    int crashes_would_abort = 0;
    srand(7);
    for (int i = 0; i < 400; i++) {
        unsigned char *c = malloc(n);
        memcpy(c, b, n);
        size_t at = 16 + (size_t)rand() % (n - 16);
        c[at] = (unsigned char)rand();
        memset(&err, 0, sizeof err);
        int rc = load_bytes(c, n, tmp, &err);
        if (rc < 0 && (err.offset < 0 || (size_t)err.offset > n))
            crashes_would_abort++;
        free(c);
    }
    CHECK(crashes_would_abort == 0, "corruptions: %d errors without a valid offset", crashes_would_abort);
    unlink(tmp);
    free(b);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
