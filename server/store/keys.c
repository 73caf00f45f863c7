#include "store/keys.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define ID_MAX   64
#define HASH_LEN 64

static const struct {
    const char *pattern;
    int parts;
} g_keys[SB_KEY__COUNT] = {
#define SB_KEY_ROW(E, fn, pattern, parts) [SB_KEY_##E] = {pattern, parts},
    SB_KEY_LIST(SB_KEY_ROW)
#undef SB_KEY_ROW
};

const char *sb_key_pattern(sb_key_id_t k)
{
    return k < SB_KEY__COUNT ? g_keys[k].pattern : NULL;
}

int sb_key_parts(sb_key_id_t k)
{
    return k < SB_KEY__COUNT ? g_keys[k].parts : -1;
}

int sb_key_prefix(const char *deployment, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "sb:{%s}:", deployment);
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

/* [A-Za-z0-9_.:-]{1,64}: the identifier charset of docs/redis-keys.md (sb_proto_charset_ok's
 * SB_CS_ID, with the length) */
bool sb_key_id_ok(const char *s, size_t n)
{
    if (n == 0 || n > ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-'))
            return false;
    }
    return true;
}

/* what util/token.c's sb_token_hash writes: 64 lowercase hex digits */
static bool hash_ok(const char *s, size_t n)
{
    if (n != HASH_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool put(char *out, size_t len, size_t *o, const char *s, size_t n)
{
    if (*o + n >= len)
        return false;
    memcpy(out + *o, s, n);
    *o += n;
    return true;
}

#define PH_HASH   "<hash>"
#define PH_BUCKET "<bucket_ms>"

/* prefix + k's pattern with its placeholders filled: <bucket_ms> with `bucket_ms`, any other
 * with `part` (checked as a hash for <hash>, else as an identifier), or "-" for SB_KEY_UNUSED.
 * No formatting library: the message relay builds four keys per chat message. */
static int build(sb_key_id_t k, const char *prefix, const char *part, uint64_t bucket_ms, char *out,
                 size_t len)
{
    size_t o = 0;
    if (!put(out, len, &o, prefix, strlen(prefix)))
        return -1;
    for (const char *p = g_keys[k].pattern; *p;) {
        if (*p != '<') {
            size_t n = strcspn(p, "<");
            if (!put(out, len, &o, p, n))
                return -1;
            p += n;
            continue;
        }
        size_t ph = strcspn(p, ">") + 1;
        bool ok;
        if (ph == sizeof PH_BUCKET - 1 && memcmp(p, PH_BUCKET, ph) == 0) {
            char num[24];
            int n = snprintf(num, sizeof num, "%" PRIu64, bucket_ms);
            ok = put(out, len, &o, num, (size_t)n);
        } else if (part == SB_KEY_UNUSED) {
            ok = put(out, len, &o, "-", 1);
        } else {
            size_t n = strnlen(part, ID_MAX + 1);
            bool hash = ph == sizeof PH_HASH - 1 && memcmp(p, PH_HASH, ph) == 0;
            ok = (hash ? hash_ok(part, n) : sb_key_id_ok(part, n)) && put(out, len, &o, part, n);
        }
        if (!ok)
            return -1;
        p += ph;
    }
    out[o] = 0;
    return (int)o;
}

#define SB_KEY_BODY_0(E) return build(SB_KEY_##E, prefix, NULL, 0, out, len);
#define SB_KEY_BODY_1(E) return build(SB_KEY_##E, prefix, part, 0, out, len);
#define SB_KEY_BODY_2(E) return build(SB_KEY_##E, prefix, part, bucket_ms, out, len);
#define SB_KEY_DEFINE(E, fn, pattern, parts)                                                       \
    SB_KEY_FN_##parts(fn)                                                                          \
    {                                                                                              \
        SB_KEY_BODY_##parts(E)                                                                     \
    }
SB_KEY_LIST(SB_KEY_DEFINE)
#undef SB_KEY_DEFINE
