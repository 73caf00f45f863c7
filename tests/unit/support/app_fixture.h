/* The whole server in a unit test, without sockets: a private Redis, the application started
 * from an inline configuration on a loopback network (net/loopback.h), and protocol clients that
 * send real frames through the real admission, hello, dispatch and handlers and read what the
 * server wrote. Time moves with the test clock (sb_clock_advance), never by sleeping; the loop
 * runs until what a test waits for has happened, with a bound on real time. */
#ifndef SB_TEST_APP_FIXTURE_H
#define SB_TEST_APP_FIXTURE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "app.h"
#include "net/loopback.h"
#include "redis_fixture.h"

typedef struct {
    sb_test_redis_t redis;
    char dir[256];
    char config_path[320];
    uv_loop_t loop;
    sb_app_t app;
    bool started;
} sb_test_app_t;

/* `yaml`: the configuration without `deployment`, `redis` and `listen` (the fixture adds them).
 * Starts Redis and the app with the test clock, and runs the loop until the app is ready. 0 or
 * -1 (the reason printed). */
int sb_test_app_start(sb_test_app_t *t, const char *yaml);
/* Stops the app gracefully, runs the loop to its end, checks it closed cleanly, stops Redis. */
void sb_test_app_stop(sb_test_app_t *t);
/* Runs the loop until done(arg) is true or `ms` of real time passed; returns done(arg). */
bool sb_test_app_run(sb_test_app_t *t, bool (*done)(void *arg), void *arg, unsigned ms);
/* Moves the test clock forward, then lets the timers that came due run. */
void sb_test_app_advance(sb_test_app_t *t, uint64_t ms);
/* A staff session for `username` as sign-in makes it; `token` gets the cookie value (44 bytes). */
int sb_test_app_session(sb_test_app_t *t, const char *username, const char *role, char *token);

/* ------------------------------------------------------------------------------------------------
 * Protocol clients
 * ---------------------------------------------------------------------------------------------- */

/* One envelope the server sent. `body` points into `zone`, valid until the next call that takes
 * an envelope of the same client. */
typedef struct {
    char t[64];
    bool has_id;
    uint64_t id;
    msgpack_object body; /* a map */
} sb_test_env_t;

typedef struct {
    sb_test_app_t *app;
    sb_conn_t *conn;
    uint64_t next_id;
    /* envelopes received and not yet taken */
    msgpack_zone zone;
    msgpack_object *envs;
    char (*types)[64];
    bool *taken;
    size_t n, cap;
    char resume_token[64]; /* customers: from the hello reply */
    char contact_id[80];   /* customers: the open contact the hello reply named, "" if none */
} sb_test_client_t;

/* Opens a client on `endpoint` (staff: with a session token from sb_test_app_session). */
int sb_test_client_open(sb_test_client_t *cl, sb_test_app_t *t, sb_endpoint_t endpoint,
                        const char *token);
void sb_test_client_close(sb_test_client_t *cl);
/* Sends a request of `type` with `body` (the generated struct of that type); returns its id. */
uint64_t sb_test_send(sb_test_client_t *cl, sb_msg_type_t type, const void *body);
/* Sends a request and runs the loop until its reply: 'ok' or 'error' in out->t. false when none
 * came within 5 s. */
bool sb_test_request(sb_test_client_t *cl, sb_msg_type_t type, const void *body,
                     sb_test_env_t *out);
/* The next event of type `name` not taken yet (running the loop up to 5 s for it); false when
 * none came. */
bool sb_test_take(sb_test_client_t *cl, const char *name, sb_test_env_t *out);
/* Whether an event of `name` arrived and was not taken, without running the loop. */
bool sb_test_has(sb_test_client_t *cl, const char *name);

/* Common steps: a customer's connection through hello (no resume token unless given); a staff
 * member's, signed in and through hello. 0 or -1. */
int sb_test_customer(sb_test_client_t *cl, sb_test_app_t *t, const char *resume_token);
int sb_test_staff(sb_test_client_t *cl, sb_test_app_t *t, const char *username, const char *role);

/* Fields of a body: a string (NUL-terminated copy in buf, "" if absent), an unsigned integer (0 if
 * absent), a map or array (NULL if absent). */
const char *sb_test_str(const msgpack_object *map, const char *key, char *buf, size_t len);
uint64_t sb_test_uint(const msgpack_object *map, const char *key);
bool sb_test_has_field(const msgpack_object *map, const char *key);
const msgpack_object *sb_test_obj(const msgpack_object *map, const char *key);

#endif
