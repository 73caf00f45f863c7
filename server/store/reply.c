#include "store/reply.h"

#include <stdlib.h>
#include <string.h>

const redisReply *sb_reply_elem(const redisReply *r, size_t i)
{
    return r && r->type == REDIS_REPLY_ARRAY && i < r->elements ? r->element[i] : NULL;
}

const char *sb_reply_str(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING ? r->str : NULL;
}

const char *sb_reply_str_at(const redisReply *r, size_t i)
{
    return sb_reply_str(sb_reply_elem(r, i));
}

uint64_t sb_reply_u64_at(const redisReply *r, size_t i)
{
    const char *v = sb_reply_str_at(r, i);
    return v ? strtoull(v, NULL, 10) : 0;
}

bool sb_reply_int_at(const redisReply *r, size_t i, long long *v)
{
    const redisReply *e = sb_reply_elem(r, i);
    if (!e || e->type != REDIS_REPLY_INTEGER)
        return false;
    *v = e->integer;
    return true;
}

bool sb_reply_ints(const redisReply *r, size_t n)
{
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (r->element[i]->type != REDIS_REPLY_INTEGER)
            return false;
    return true;
}

bool sb_reply_any_str(const redisReply *r)
{
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return false;
    for (size_t i = 0; i < r->elements; i++)
        if (r->element[i]->type == REDIS_REPLY_STRING)
            return true;
    return false;
}

const char *sb_reply_field(const redisReply *r, const char *name)
{
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return NULL;
    /* lengths first: a restart reads every agent's hash this way */
    size_t n = strlen(name);
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *k = r->element[i];
        if (k->type == REDIS_REPLY_STRING && k->len == n && memcmp(k->str, name, n) == 0)
            return sb_reply_str(r->element[i + 1]);
    }
    return NULL;
}

bool sb_reply_error_is(const redisReply *r, const char *code)
{
    if (!r || r->type != REDIS_REPLY_ERROR)
        return false;
    size_t n = strlen(code);
    return r->len >= n && memcmp(r->str, code, n) == 0 && (r->len == n || r->str[n] == ' ');
}
