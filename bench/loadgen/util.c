#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static uint64_t g_t0;
static bool g_quiet;
static uint64_t g_rng = UINT64_C(0x9E3779B97F4A7C15);

uint64_t lg_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * LG_NS_PER_S + (uint64_t)ts.tv_nsec;
}

int lg_proc_cpu_ns(int pid, uint64_t *out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
     * Field 3 (state) follows it; utime and stime are fields 14 and 15. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    p++;
    unsigned long long ut = 0, st = 0;
    int field = 2;
    char *save = NULL;
    for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        field++;
        if (field == 14)
            ut = strtoull(tok, NULL, 10);
        else if (field == 15) {
            st = strtoull(tok, NULL, 10);
            break;
        }
    }
    if (field != 15)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        hz = 100;
    *out = (uint64_t)(ut + st) * (LG_NS_PER_S / (uint64_t)hz);
    return 0;
}

int lg_proc_rss_kb(int pid, uint64_t *out)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int rc = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6)) {
            *out = strtoull(line + 6, NULL, 10);
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

uint64_t lg_self_cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * LG_NS_PER_S +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * LG_NS_PER_US;
}

void lg_seed(uint64_t seed)
{
    g_rng = seed ? seed : UINT64_C(0x9E3779B97F4A7C15);
}

uint64_t lg_rand(void)
{
    /* xorshift64* */
    uint64_t x = g_rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g_rng = x;
    return x * UINT64_C(2685821657736338717);
}

double lg_rand01(void)
{
    return (double)(lg_rand() >> 11) * (1.0 / 9007199254740992.0);
}

void lg_set_quiet(bool quiet)
{
    g_quiet = quiet;
}

void lg_log_start(void)
{
    g_t0 = lg_now_ns();
}

static void vlog(const char *fmt, va_list ap)
{
    uint64_t now = lg_now_ns();
    if (!g_t0)
        g_t0 = now;
    fprintf(stderr, "[%7.3f] ", (double)(now - g_t0) / 1e9);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void lg_log(const char *fmt, ...)
{
    if (g_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

void lg_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

size_t lg_lhex(char *out, uint64_t v)
{
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = (char)('a' + (v & 15));
        v >>= 4;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

uint64_t lg_lhex_parse(const char *s, size_t len, size_t *used)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < len && i < 16 && s[i] >= 'a' && s[i] <= 'p'; i++)
        v = (v << 4) | (uint64_t)(s[i] - 'a');
    if (used)
        *used = i;
    return v;
}

static void oom(void)
{
    fputs("loadgen: out of memory\n", stderr);
    exit(3);
}

void *lg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *lg_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *lg_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *lg_xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        oom();
    return p;
}
