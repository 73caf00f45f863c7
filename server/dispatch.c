#include <string.h>

#include "dispatch.h"

#include "auth/auth.h"
#include "chat/chat.h"
#include "router/router.h"

/* One row per request type. A type without a handler is answered UNKNOWN_TYPE, so a schema entry
 * that nobody implemented yet can never be silently accepted. */
static const sb_request_fn g_handlers[SB_MSG__COUNT] = {
    [SB_MSG_HELLO] = sb_session_hello,
    [SB_MSG_PING] = sb_session_ping,
    [SB_MSG_AGENT_STATE_SET] = sb_router_state_set,
    [SB_MSG_OFFER_ACCEPT] = sb_router_offer_accept,
    [SB_MSG_OFFER_DECLINE] = sb_router_offer_decline,
    [SB_MSG_CONTACT_END] = sb_router_contact_end,
    [SB_MSG_CONTACT_WRAPUP] = sb_router_contact_wrapup,
    [SB_MSG_CONTACT_REQUEST] = sb_router_contact_request,
    [SB_MSG_CONTACT_CANCEL] = sb_router_contact_cancel,
    [SB_MSG_STAFF_DIRECTORY] = sb_router_directory,
    [SB_MSG_CHAT_SEND] = sb_chat_send,
    [SB_MSG_CHAT_SYNC] = sb_chat_sync,
    [SB_MSG_CHAT_TYPING] = sb_chat_typing,
    [SB_MSG_CHAT_RECEIPT] = sb_chat_receipt,
    [SB_MSG_CHAT_VERIFY] = sb_chat_verify,
    [SB_MSG_CHAT_TRANSFER] = sb_chat_transfer,
    [SB_MSG_CHAT_BLOCK] = sb_chat_block,
    [SB_MSG_CHAT_STAY] = sb_chat_stay,
    [SB_MSG_CHAT_RATE] = sb_chat_rate,
    [SB_MSG_CONTACT_MESSAGE] = sb_chat_leave_message,
};

bool sb_dispatch_envelope(void *user, sb_conn_t *c, const sb_proto_envelope_t *env,
                          sb_arena_t *arena)
{
    (void)user; /* handlers find the app through the connection */
    sb_msg_type_t t = env->msg;
    const sb_proto_msg_desc_t *m = &sb_proto_msgs[t];
    sb_request_fn fn = g_handlers[t];
    if (!fn) {
        sb_conn_send_error(c, true, env->id, SB_WERR_UNKNOWN_TYPE,
                           "this server does not handle that message type", NULL, 0);
        return true;
    }
    if (t == SB_MSG_HELLO) {
        if (c->state != SB_CONN_AWAIT_HELLO) {
            sb_conn_send_error(c, true, env->id, SB_WERR_NOT_READY,
                               "hello was already sent on this connection", NULL, 0);
            return true;
        }
    } else if (c->state != SB_CONN_READY) {
        sb_conn_send_error(c, true, env->id, SB_WERR_NOT_READY,
                           "send hello and wait for its reply first", NULL, 0);
        return true;
    } else if (!(m->roles & (1u << c->role))) {
        sb_conn_send_error(c, true, env->id, SB_WERR_FORBIDDEN,
                           "your role may not send this message", NULL, 0);
        return true;
    }
    void *body = sb_arena_alloc(arena, m->body->size);
    if (!body) {
        sb_conn_send_error(c, true, env->id, SB_WERR_INTERNAL, "out of scratch memory", NULL, 0);
        return false;
    }
    sb_proto_err_t err;
    if (sb_proto_decode_struct(m->body, &env->body, arena, body, &err) != 0) {
        sb_conn_send_error(c, true, env->id, err.code, err.message, err.field[0] ? err.field : NULL,
                           0);
        return true;
    }
    fn(c, env->id, body);
    return false;
}
