#include "util/token.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int sb_token_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void sb_token_new(char out[SB_TOKEN_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, SB_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

bool sb_token_well_formed(const char *s, size_t n)
{
    if (n != SB_TOKEN_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

void sb_token_hash(const char *token, size_t n, char out[SB_TOKEN_HASH_LEN + 1])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, n, NULL, 0);
    sodium_bin2hex(out, SB_TOKEN_HASH_LEN + 1, h, sizeof h);
}

void sb_random_id(const char *prefix, char *out, size_t outlen)
{
    unsigned char raw[12];
    char hex[25];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    snprintf(out, outlen, "%s%s", prefix, hex);
}

void sb_secure_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}
