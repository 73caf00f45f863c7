#include "app_fixture.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "router/router.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/token.h"

/* ------------------------------------------------------------------------------------------------
 * The app
 * ---------------------------------------------------------------------------------------------- */

static uint64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool sb_test_app_run(sb_test_app_t *t, bool (*done)(void *arg), void *arg, unsigned ms)
{
    uint64_t end = real_ms() + ms;
    while (!(done && done(arg))) {
        if (real_ms() >= end)
            return false;
        uv_run(&t->loop, UV_RUN_NOWAIT);
        if (!(done && done(arg)))
            usleep(200); /* Redis answers on its own time: let it */
    }
    return true;
}

static bool is_ready(void *arg)
{
    sb_test_app_t *t = arg;
    return t->app.state_loaded;
}

int sb_test_app_start(sb_test_app_t *t, const char *yaml)
{
    memset(t, 0, sizeof *t);
    if (sb_test_redis_start(&t->redis) != 0) {
        fprintf(stderr, "app fixture: redis did not start\n");
        return -1;
    }
    snprintf(t->config_path, sizeof t->config_path, "%s/switchboard.yaml", t->redis.dir);
    FILE *f = fopen(t->config_path, "w");
    if (!f)
        return -1;
    fprintf(f, "deployment: unit\nlog_level: warn\nredis: {address: \"%s\"}\n%s\n",
            t->redis.address, yaml);
    fclose(f);
    if (uv_loop_init(&t->loop) != 0)
        return -1;
    sb_app_options_t opt = {.config_path = t->config_path, .test_clock = true, .loopback = true};
    if (sb_app_start(&t->app, &t->loop, &opt) != 0) {
        fprintf(stderr, "app fixture: the app did not start\n");
        return -1;
    }
    t->started = true;
    if (!sb_test_app_run(t, is_ready, t, 10000)) {
        fprintf(stderr, "app fixture: not ready within 10 s\n");
        return -1;
    }
    return 0;
}

void sb_test_app_stop(sb_test_app_t *t)
{
    if (t->started) {
        sb_app_stop(&t->app);
        uv_run(&t->loop, UV_RUN_DEFAULT);
        sb_app_dispose(&t->app);
        if (uv_loop_close(&t->loop) != 0)
            fprintf(stderr, "app fixture: handles left open on the loop\n");
    }
    sb_test_redis_stop(&t->redis);
}

void sb_test_app_advance(sb_test_app_t *t, uint64_t ms)
{
    sb_clock_advance(ms);
    sb_timers_run(&t->app.timers);
    uv_run(&t->loop, UV_RUN_NOWAIT);
}

