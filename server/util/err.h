/* Internal error codes: 0 is success, failures are negative SB_E... values. */
#ifndef SB_UTIL_ERR_H
#define SB_UTIL_ERR_H

#define SB_ERR_LIST(X)                                                                             \
    X(NOMEM, -1, "out of memory")                                                                  \
    X(INVAL, -2, "invalid argument")                                                               \
    X(NOTFOUND, -3, "not found")                                                                   \
    X(LIMIT, -4, "limit reached")                                                                  \
    X(IO, -5, "input/output error")                                                                \
    X(PROTO, -6, "protocol error")                                                                 \
    X(STORE_DOWN, -7, "store unavailable")                                                         \
    X(BUSY, -8, "too much work in flight")                                                         \
    X(EXISTS, -9, "already exists")                                                                \
    X(RANGE, -10, "value out of range")                                                            \
    X(CONFIG, -11, "invalid configuration")                                                        \
    X(STORE_FULL, -12, "store out of memory")                                                      \
    X(REFUSED, -13, "refused")

enum {
#define SB_ERR_ENUM(name, val, msg) SB_E_##name = val,
    SB_ERR_LIST(SB_ERR_ENUM)
#undef SB_ERR_ENUM
};

/* A static sentence for an SB_E... code (or "success" for 0). Never NULL. */
const char *sb_strerror(int err);

#endif
