/* The connection to Redis: hiredis async on the server's libuv loop.
 *
 * - Reconnects by itself with capped, jittered backoff (a timer on the Switchboard clock, never
 *   from inside hiredis' connect or disconnect callbacks, which is unsafe in 0.14).
 * - After connecting it replays AUTH and SELECT, reads the Redis run id, and only then reports
 *   ready (on_ready).
 * - Caps the requests in flight: at `max_in_flight` new requests are refused with SB_E_BUSY and
 *   on_pressure(true) tells the network layer to stop reading from clients; below half of it,
 *   on_pressure(false) resumes them.
 * - A watchdog drops the connection when the oldest request waited longer than `timeout_ms`
 *   (hiredis 0.14 has no timeouts), which fails every pending request.
 * - Scripts run with EVALSHA; a NOSCRIPT error is retried once with EVAL and the body.
 *
 * Callbacks: every request whose submit returned 0 gets its callback exactly once, with the reply
 * (which may be an error reply) or with NULL when the connection failed before a reply arrived.
 * The reply is freed after the callback returns: copy what you keep. Privdata must stay valid until
 * then; never pass a pointer to a connection that may close (pass an id and look it up). */
#ifndef SB_STORE_STORE_H
#define SB_STORE_STORE_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "store/scripts.h"
#include "util/timer.h"

typedef struct sb_store sb_store_t;
typedef void (*sb_store_cb)(sb_store_t *s, redisReply *reply, void *priv);

typedef struct {
    void (*on_ready)(sb_store_t *s, void *user);
    void (*on_down)(sb_store_t *s, void *user);
    void (*on_pressure)(sb_store_t *s, bool paused, void *user);
    void *user;
} sb_store_events_t;

typedef struct {
    const char *address; /* "unix:/path" or "tcp://host:port" */
    const char *password;
    uint32_t db;
    uint32_t max_in_flight;
    uint32_t timeout_ms;
} sb_store_options_t;

/* Creates the store and starts connecting. Copies the options. NULL when out of memory or when
 * the address cannot be parsed. */
sb_store_t *sb_store_create(uv_loop_t *loop, sb_timers_t *timers, const sb_store_options_t *opt,
                            const sb_store_events_t *ev);
/* Changes the in-flight cap and timeout (config reload). */
void sb_store_set_limits(sb_store_t *s, uint32_t max_in_flight, uint32_t timeout_ms);
/* Begins shutdown: no reconnects; once nothing is in flight (or at once with `now`), the
 * connection is closed and `done` is called. */
void sb_store_stop(sb_store_t *s, bool now, void (*done)(void *arg), void *arg);
/* Frees the store. Only after `done` was called, or before the loop ran. */
void sb_store_destroy(sb_store_t *s);

bool sb_store_ready(const sb_store_t *s);
bool sb_store_paused(const sb_store_t *s);
uint32_t sb_store_in_flight(const sb_store_t *s);
/* The Redis run id seen at the last connect ("" before the first). */
const char *sb_store_run_id(const sb_store_t *s);

/* Sends a command given as argv. 0 (cb will be called), SB_E_STORE_DOWN (not connected),
 * SB_E_BUSY (at the in-flight cap) or SB_E_NOMEM; then cb is never called. */
int sb_store_cmdargv(sb_store_t *s, sb_store_cb cb, void *priv, int argc, const char **argv,
                     const size_t *argvlen);
/* Runs `script` with `nkeys` keys followed by arguments; same contract as sb_store_cmdargv. */
int sb_store_eval(sb_store_t *s, const sb_lua_script_t *script, sb_store_cb cb, void *priv,
                  int nkeys, int nargs, const char **argv, const size_t *argvlen);

/* Maps a reply to an outcome: 0 for a usable reply, SB_E_STORE_DOWN for NULL, SB_E_STORE_FULL
 * for an OOM error reply, SB_E_IO for other error replies. */
int sb_store_reply_status(const redisReply *r);

/* ------------------------------------------------------------------------------------------------
 * For the typed stores (store/<noun>_store.c): besides store.c, the only code that sees a
 * redisReply.
 *
 * A typed call hands its caller a typed result, never a reply. It is sent with an adapter, which
 * turns the reply into that result and calls the caller's callback `done` (a typed store's own
 * callback type, passed as sb_store_fn and cast back by the adapter). The request carries both,
 * so a typed call allocates nothing beyond what the untyped one does. Same contract as above: the
 * adapter runs exactly once if the submit returned 0, never otherwise; `done` may be NULL when
 * nobody waits for the outcome.
 * ---------------------------------------------------------------------------------------------- */

typedef void (*sb_store_fn)(void);
typedef void (*sb_store_adapter)(sb_store_t *s, const redisReply *reply, sb_store_fn done,
                                 void *priv);

int sb_store_cmdargv_as(sb_store_t *s, sb_store_adapter adapt, sb_store_fn done, void *priv,
                        int argc, const char **argv, const size_t *argvlen);
int sb_store_eval_as(sb_store_t *s, const sb_lua_script_t *script, sb_store_adapter adapt,
                     sb_store_fn done, void *priv, int nkeys, int nargs, const char **argv,
                     const size_t *argvlen);
/* The adapter for a call nobody waits for: the reply is dropped (`done` is unused). */
void sb_store_ignore(sb_store_t *s, const redisReply *reply, sb_store_fn done, void *priv);
/* HMGET `key` `fields[0..n)` (n <= 32): element i of the reply is field i, nil when absent. For
 * hashes read in bulk (a restart reads 200,000 contacts): half the reply objects of HGETALL, and
 * no search by name. */
int sb_store_hmget_as(sb_store_t *s, sb_store_adapter adapt, sb_store_fn done, void *priv,
                      const char *key, const char *const *fields, size_t n);

#endif