int sb_test_app_session(sb_test_app_t *t, const char *username, const char *role, char *token)
{
    char hash[65];
    sb_token_new(token);
    sb_token_hash(token, strlen(token), hash);
    redisContext *r = redisConnectUnix(t->redis.sock);
    if (!r || r->err)
        return -1;
    uint64_t now = sb_clock_now_ms();
    redisReply *rep =
        redisCommand(r, "HSET %ssess:%s user %s role %s created_ms %" PRIu64 " expires_ms %" PRIu64,
                     t->app.key_prefix, hash, username, role, now, now + 3600000u);
    int ok = rep && rep->type == REDIS_REPLY_INTEGER;
    if (rep)
        freeReplyObject(rep);
    rep = redisCommand(r, "SADD %suser_sess:%s %s", t->app.key_prefix, username, hash);
    if (rep)
        freeReplyObject(rep);
    redisFree(r);
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------------------------------------------
 * Clients
 * ---------------------------------------------------------------------------------------------- */

int sb_test_client_open(sb_test_client_t *cl, sb_test_app_t *t, sb_endpoint_t endpoint,
                        const char *token)
{
    memset(cl, 0, sizeof *cl);
    cl->app = t;
    cl->next_id = 1;
    msgpack_zone_init(&cl->zone, 4096);
    cl->conn = sb_loopback_open(t->app.net, endpoint, "127.0.0.1", token);
    return cl->conn ? 0 : -1;
}

void sb_test_client_close(sb_test_client_t *cl)
{
    sb_loopback_free(cl->conn);
    cl->conn = NULL;
    uv_run(&cl->app->loop, UV_RUN_NOWAIT);
    msgpack_zone_destroy(&cl->zone);
    free(cl->envs);
    free(cl->types);
    free(cl->taken);
}

/* Frames the server wrote become envelopes; their bytes are kept in the zone (strings point into
 * the frame). */
static void drain(sb_test_client_t *cl)
{
    sb_buf_t f;
    while (cl->conn && sb_loopback_take(cl->conn, &f)) {
        char *copy = msgpack_zone_malloc(&cl->zone, f.len ? f.len : 1);
        memcpy(copy, sb_buf_data(&f), f.len);
        size_t len = f.len, off = 0;
        sb_buf_dispose(&f);
        while (off < len) {
            msgpack_object o;
            msgpack_unpack_return r = msgpack_unpack(copy, len, &off, &cl->zone, &o);
            /* EXTRA_BYTES: another envelope follows in the same frame */
            if (r != MSGPACK_UNPACK_SUCCESS && r != MSGPACK_UNPACK_EXTRA_BYTES)
                break;
            if (cl->n == cl->cap) {
                cl->cap = cl->cap ? cl->cap * 2 : 32;
                cl->envs = realloc(cl->envs, cl->cap * sizeof *cl->envs);
                cl->types = realloc(cl->types, cl->cap * sizeof *cl->types);
                cl->taken = realloc(cl->taken, cl->cap * sizeof *cl->taken);
            }
            cl->envs[cl->n] = o;
            sb_test_str(&o, "t", cl->types[cl->n], sizeof cl->types[cl->n]);
            cl->taken[cl->n] = false;
            cl->n++;
        }
    }
}

static void fill(const msgpack_object *o, sb_test_env_t *out)
{
    memset(out, 0, sizeof *out);
    sb_test_str(o, "t", out->t, sizeof out->t);
    out->has_id = sb_test_has_field(o, "id");
    out->id = sb_test_uint(o, "id");
    const msgpack_object *b = sb_test_obj(o, "b");
    if (b)
        out->body = *b;
}

uint64_t sb_test_send(sb_test_client_t *cl, sb_msg_type_t type, const void *body)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    uint64_t id = cl->next_id++;
    sb_proto_pack_request(&pk, type, id, body);
    sb_loopback_send(cl->conn, (const uint8_t *)sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return id;
}

typedef struct {
    sb_test_client_t *cl;
    const char *name;
    uint64_t id; /* a reply to this request, when name is NULL */
    size_t found;
} find_t;

static bool found(void *arg)
{
    find_t *f = arg;
    drain(f->cl);
    for (size_t i = 0; i < f->cl->n; i++) {
        if (f->cl->taken[i])
            continue;
        const char *t = f->cl->types[i];
        bool hit = f->name ? strcmp(t, f->name) == 0
                           : (strcmp(t, "ok") == 0 || strcmp(t, "error") == 0) &&
                                 sb_test_uint(&f->cl->envs[i], "id") == f->id;
        if (hit) {
            f->found = i;
            return true;
        }
    }
    return false;
}

bool sb_test_request(sb_test_client_t *cl, sb_msg_type_t type, const void *body, sb_test_env_t *out)
{
    find_t f = {cl, NULL, sb_test_send(cl, type, body), 0};
    if (!sb_test_app_run(cl->app, found, &f, 5000))
        return false;
    cl->taken[f.found] = true;
    fill(&cl->envs[f.found], out);
    return true;
}

bool sb_test_take(sb_test_client_t *cl, const char *name, sb_test_env_t *out)
{
    find_t f = {cl, name, 0, 0};
    if (!sb_test_app_run(cl->app, found, &f, 5000))
        return false;
    cl->taken[f.found] = true;
    fill(&cl->envs[f.found], out);
    return true;
}

bool sb_test_has(sb_test_client_t *cl, const char *name)
{
    find_t f = {cl, name, 0, 0};
    return found(&f);
}

int sb_test_customer(sb_test_client_t *cl, sb_test_app_t *t, const char *resume_token)
{
    if (sb_test_client_open(cl, t, SB_EP_CUSTOMER, NULL) != 0)
        return -1;
    sb_msg_hello_t hello = {.client = {"unit/1", 6}, .has_client = true};
    if (resume_token) {
        hello.resume_token = (sb_str_t){resume_token, (uint32_t)strlen(resume_token)};
        hello.has_resume_token = true;
    }
    sb_test_env_t e;
    if (!sb_test_request(cl, SB_MSG_HELLO, &hello, &e) || strcmp(e.t, "ok") != 0)
        return -1;
    sb_test_str(&e.body, "resume_token", cl->resume_token, sizeof cl->resume_token);
    sb_test_str(&e.body, "contact_id", cl->contact_id, sizeof cl->contact_id);
    return 0;
}

int sb_test_staff(sb_test_client_t *cl, sb_test_app_t *t, const char *username, const char *role)
{
    char token[64];
    if (sb_test_app_session(t, username, role, token) != 0 ||
        sb_test_client_open(cl, t, SB_EP_STAFF, token) != 0)
        return -1;
    sb_msg_hello_t hello = {.client = {"unit/1", 6}, .has_client = true};
    sb_test_env_t e;
    return sb_test_request(cl, SB_MSG_HELLO, &hello, &e) && strcmp(e.t, "ok") == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------------------------------
 * Reading bodies
 * ---------------------------------------------------------------------------------------------- */

const msgpack_object *sb_test_obj(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == kl &&
            memcmp(k->via.str.ptr, key, kl) == 0)
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

bool sb_test_has_field(const msgpack_object *map, const char *key)
{
    return sb_test_obj(map, key) != NULL;
}

const char *sb_test_str(const msgpack_object *map, const char *key, char *buf, size_t len)
{
    const msgpack_object *v = sb_test_obj(map, key);
    if (!v || v->type != MSGPACK_OBJECT_STR)
        snprintf(buf, len, "%s", "");
    else
        snprintf(buf, len, "%.*s", (int)v->via.str.size, v->via.str.ptr);
    return buf;
}

uint64_t sb_test_uint(const msgpack_object *map, const char *key)
{
    const msgpack_object *v = sb_test_obj(map, key);
    return v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? v->via.u64 : 0;
}
