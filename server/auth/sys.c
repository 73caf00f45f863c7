#include "auth/auth.h"
#include "util/clock.h"

void sb_session_ping(sb_conn_t *c, uint64_t id, const void *body)
{
    const sb_msg_ping_t *req = body;
    sb_msg_ping_reply_t rep = {
        .echo = req->echo,
        .has_echo = req->has_echo,
        .server_time_ms = sb_clock_now_ms(),
    };
    sb_conn_send_ok(c, SB_MSG_PING, id, &rep);
}
