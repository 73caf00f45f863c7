#include "util/err.h"

const char *sb_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define SB_ERR_CASE(name, val, msg)                                                                \
    case val:                                                                                      \
        return msg;
        SB_ERR_LIST(SB_ERR_CASE)
#undef SB_ERR_CASE
    default:
        return "unknown error";
    }
}
