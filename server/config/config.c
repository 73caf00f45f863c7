/* Configuration: loading, the top-level sections, lookups and destruction.
 *
 * Queues and topics are read in config_queue.c, hours of operation in config_hours.c, staff and
 * canned responses in config_staff.c, all through the table-driven reader of config_yaml.c.
 * docs/config.md is the reference for every key; keep it in step with the tables below. */
#include "config/config.h"

#include <errno.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <unistd.h>

#include "config/config_yaml.h"
#include "util/err.h"

/* A configuration of a large agency is well under 1 MiB; this only stops a wrong path (a log, a
 * device) from being read whole. */
#define SB_CFG_MAX_FILE_BYTES (4u * 1024 * 1024)
#define SB_CFG_PATH_MAX       4096

_Static_assert(sizeof(sb_strategy_t) == sizeof(int), "ENUM fields are stored as int");
_Static_assert(sizeof(sb_overflow_kind_t) == sizeof(int), "ENUM fields are stored as int");
_Static_assert(sizeof(sb_staff_role_t) == sizeof(int), "ENUM fields are stored as int");

/* One name table per enum, used both to parse and by the *_name functions. */
const char *const sb_cfg_channel_names[] = {[SB_CHAN_CHAT] = "chat",
                                            [SB_CHAN_VOICE] = "voice",
                                            [SB_CHAN_VIDEO] = "video",
                                            [SB_CHAN_TASK] = "task",
                                            [SB_CHAN__COUNT] = NULL};

const char *const sb_cfg_strategy_names[] = {
    [SB_STRATEGY_LONGEST_IDLE] = "longest_idle",
    [SB_STRATEGY_LEAST_OCCUPIED] = "least_occupied",
    [SB_STRATEGY_HIGHEST_PROFICIENCY] = "highest_proficiency",
    [SB_STRATEGY_ROUND_ROBIN] = "round_robin",
    NULL,
};

const char *sb_channel_name(sb_channel_t c)
{
    return (unsigned)c < SB_CHAN__COUNT ? sb_cfg_channel_names[c] : "unknown";
}

const char *sb_strategy_name(sb_strategy_t s)
{
    return (unsigned)s <= SB_STRATEGY_ROUND_ROBIN ? sb_cfg_strategy_names[s] : "unknown";
}

/* ------------------------------------------------------------------------------------------------
 * listen
 * ---------------------------------------------------------------------------------------------- */

#define LISTEN(f) offsetof(sb_cfg_listen_t, f)

static const sb_cfg_field_t tls_fields[] = {
    {SB_CFG_F("cert", SB_CFGK_TEXT, SB_CFGF_REQUIRED, LISTEN(tls_cert)), .max = SB_CFG_PATH_MAX},
    {SB_CFG_F("key", SB_CFGK_TEXT, SB_CFGF_REQUIRED, LISTEN(tls_key)), .max = SB_CFG_PATH_MAX},
};

static int check_readable(sb_cfg_ctx_t *ctx, yaml_node_t *map, const char *key, const char *path)
{
    char show[128];
    if (access(path, R_OK) == 0)
        return 0;
    return sb_cfg_fail_key(ctx, map, key, "cannot read '%s': %s",
                           sb_cfg_show(path, show, sizeof show), strerror(errno));
}

static int parse_tls(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    /* Both keys are required once tls is present, so a cert without a key cannot slip through. */
    sb_cfg_listen_t *l = dst;
    if (!node)
        return 0;
    int rc = sb_cfg_parse_map(ctx, node, tls_fields, SB_CFG_NFIELDS(tls_fields), dst);
    if (!rc)
        rc = check_readable(ctx, node, "cert", l->tls_cert);
    if (!rc)
        rc = check_readable(ctx, node, "key", l->tls_key);
    return rc;
}

static const sb_cfg_field_t listen_fields[] = {
    {SB_CFG_F("host", SB_CFGK_TEXT, 0, LISTEN(host)), .max = 253, .def_str = "127.0.0.1"},
    {SB_CFG_F("port", SB_CFGK_U16, 0, LISTEN(port)), .min = 0, .max = 65535, .def = 8080},
    {SB_CFG_F("tls", SB_CFGK_CUSTOM, 0, 0), .parse = parse_tls},
    {SB_CFG_F("static_dir", SB_CFGK_TEXT, 0, LISTEN(static_dir)), .max = SB_CFG_PATH_MAX,
     .def_str = "agent-client/dist"},
};

