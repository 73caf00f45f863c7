#include "store/stats_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/keys.h"
#include "store/reply.h"
#include "util/err.h"

#define NUM 24

/* Redis refused the write without applying it, for a reason that passes. */
static bool transient_error(const redisReply *r)
{
    static const char *const codes[] = {"OOM",      "BUSY",       "LOADING",     "READONLY",
                                        "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN", "NOREPLICAS"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (sb_reply_error_is(r, codes[i]))
            return true;
    return false;
}

/* {1, fields refused} applied, {0, 0} a batch applied before */
static void added_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_sts_result_t res = {.outcome = SB_STS_APPLIED};
    if (!r) {
        res.outcome = SB_STS_UNKNOWN;
    } else if (r->type == REDIS_REPLY_ERROR) {
        res.outcome = transient_error(r) ? SB_STS_RETRY : SB_STS_REFUSED;
        res.error = r->str;
        res.error_len = r->len;
    } else if (sb_reply_ints(r, 2)) {
        /* another shape still means the script ran: counted as applied */
        if (r->element[0]->integer == 0)
            res.outcome = SB_STS_DUPLICATE;
        if (r->element[1]->integer > 0)
            res.bad_fields = (uint64_t)r->element[1]->integer;
    }
    ((sb_sts_added_cb)done)(&res, priv);
}

int sb_sts_add(sb_store_t *s, const char *prefix, sb_sts_kind_t kind, const char *id,
               uint64_t bucket_ms, const char *marker, uint64_t batch, uint64_t expire_s,
               const sb_sts_field_t *incr, size_t n_incr, const sb_sts_field_t *set, size_t n_set,
               sb_sts_added_cb cb, void *priv)
{
    /* KEYS[1], marker, batch, expiry, number of increments, then field/value pairs */
    enum { FIXED = 5, ARGS_MAX = FIXED + 2 * SB_STS_MAX_FIELDS };
    const char *argv[ARGS_MAX];
    size_t lens[ARGS_MAX];
    char key[SB_KEY_MAX], nums[SB_STS_MAX_FIELDS + 3][NUM];
    int k = 0;
    if (n_incr + n_set > SB_STS_MAX_FIELDS)
        return SB_E_INVAL;
    if ((kind == SB_STS_QUEUE ? sb_key_stats_queue(prefix, id, bucket_ms, key, sizeof key)
                              : sb_key_stats_agent(prefix, id, bucket_ms, key, sizeof key)) < 0)
        return SB_E_INVAL;
    int argc = 0;
#define PUT(p, n) (argv[argc] = (p), lens[argc++] = (n))
#define PUTNUM(v) (PUT(nums[k], (size_t)snprintf(nums[k], NUM, "%" PRIu64, (uint64_t)(v))), k++)
    PUT(key, strlen(key));
    PUT(marker, strlen(marker));
    PUTNUM(batch);
    PUTNUM(expire_s);
    PUTNUM(n_incr);
    for (size_t i = 0; i < n_incr; i++) {
        PUT(incr[i].name, strlen(incr[i].name));
        PUTNUM(incr[i].value);
    }
    for (size_t i = 0; i < n_set; i++) {
        PUT(set[i].name, strlen(set[i].name));
        PUTNUM(set[i].value);
    }
#undef PUT
#undef PUTNUM
    return sb_store_eval_as(s, &sb_lua_stats_add, added_adapter, (sb_store_fn)cb, priv, 1, argc,
                            argv, lens);
}

static void live_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    ((sb_sts_live_cb)done)(r && r->type != REDIS_REPLY_ERROR, priv);
}

int sb_sts_live(sb_store_t *s, const char *prefix, uint32_t ttl_s, uint64_t total,
                uint64_t updated_ms, const sb_sts_field_t *gauges, size_t n, sb_sts_live_cb cb,
                void *priv)
{
    /* KEYS[1], expiry, total, updated_ms, then every gauge */
    char key[SB_KEY_MAX];
    if (sb_key_stats_live(prefix, key, sizeof key) < 0)
        return SB_E_INVAL;
    size_t max = 6 + 2 * n;
    const char **argv = malloc(max * sizeof *argv);
    size_t *lens = malloc(max * sizeof *lens);
    char *nums = malloc((3 + n) * NUM);
    int rc = SB_E_NOMEM;
    if (!argv || !lens || !nums)
        goto out;
    size_t argc = 0, k = 0;
#define PUT(p, len) (argv[argc] = (p), lens[argc++] = (len))
#define PUTNUM(v)                                                                                  \
    (PUT(nums + k * NUM, (size_t)snprintf(nums + k * NUM, NUM, "%" PRIu64, (uint64_t)(v))), k++)
    PUT(key, strlen(key));
    PUTNUM(ttl_s);
    PUT("total", 5);
    PUTNUM(total);
    PUT("updated_ms", 10);
    PUTNUM(updated_ms);
    for (size_t i = 0; i < n; i++) {
        PUT(gauges[i].name, strlen(gauges[i].name));
        PUTNUM(gauges[i].value);
    }
#undef PUT
#undef PUTNUM
    rc = sb_store_eval_as(s, &sb_lua_stats_live, live_adapter, (sb_store_fn)cb, priv, 1, (int)argc,
                          argv, lens);
out:
    free(argv);
    free(lens);
    free(nums);
    return rc;
}
