/* Lua scripts run in Redis (server/store/lua/NAME.lua), embedded at build time with their SHA1.
 * Every script receives all the keys it touches through KEYS (Redis Cluster). */
#ifndef SB_STORE_SCRIPTS_H
#define SB_STORE_SCRIPTS_H

#include <stddef.h>

typedef struct {
    const char *name;
    const char *sha;
    const char *body;
    size_t body_len;
} sb_lua_script_t;

extern const sb_lua_script_t sb_lua_login_attempt;
extern const sb_lua_script_t sb_lua_session_create;
extern const sb_lua_script_t sb_lua_session_revoke;
extern const sb_lua_script_t sb_lua_customer_token;
extern const sb_lua_script_t sb_lua_route_commit;
extern const sb_lua_script_t sb_lua_conv_create;
extern const sb_lua_script_t sb_lua_conv_append;
extern const sb_lua_script_t sb_lua_conv_mark;
extern const sb_lua_script_t sb_lua_conv_sync;
extern const sb_lua_script_t sb_lua_epoch_check;
extern const sb_lua_script_t sb_lua_conv_close;
extern const sb_lua_script_t sb_lua_conv_segment;
extern const sb_lua_script_t sb_lua_conv_rate;
extern const sb_lua_script_t sb_lua_message_leave;
extern const sb_lua_script_t sb_lua_stats_add;
extern const sb_lua_script_t sb_lua_stats_live;
extern const sb_lua_script_t sb_lua_stream_add;
/* Every script above, then NULL. */
extern const sb_lua_script_t *const sb_lua_all[];

#endif