static bool host_ok(const char *h)
{
    /* A name or an address literal; what libwebsockets passes to getaddrinfo. */
    for (; *h; h++)
        if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9') ||
              *h == '.' || *h == '-' || *h == ':' || *h == '_'))
            return false;
    return true;
}

static int parse_listen(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_listen_t *l = dst;
    char show[64];
    int rc = sb_cfg_parse_map(ctx, node, listen_fields, SB_CFG_NFIELDS(listen_fields), dst);
    if (!rc && !host_ok(l->host))
        rc = sb_cfg_fail_key(ctx, node, "host", "must be a host name or an IP address, got '%s'",
                             sb_cfg_show(l->host, show, sizeof show));
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * redis
 * ---------------------------------------------------------------------------------------------- */

#define REDIS(f) offsetof(sb_cfg_redis_t, f)

static const char *const appendfsync_names[] = {"everysec", "always", NULL};

static const sb_cfg_field_t redis_fields[] = {
    {SB_CFG_F("address", SB_CFGK_TEXT, 0, REDIS(address)), .max = 1024, .def_str = "spawn"},
    {SB_CFG_F("spawn_dir", SB_CFGK_TEXT, 0, REDIS(spawn_dir)), .max = SB_CFG_PATH_MAX,
     .def_str = "state/redis"},
    {SB_CFG_F("spawn_binary", SB_CFGK_TEXT, 0, REDIS(spawn_binary)), .max = SB_CFG_PATH_MAX,
     .def_str = "redis-server"},
    {SB_CFG_F("password", SB_CFGK_TEXT, 0, REDIS(password)), .max = 512},
    {SB_CFG_F("db", SB_CFGK_U32, 0, REDIS(db)), .min = 0, .max = 255, .def = 0},
    {SB_CFG_F("appendfsync", SB_CFGK_CHOICE, 0, REDIS(appendfsync)), .def_str = "everysec",
     .names = appendfsync_names},
};

static bool tcp_address_ok(const char *hp)
{
    const char *colon = strrchr(hp, ':');
    if (!colon || colon == hp)
        return false;
    if (hp[0] == '[' && colon[-1] != ']') /* [::1]:6379 */
        return false;
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    return colon[1] >= '0' && colon[1] <= '9' && !*end && !errno && port >= 1 && port <= 65535;
}

static bool redis_address_ok(const char *a)
{
    if (!strcmp(a, "spawn"))
        return true;
    /* sun_path holds 108 bytes including the NUL. */
    if (!strncmp(a, "unix:", 5))
        return a[5] && strlen(a + 5) < 108;
    if (!strncmp(a, "tcp://", 6))
        return tcp_address_ok(a + 6);
    return false;
}

static int parse_redis(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    static const char *const spawn_only[] = {"spawn_dir", "spawn_binary", "appendfsync"};
    sb_cfg_redis_t *r = dst;
    char show[64];
    int rc = sb_cfg_parse_map(ctx, node, redis_fields, SB_CFG_NFIELDS(redis_fields), dst);
    if (rc)
        return rc;
    if (!redis_address_ok(r->address))
        return sb_cfg_fail_key(ctx, node, "address",
                               "must be spawn, unix:/path/to/redis.sock or tcp://host:port, got "
                               "'%s'",
                               sb_cfg_show(r->address, show, sizeof show));
    /* Switchboard configures only a Redis it starts; elsewhere these keys would be ignored. */
    for (size_t i = 0; strcmp(r->address, "spawn") != 0 && i < 3; i++)
        if (sb_cfg_map_get(ctx, node, spawn_only[i]))
            return sb_cfg_fail_key(ctx, node, spawn_only[i],
                                   "only applies when address is spawn (Switchboard does not "
                                   "configure a Redis it did not start)");
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * limits and auth
 * ---------------------------------------------------------------------------------------------- */

/* The members of one integer entry; used inside braces. */
#define LIM(f, lo, hi, d)                                                                          \
    SB_CFG_F(#f, SB_CFGK_U32, 0, offsetof(sb_cfg_limits_t, f)), .min = (lo), .max = (hi), .def = (d)

static const sb_cfg_field_t limits_fields[] = {
    {LIM(max_frame_bytes, 1024, 65536, 65536)},
    {LIM(max_send_queue_bytes, 65536, 256u << 20, 1u << 20)},
    {LIM(handshake_timeout_ms, 1000, 60000, 10000)},
    {LIM(ping_interval_s, 1, 300, 20)},
    {LIM(ping_timeout_s, 1, 300, 20)},
    {LIM(max_connections, 1, 1000000, 100000)},
    {LIM(max_connections_per_address, 1, 1000000, 256)},
    {LIM(max_upgrades_per_s, 1, 100000, 2000)},
    {LIM(messages_per_s, 1, 10000, 50)},
    {LIM(messages_burst, 1, 100000, 100)},
    {LIM(max_bad_frames, 1, 1000, 10)},
    {LIM(flood_close_s, 1, 3600, 5)},
    {LIM(redis_max_in_flight, 100, 1000000, 20000)},
    {LIM(redis_timeout_ms, 100, 60000, 5000)},
    {LIM(max_http_body_bytes, 1024, 1u << 20, 16384)},
};

static int parse_limits(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_limits_t *l = dst;
    int rc = sb_cfg_parse_map(ctx, node, limits_fields, SB_CFG_NFIELDS(limits_fields), dst);
    /* The burst is the token bucket's size: below the rate, a second's worth of messages sent
     * together would already be refused, which is never what the operator meant. */
    if (!rc && l->messages_burst < l->messages_per_s)
        rc = sb_cfg_fail_key(ctx, node, "messages_burst",
                             "must be at least messages_per_s (%u), got %u", l->messages_per_s,
                             l->messages_burst);
    return rc;
}

/* The members of one integer entry; used inside braces. */
#define AUTH(f, lo, hi, d)                                                                         \
    SB_CFG_F(#f, SB_CFGK_U32, 0, offsetof(sb_cfg_auth_t, f)), .min = (lo), .max = (hi), .def = (d)

static const sb_cfg_field_t auth_fields[] = {
    {AUTH(session_ttl_s, 300, 604800, 43200)},
    {AUTH(login_window_s, 60, 86400, 900)},
    {AUTH(login_max_failures_per_account, 1, 1000, 5)},
    {AUTH(login_max_failures_per_address, 1, 100000, 50)},
    {AUTH(max_hash_jobs, 1, 64, 4)},
    {AUTH(max_pending_logins, 1, 100000, 64)},
    {AUTH(max_pending_logins_per_address, 1, 100000, 16)},
    {AUTH(resume_ttl_s, 60, 86400, 900)},
    {SB_CFG_F("cookie_secure", SB_CFGK_BOOL, 0, offsetof(sb_cfg_auth_t, cookie_secure))},
};

static int parse_auth(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_auth_t *a = dst;
    int rc = sb_cfg_parse_map(ctx, node, auth_fields, SB_CFG_NFIELDS(auth_fields), dst);
    /* Behind a TLS-terminating proxy the operator sets it; otherwise it follows listen.tls
     * (parsed earlier), since a Secure cookie is never sent back over plain HTTP. */
    yaml_node_t *given = sb_cfg_map_get(ctx, node, "cookie_secure");
    if (!rc && (!given || sb_cfg_is_null(given)))
        a->cookie_secure = ctx->cfg->listen.tls_cert != NULL;
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * routing
 * ---------------------------------------------------------------------------------------------- */

#define ROUTE(f, lo, hi, d)                                                                        \
    SB_CFG_F(#f, SB_CFGK_U32, 0, offsetof(sb_cfg_routing_t, f)), .min = (lo), .max = (hi),         \
                                                                 .def = (d)

static const sb_cfg_field_t routing_fields[] = {
    {ROUTE(decline_cooldown_s, 0, 86400, 60)},
    {ROUTE(max_missed_offers, 0, 100, 3)},
    {ROUTE(disconnect_grace_s, 1, 3600, 60)},
    {ROUTE(priority_step_s, 0, 3600, 60)},
    /* "recomputed at most once a second per queue": never more often */
    {ROUTE(position_every_ms, 1000, 60000, 1000)},
    {SB_CFG_F("missed_offers_reason", SB_CFGK_TEXT, 0,
              offsetof(sb_cfg_routing_t, missed_offers_reason)),
     .max = 64, .def_str = "Missed offers"},
    {SB_CFG_F("wrapup_default_disposition", SB_CFGK_ID, 0,
              offsetof(sb_cfg_routing_t, wrapup_default_disposition)),
     .max = 64, .def_str = "no_wrapup"},
    {ROUTE(retention_days, 1, 3650, 30)},
    {ROUTE(short_abandon_s, 0, 600, 10)},
};

static int parse_routing(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    return sb_cfg_parse_map(ctx, node, routing_fields, SB_CFG_NFIELDS(routing_fields), dst);
}

/* ------------------------------------------------------------------------------------------------
 * chat
 * ---------------------------------------------------------------------------------------------- */

#define CHAT(f, lo, hi, d)                                                                         \
    SB_CFG_F(#f, SB_CFGK_U32, 0, offsetof(sb_cfg_chat_t, f)), .min = (lo), .max = (hi), .def = (d)

static const sb_cfg_field_t chat_fields[] = {
    {CHAT(max_messages, 10, 100000, 5000)},
    {CHAT(inactivity_warn_s, 30, 86400, 600)},
    {CHAT(inactivity_end_s, 10, 3600, 120)},
    {CHAT(max_conversations, 1, 10000000, 100000)},
    {CHAT(conversations_per_address, 1, 100000, 20)},
    {CHAT(conversations_window_s, 60, 86400, 3600)},
    {CHAT(transfer_priority_boost, 0, 10, 2)},
    {SB_CFG_F("redact_patterns", SB_CFGK_TEXTS, SB_CFGF_UNIQUE,
              offsetof(sb_cfg_chat_t, redact_patterns)),
     .n_off = offsetof(sb_cfg_chat_t, n_redact_patterns), .max = 32},
};

static int parse_chat(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_chat_t *c = dst;
    int rc = sb_cfg_parse_map(ctx, node, chat_fields, SB_CFG_NFIELDS(chat_fields), dst);
    /* a pattern that does not compile would only fail at the first message: fail here */
    for (size_t i = 0; !rc && i < c->n_redact_patterns; i++) {
        regex_t re;
        if (regcomp(&re, c->redact_patterns[i], REG_EXTENDED) != 0)
            rc = sb_cfg_fail_key(ctx, node, "redact_patterns",
                                 "pattern %zu is not a valid extended regular expression", i);
        else
            regfree(&re);
    }
    return rc;
}

/* The away reason routing sets after missed offers must be one agents and supervisors see in
 * the list; when the file does not list it, it is added. */
static int add_missed_offers_reason(sb_cfg_ctx_t *ctx)
{
    sb_config_t *cfg = ctx->cfg;
    const char *want = cfg->routing.missed_offers_reason;
    for (size_t i = 0; i < cfg->n_away_reasons; i++)
        if (strcmp(cfg->away_reasons[i], want) == 0)
            return 0;
    char **r = realloc(cfg->away_reasons, (cfg->n_away_reasons + 1) * sizeof *r);
    if (!r)
        return sb_cfg_nomem(ctx);
    cfg->away_reasons = r;
    if (!(r[cfg->n_away_reasons] = strdup(want)))
        return sb_cfg_nomem(ctx);
    cfg->n_away_reasons++;
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * skills, codes, origins
 * ---------------------------------------------------------------------------------------------- */

static const sb_cfg_field_t skill_fields[] = {
    {SB_CFG_F("id", SB_CFGK_ID, SB_CFGF_REQUIRED, offsetof(sb_cfg_skill_t, id))},
    {SB_CFG_F("name", SB_CFGK_TEXT, 0, offsetof(sb_cfg_skill_t, name))},
};

static int parse_skill(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_skill_t *s = dst;
    int rc = sb_cfg_parse_map(ctx, node, skill_fields, SB_CFG_NFIELDS(skill_fields), dst);
    if (!rc && !s->name && !(s->name = sb_cfg_strdup(ctx, s->id)))
        rc = SB_E_NOMEM;
    return rc;
}

static const sb_cfg_field_t code_fields[] = {
    {SB_CFG_F("code", SB_CFGK_ID, SB_CFGF_REQUIRED, offsetof(sb_cfg_code_t, code))},
    {SB_CFG_F("label", SB_CFGK_TEXT, SB_CFGF_REQUIRED, offsetof(sb_cfg_code_t, label))},
};

static int parse_code(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    return sb_cfg_parse_map(ctx, node, code_fields, SB_CFG_NFIELDS(code_fields), dst);
}

static bool origin_ok(const char *o)
{
    /* Exactly what a browser sends in Origin: lower-case scheme://host[:port], no path. */
    const char *h = !strncmp(o, "https://", 8) ? o + 8 : !strncmp(o, "http://", 7) ? o + 7 : NULL;
    if (!h || !*h)
        return false;
    const char *port = NULL;
    for (const char *p = h; *p; p++) {
        bool in_brackets = h[0] == '[' && strchr(p, ']'); /* http://[::1]:8080 */
        if (*p == ':' && !in_brackets && !port)
            port = p + 1;
        else if (*p >= 'A' && *p <= 'Z')
            return false;
        else if (strchr("/?#@ *", *p) || (unsigned char)*p < 0x21)
            return false;
    }
    if (port == h + 1)
        return false; /* no host */
    if (port) {
        char *end;
        long v = strtol(port, &end, 10);
        return *port >= '0' && *port <= '9' && !*end && v >= 1 && v <= 65535;
    }
    return true;
}

static int check_origins(sb_cfg_ctx_t *ctx, yaml_node_t *root, const char *key, char **list,
                         size_t n)
{
    char show[64];
    for (size_t i = 0; i < n; i++) {
        if (origin_ok(list[i]))
            continue;
        size_t saved = sb_cfg_push_key(ctx, key);
        sb_cfg_push_index(ctx, i);
        int rc = sb_cfg_fail(
            ctx, sb_cfg_seq_item(ctx, sb_cfg_map_get(ctx, root, key), i),
            "must be an origin such as https://www.example.gov or http://localhost:8080 (lower "
            "case, no path, no wildcard), got '%s'",
            sb_cfg_show(list[i], show, sizeof show));
        sb_cfg_pop(ctx, saved);
        return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * The document
 * ---------------------------------------------------------------------------------------------- */

#define CFG(f)   offsetof(sb_config_t, f)
#define CFG_N(f) offsetof(sb_config_t, n_##f)

static const char *const log_level_names[] = {"debug", "info", "warn", "error", NULL};
static const char *const key_id[] = {"id", NULL};
static const char *const key_code[] = {"code", NULL};
static const char *const key_username[] = {"username", NULL};

/* In dependency order: languages and skills before queues, queues before topics and staff. */
static const sb_cfg_field_t root_fields[] = {
    {SB_CFG_F("deployment", SB_CFGK_ID, SB_CFGF_REQUIRED, CFG(deployment))},
    {SB_CFG_F("log_level", SB_CFGK_CHOICE, 0, CFG(log_level)), .def_str = "info",
     .names = log_level_names},
    {SB_CFG_F("listen", SB_CFGK_CUSTOM, 0, CFG(listen)), .parse = parse_listen},
    {SB_CFG_F("redis", SB_CFGK_CUSTOM, 0, CFG(redis)), .parse = parse_redis},
    {SB_CFG_F("allowed_origins", SB_CFGK_TEXTS, SB_CFGF_UNIQUE, CFG(allowed_origins)),
     .n_off = CFG_N(allowed_origins), .max = 256},
    {SB_CFG_F("widget_origins", SB_CFGK_TEXTS, SB_CFGF_UNIQUE, CFG(widget_origins)),
     .n_off = CFG_N(widget_origins), .max = 256},
    {SB_CFG_F("limits", SB_CFGK_CUSTOM, 0, CFG(limits)), .parse = parse_limits},
    {SB_CFG_F("auth", SB_CFGK_CUSTOM, 0, CFG(auth)), .parse = parse_auth},
    {SB_CFG_F("routing", SB_CFGK_CUSTOM, 0, CFG(routing)), .parse = parse_routing},
    {SB_CFG_F("chat", SB_CFGK_CUSTOM, 0, CFG(chat)), .parse = parse_chat},
    {SB_CFG_F("languages", SB_CFGK_LANGS, SB_CFGF_UNIQUE | SB_CFGF_NONEMPTY, CFG(languages)),
     .n_off = CFG_N(languages)},
    {SB_CFG_F("skills", SB_CFGK_LIST, SB_CFGF_UNIQUE, CFG(skills)), .n_off = CFG_N(skills),
     .names = key_id, .elem_size = sizeof(sb_cfg_skill_t), .parse = parse_skill},
    {SB_CFG_F("queues", SB_CFGK_LIST, SB_CFGF_UNIQUE, CFG(queues)), .n_off = CFG_N(queues),
     .names = key_id, .elem_size = sizeof(sb_cfg_queue_t), .parse = sb_cfg_parse_queue},
    {SB_CFG_F("topics", SB_CFGK_LIST, SB_CFGF_UNIQUE, CFG(topics)), .n_off = CFG_N(topics),
     .names = key_id, .elem_size = sizeof(sb_cfg_topic_t), .parse = sb_cfg_parse_topic},
    {SB_CFG_F("staff", SB_CFGK_LIST, SB_CFGF_UNIQUE, CFG(staff)), .n_off = CFG_N(staff),
     .names = key_username, .elem_size = sizeof(sb_cfg_staff_t), .parse = sb_cfg_parse_staff},
    {SB_CFG_F("away_reasons", SB_CFGK_TEXTS, SB_CFGF_UNIQUE, CFG(away_reasons)),
     .n_off = CFG_N(away_reasons), .max = 64},
    {SB_CFG_F("identity_methods", SB_CFGK_TEXTS, SB_CFGF_UNIQUE, CFG(identity_methods)),
     .n_off = CFG_N(identity_methods)},
    {SB_CFG_F("dispositions", SB_CFGK_LIST, SB_CFGF_UNIQUE, CFG(dispositions)),
     .n_off = CFG_N(dispositions), .names = key_code, .elem_size = sizeof(sb_cfg_code_t),
     .parse = parse_code},
    {SB_CFG_F("service_codes", SB_CFGK_LIST, SB_CFGF_UNIQUE, CFG(service_codes)),
     .n_off = CFG_N(service_codes), .names = key_code, .elem_size = sizeof(sb_cfg_code_t),
     .parse = parse_code},
    {SB_CFG_F("canned", SB_CFGK_LIST, SB_CFGF_UNIQUE, CFG(canned)), .n_off = CFG_N(canned),
     .names = key_id, .elem_size = sizeof(sb_cfg_canned_t), .parse = sb_cfg_parse_canned},
};

static int default_languages(sb_cfg_ctx_t *ctx)
{
    sb_config_t *cfg = ctx->cfg;
    cfg->languages = calloc(1, sizeof *cfg->languages);
    if (!cfg->languages || !(cfg->languages[0] = strdup("en")))
        return sb_cfg_nomem(ctx);
    cfg->n_languages = 1;
    return 0;
}

static int parse_root(sb_cfg_ctx_t *ctx, yaml_node_t *root)
{
    sb_config_t *cfg = ctx->cfg;
    if (!root || sb_cfg_is_null(root))
        return sb_cfg_fail(ctx, root, "the file holds no configuration");
    if (root->type != YAML_MAPPING_NODE)
        return sb_cfg_parse_map(ctx, root, root_fields, 0, cfg); /* the type error */
    /* Languages are needed by queues, staff and canned responses, so their default comes first. */
    yaml_node_t *langs = sb_cfg_map_get(ctx, root, "languages");
    int rc = (!langs || sb_cfg_is_null(langs)) ? default_languages(ctx) : 0;
    if (!rc)
        rc = sb_cfg_parse_map(ctx, root, root_fields, SB_CFG_NFIELDS(root_fields), cfg);
    if (!rc)
        rc = check_origins(ctx, root, "allowed_origins", cfg->allowed_origins,
                           cfg->n_allowed_origins);
    if (!rc)
        rc = check_origins(ctx, root, "widget_origins", cfg->widget_origins, cfg->n_widget_origins);
    if (!rc)
        rc = sb_cfg_check_queues(ctx, sb_cfg_map_get(ctx, root, "queues"));
    if (!rc)
        rc = add_missed_offers_reason(ctx);
    return rc;
}

static int syntax_error(const char *name, const yaml_parser_t *p, const char *yaml, size_t len,
                        char *errbuf, size_t errlen)
{
    if (p->error == YAML_MEMORY_ERROR) {
        snprintf(errbuf, errlen, "%s: out of memory", name);
        return SB_E_NOMEM;
    }
    size_t line = p->problem_mark.line + 1;
    /* The reader (bad UTF-8, control characters) gives a byte offset instead of a mark. */
    if (p->error == YAML_READER_ERROR) {
        line = 1;
        for (size_t i = 0; i < p->problem_offset && i < len; i++)
            line += yaml[i] == '\n';
    }
    const char *problem = p->problem ? p->problem : "malformed document";
    if (p->context)
        snprintf(errbuf, errlen, "%s:%zu: YAML syntax error: %s (%s at line %zu)", name, line,
                 problem, p->context, p->context_mark.line + 1);
    else
        snprintf(errbuf, errlen, "%s:%zu: YAML syntax error: %s", name, line, problem);
    return SB_E_CONFIG;
}

/* yaml_parser_load reads one document; a second one would be silently ignored, so refuse it. */
static int check_single_document(sb_cfg_ctx_t *ctx, yaml_parser_t *p, const char *yaml, size_t len)
{
    yaml_document_t next;
    if (!yaml_parser_load(p, &next))
        return syntax_error(ctx->file, p, yaml, len, ctx->err, ctx->errlen);
    yaml_node_t *root = yaml_document_get_root_node(&next);
    int rc = 0;
    if (root) {
        snprintf(ctx->err, ctx->errlen,
                 "%s:%zu: (root): only one YAML document is allowed (found '---')", ctx->file,
                 next.start_mark.line + 1);
        rc = SB_E_CONFIG;
    }
    yaml_document_delete(&next);
    return rc;
}

static int load_document(sb_cfg_ctx_t *ctx, const char *yaml, size_t len)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return sb_cfg_nomem(ctx);
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    int rc = 0;
    if (!yaml_parser_load(&parser, &doc)) {
        rc = syntax_error(ctx->file, &parser, yaml, len, ctx->err, ctx->errlen);
        yaml_parser_delete(&parser);
        return rc;
    }
    rc = check_single_document(ctx, &parser, yaml, len);
    ctx->doc = &doc;
    if (!rc)
        rc = parse_root(ctx, yaml_document_get_root_node(&doc));
    ctx->doc = NULL;
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

int sb_config_load_string(const char *name, const char *yaml, size_t len, sb_config_t **out,
                          char *errbuf, size_t errlen)
{
    sb_cfg_ctx_t ctx = {.file = name, .err = errbuf, .errlen = errlen};
    char ignored[1];
    if (!errbuf || !errlen)
        ctx.err = ignored, ctx.errlen = sizeof ignored;
    *out = NULL;
    if (!(ctx.cfg = calloc(1, sizeof *ctx.cfg)))
        return sb_cfg_nomem(&ctx);
    int rc = load_document(&ctx, yaml, len);
    if (!rc && !(ctx.cfg->path = strdup(name)))
        rc = sb_cfg_nomem(&ctx);
    if (rc) {
        sb_config_destroy(ctx.cfg);
        return rc;
    }
    *out = ctx.cfg;
    return 0;
}

static int read_file(const char *path, char **data, size_t *len, char *errbuf, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errbuf, errlen, "%s: cannot read: %s", path, strerror(errno));
        return SB_E_IO;
    }
    char *buf = malloc(SB_CFG_MAX_FILE_BYTES + 1);
    size_t n = buf ? fread(buf, 1, SB_CFG_MAX_FILE_BYTES + 1, f) : 0;
    int rc = 0, saved_errno = errno;
    if (!buf)
        rc = SB_E_NOMEM, snprintf(errbuf, errlen, "%s: out of memory", path);
    else if (ferror(f))
        rc = SB_E_IO, snprintf(errbuf, errlen, "%s: cannot read: %s", path, strerror(saved_errno));
    else if (n > SB_CFG_MAX_FILE_BYTES)
        rc = SB_E_CONFIG,
        snprintf(errbuf, errlen, "%s: larger than %u bytes; is this the right file?", path,
                 SB_CFG_MAX_FILE_BYTES);
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return 0;
}

int sb_config_load(const char *path, sb_config_t **out, char *errbuf, size_t errlen)
{
    char ignored[1], *data = NULL;
    size_t len = 0;
    if (!errbuf || !errlen)
        errbuf = ignored, errlen = sizeof ignored;
    *out = NULL;
    int rc = read_file(path, &data, &len, errbuf, errlen);
    if (rc)
        return rc;
    rc = sb_config_load_string(path, data, len, out, errbuf, errlen);
    free(data);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Lookups
 * ---------------------------------------------------------------------------------------------- */

const sb_cfg_staff_t *sb_config_find_staff(const sb_config_t *cfg, const char *username, size_t len)
{
    for (size_t i = 0; cfg && i < cfg->n_staff; i++) {
        const char *u = cfg->staff[i].username;
        if (u && strlen(u) == len && memcmp(u, username, len) == 0)
            return &cfg->staff[i];
    }
    return NULL;
}

const sb_cfg_queue_t *sb_config_find_queue(const sb_config_t *cfg, const char *id)
{
    /* Skips ids not yet read: the loader uses this while the queue list is half built. */
    for (size_t i = 0; cfg && id && i < cfg->n_queues; i++)
        if (cfg->queues[i].id && strcmp(cfg->queues[i].id, id) == 0)
            return &cfg->queues[i];
    return NULL;
}

bool sb_config_origin_allowed(char *const *list, size_t n, const char *origin, size_t len)
{
    for (size_t i = 0; origin && i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], origin, len) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------------------------------------------
 * Destruction (also of a half-read config: every pointer is NULL or owned)
 * ---------------------------------------------------------------------------------------------- */

static void free_codes(sb_cfg_code_t *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++) {
        free(c[i].code);
        free(c[i].label);
    }
    free(c);
}

static void free_sections(sb_config_t *cfg)
{
    for (size_t i = 0; cfg->skills && i < cfg->n_skills; i++) {
        free(cfg->skills[i].id);
        free(cfg->skills[i].name);
    }
    free(cfg->skills);
    for (size_t i = 0; cfg->queues && i < cfg->n_queues; i++)
        sb_cfg_queue_dispose(&cfg->queues[i]);
    free(cfg->queues);
    for (size_t i = 0; cfg->topics && i < cfg->n_topics; i++) {
        sb_cfg_topic_t *t = &cfg->topics[i];
        free(t->id), free(t->queue), free(t->label_en), free(t->label_es);
    }
    free(cfg->topics);
    for (size_t i = 0; cfg->staff && i < cfg->n_staff; i++)
        sb_cfg_staff_dispose(&cfg->staff[i]);
    free(cfg->staff);
    for (size_t i = 0; cfg->canned && i < cfg->n_canned; i++) {
        sb_cfg_canned_t *c = &cfg->canned[i];
        free(c->id), free(c->title), free(c->language), free(c->text);
    }
    free(cfg->canned);
    free_codes(cfg->dispositions, cfg->n_dispositions);
    free_codes(cfg->service_codes, cfg->n_service_codes);
}

void sb_config_destroy(sb_config_t *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->deployment);
    free(cfg->log_level);
    free(cfg->listen.host), free(cfg->listen.tls_cert), free(cfg->listen.tls_key);
    free(cfg->listen.static_dir);
    free(cfg->redis.address), free(cfg->redis.spawn_dir), free(cfg->redis.spawn_binary);
    free(cfg->redis.appendfsync);
    if (cfg->redis.password) /* a secret: do not leave it in freed memory */
        sodium_memzero(cfg->redis.password, strlen(cfg->redis.password));
    free(cfg->redis.password);
    sb_cfg_free_strs(cfg->allowed_origins, cfg->n_allowed_origins);
    sb_cfg_free_strs(cfg->widget_origins, cfg->n_widget_origins);
    sb_cfg_free_strs(cfg->languages, cfg->n_languages);
    free_sections(cfg);
    sb_cfg_free_strs(cfg->away_reasons, cfg->n_away_reasons);
    sb_cfg_free_strs(cfg->identity_methods, cfg->n_identity_methods);
    free(cfg->routing.missed_offers_reason);
    free(cfg->routing.wrapup_default_disposition);
    sb_cfg_free_strs(cfg->chat.redact_patterns, cfg->chat.n_redact_patterns);
    free(cfg);
}
