#include "util/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/json.h"

static sb_log_level_t g_level = SB_LOG_INFO;
static const char *const g_names[] = {"debug", "info", "warn", "error"};

void sb_log_set_level(sb_log_level_t level)
{
    g_level = level;
}

int sb_log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, g_names[i]) == 0)
            return i;
    return -1;
}

void sb_log_write(sb_log_level_t level, const char *component, const char *msg,
                  const sb_log_field_t *fields, int n_fields)
{
    if (level < g_level)
        return;
    char stackmem[1024];
    sb_buf_t b;
    sb_buf_init(&b, 0);
    /* the wall clock here is for humans reading logs, not for behaviour */
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[40];
    size_t tl = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + tl, sizeof ts - tl, ".%03dZ", (int)(tv.tv_usec / 1000));
    int rc =
        sb_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":", ts, g_names[level]);
    rc |= sb_json_str(&b, component, strlen(component));
    rc |= sb_buf_append(&b, ",\"msg\":", 7);
    rc |= sb_json_str(&b, msg, strlen(msg));
    for (int i = 0; i < n_fields; i++) {
        const sb_log_field_t *f = &fields[i];
        rc |= sb_buf_append(&b, ",", 1);
        rc |= sb_json_str(&b, f->key, strlen(f->key));
        rc |= sb_buf_append(&b, ":", 1);
        switch (f->type) {
        case SB_LF_STR:
            if (f->v.s)
                rc |= sb_json_str(&b, f->v.s, strlen(f->v.s));
            else
                rc |= sb_buf_append(&b, "null", 4);
            break;
        case SB_LF_STRN:
            rc |= sb_json_str(&b, f->v.s, f->n);
            break;
        case SB_LF_INT:
            rc |= sb_buf_printf(&b, "%" PRId64, f->v.i);
            break;
        case SB_LF_UINT:
            rc |= sb_buf_printf(&b, "%" PRIu64, f->v.u);
            break;
        case SB_LF_BOOL:
            rc |= sb_buf_append(&b, f->v.i ? "true" : "false", f->v.i ? 4 : 5);
            break;
        }
    }
    rc |= sb_buf_append(&b, "}\n", 2);
    if (rc) {
        /* out of memory while logging: say so in a line that needs no allocation */
        int n = snprintf(stackmem, sizeof stackmem,
                         "{\"ts\":\"%s\",\"level\":\"error\",\"component\":\"log\","
                         "\"msg\":\"log line lost: out of memory\"}\n",
                         ts);
        if (n > 0 && write(2, stackmem, (size_t)n) < 0) {
            /* nothing left to tell */
        }
    } else {
        /* one write per line so lines from a crash are never interleaved */
        const uint8_t *p = sb_buf_data(&b);
        size_t left = b.len;
        while (left) {
            ssize_t w = write(2, p, left);
            if (w <= 0)
                break;
            p += w;
            left -= (size_t)w;
        }
    }
    sb_buf_dispose(&b);
}
