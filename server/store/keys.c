#include "store/keys.h"

#include <stdarg.h>
#include <stdio.h>

int sb_key_prefix(const char *deployment, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "sb:{%s}:", deployment);
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

int sb_key(const char *prefix, char *out, size_t outlen, const char *fmt, ...)
{
    int p = snprintf(out, outlen, "%s", prefix);
    if (p < 0 || (size_t)p >= outlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + p, outlen - (size_t)p, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)(p + n) >= outlen)
        return -1;
    return p + n;
}
