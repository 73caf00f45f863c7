/* Structured logs: one JSON object per line on stderr:
 *   {"ts":"2026-11-25T14:00:00.123Z","level":"info","component":"net","msg":"listening","port":8080}
 *
 * Never pass passwords, tokens or message bodies as fields: the log is read by operators and
 * shipped to other systems. Identifiers and counts are fine. */
#ifndef SB_UTIL_LOG_H
#define SB_UTIL_LOG_H

#include <stdint.h>

typedef enum { SB_LOG_DEBUG, SB_LOG_INFO, SB_LOG_WARN, SB_LOG_ERROR } sb_log_level_t;

typedef enum { SB_LF_STR, SB_LF_INT, SB_LF_UINT, SB_LF_BOOL, SB_LF_STRN } sb_log_ftype_t;

typedef struct {
    const char *key;
    sb_log_ftype_t type;
    union {
        const char *s;
        int64_t i;
        uint64_t u;
    } v;
    uint32_t n; /* SB_LF_STRN: length */
} sb_log_field_t;

#define SB_F_STR(k, val) ((sb_log_field_t){.key = (k), .type = SB_LF_STR, .v.s = (val)})
#define SB_F_STRN(k, p, len)                                                                       \
    ((sb_log_field_t){.key = (k), .type = SB_LF_STRN, .v.s = (p), .n = (uint32_t)(len)})
#define SB_F_INT(k, val)  ((sb_log_field_t){.key = (k), .type = SB_LF_INT, .v.i = (int64_t)(val)})
#define SB_F_UINT(k, val) ((sb_log_field_t){.key = (k), .type = SB_LF_UINT, .v.u = (uint64_t)(val)})
#define SB_F_BOOL(k, val) ((sb_log_field_t){.key = (k), .type = SB_LF_BOOL, .v.i = !!(val)})

/* Logs `msg` with the given fields, if `level` is at or above the threshold. */
void sb_log_write(sb_log_level_t level, const char *component, const char *msg,
                  const sb_log_field_t *fields, int n_fields);
void sb_log_set_level(sb_log_level_t level);
/* "debug", "info", "warn", "error" -> level; -1 if unknown. */
int sb_log_level_parse(const char *s);

#define SB_LOG_(lvl, comp, msg, ...)                                                               \
    do {                                                                                           \
        const sb_log_field_t sb_lf_[] = {{.key = NULL}, ##__VA_ARGS__};                            \
        sb_log_write((lvl), (comp), (msg), sb_lf_ + 1,                                             \
                     (int)(sizeof sb_lf_ / sizeof sb_lf_[0]) - 1);                                 \
    } while (0)
#define SB_DEBUG(comp, msg, ...) SB_LOG_(SB_LOG_DEBUG, comp, msg, ##__VA_ARGS__)
#define SB_INFO(comp, msg, ...)  SB_LOG_(SB_LOG_INFO, comp, msg, ##__VA_ARGS__)
#define SB_WARN(comp, msg, ...)  SB_LOG_(SB_LOG_WARN, comp, msg, ##__VA_ARGS__)
#define SB_ERROR(comp, msg, ...) SB_LOG_(SB_LOG_ERROR, comp, msg, ##__VA_ARGS__)

#endif
