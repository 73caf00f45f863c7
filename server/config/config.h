/* Configuration: the YAML file (docs/config.md) parsed into one immutable sb_config_t.
 *
 * A config is loaded whole or not at all. On SIGHUP a new one is loaded off the loop thread and
 * swapped in only when valid; code that keeps a pointer into a config across loop turns must take
 * it from the current one again (the old one is destroyed after the swap).
 *
 * All strings are NUL-terminated heap copies owned by the config. */
#ifndef SB_CONFIG_CONFIG_H
#define SB_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SB_CFG_MAX_ID 64

typedef enum {
    SB_CHAN_CHAT,
    SB_CHAN_VOICE,
    SB_CHAN_VIDEO,
    SB_CHAN_TASK,
    SB_CHAN__COUNT
} sb_channel_t;

typedef enum {
    SB_STRATEGY_LONGEST_IDLE,
    SB_STRATEGY_LEAST_OCCUPIED,
    SB_STRATEGY_HIGHEST_PROFICIENCY,
    SB_STRATEGY_ROUND_ROBIN,
} sb_strategy_t;

typedef enum {
    SB_OVERFLOW_NONE,
    SB_OVERFLOW_QUEUE,
    SB_OVERFLOW_MESSAGE,
    SB_OVERFLOW_CALLBACK
} sb_overflow_kind_t;

/* Role of a staff member; values match the protocol's role enum (customer = 0 is never staff). */
typedef enum { SB_STAFF_AGENT = 1, SB_STAFF_SUPERVISOR = 2, SB_STAFF_ADMIN = 3 } sb_staff_role_t;

typedef struct {
    char *id;   /* [A-Za-z0-9_.:-]{1,64} */
    char *name; /* human label */
} sb_cfg_skill_t;

typedef struct {
    char *skill; /* id of a configured skill */
    uint8_t min; /* minimum proficiency 1..5 */
} sb_cfg_skill_req_t;

typedef struct {
    char *skill;
    uint8_t level; /* proficiency 1..5 */
} sb_cfg_skill_level_t;

typedef struct {
    uint32_t after_s;           /* waiting time after which this step applies */
    sb_cfg_skill_req_t *skills; /* the requirements from then on (language is never relaxed) */
    size_t n_skills;
} sb_cfg_relax_step_t;

/* One weekly opening interval in the queue's time zone; minutes since local midnight. */
typedef struct {
    uint8_t weekday;    /* 0 = Sunday .. 6 = Saturday */
    uint16_t open_min;  /* 0..1439 */
    uint16_t close_min; /* open_min < close_min <= 1440 */
} sb_cfg_hours_t;

typedef struct {
    char *id;
    char *name;
    bool channels[SB_CHAN__COUNT];
    sb_cfg_skill_req_t *skills;
    size_t n_skills;
    char **languages; /* languages this queue serves; never empty */
    size_t n_languages;
    uint8_t priority;         /* 1 (lowest) .. 10 (highest); default 5 */
    uint8_t sl_percent;       /* service-level goal, default 80 */
    uint32_t sl_threshold_s;  /* default 60 */
    uint32_t offer_timeout_s; /* default 30 */
    sb_strategy_t strategy;   /* default longest_idle */
    uint32_t wrapup_limit_s;  /* default 120 */
    uint32_t max_wait_s;      /* 0 = no maximum */
    sb_overflow_kind_t overflow;
    char *overflow_queue;       /* for SB_OVERFLOW_QUEUE */
    sb_cfg_relax_step_t *relax; /* ascending after_s */
    size_t n_relax;
    /* hours of operation; n_hours == 0 means always open */
    char *timezone;          /* IANA name, e.g. America/Los_Angeles; default UTC */
    struct sb_tz_zone *zone; /* its rules (util/tzdata.h), read from its TZif file when the
                                 configuration is loaded; NULL: UTC (no timezone given, or no
                                 hours) */
    sb_cfg_hours_t *hours;
    size_t n_hours;
    char **holidays; /* "YYYY-MM-DD" dates, closed all day */
    size_t n_holidays;
    int32_t *holiday_days; /* the same local dates as day numbers (sb_tz_days_from_civil) */
} sb_cfg_queue_t;

/* What a customer picks in the chat widget; maps to a queue. */
typedef struct {
    char *id;
    char *queue; /* id of a configured queue */
    char *label_en;
    char *label_es; /* may be NULL: the English label is shown */
} sb_cfg_topic_t;

typedef struct {
    char *username; /* id charset */
    char *display_name;
    sb_staff_role_t role;
    char *password_hash; /* Argon2id encoded string ("$argon2id$...") */
    sb_cfg_skill_level_t *skills;
    size_t n_skills;
    char **languages;
    size_t n_languages;
    char **queues; /* queues this person serves (agents); empty = none */
    size_t n_queues;
    uint8_t capacity[SB_CHAN__COUNT]; /* voice and video share the call slot: capacity[VOICE] is
                                         the call slot, capacity[VIDEO] mirrors it */
    bool auto_accept[SB_CHAN__COUNT]; /* offers on these channels are accepted at once */
} sb_cfg_staff_t;

typedef struct {
    char *code; /* id charset */
    char *label;
} sb_cfg_code_t;

typedef struct {
    char *id;
    char *title;
    char *language;
    char *text; /* may contain {customer_name}, {agent_name}, {queue_name} */
} sb_cfg_canned_t;

typedef struct {
    uint32_t max_frame_bytes;             /* incoming frame cap; default 65536, at most 65536 */
    uint32_t max_send_queue_bytes;        /* per connection; default 1048576 */
    uint32_t handshake_timeout_ms;        /* upgrade to completed hello; default 10000 */
    uint32_t ping_interval_s;             /* default 20 */
    uint32_t ping_timeout_s;              /* no pong within this after a ping: close; default 20 */
    uint32_t max_connections;             /* total WebSockets; default 100000 */
    uint32_t max_connections_per_address; /* default 256 (WorkSource centres share one NAT) */
    uint32_t max_upgrades_per_s;          /* WebSocket upgrades accepted per second; default 2000 */
    uint32_t messages_per_s;              /* per connection sustained; default 50 */
    uint32_t messages_burst;              /* per connection burst; default 100 */
    uint32_t max_bad_frames;              /* protocol errors before a policy-violation close; 10 */
    uint32_t flood_close_s;               /* sending before retry times this long: 1008; 5 */
    uint32_t redis_max_in_flight;         /* requests towards Redis before reading pauses; 20000 */
    uint32_t redis_timeout_ms;            /* oldest request older than this: reconnect; 5000 */
    uint32_t max_http_body_bytes;         /* default 16384 */
} sb_cfg_limits_t;

typedef struct {
    uint32_t session_ttl_s;                  /* staff session lifetime; default 43200 (12 h) */
    uint32_t login_window_s;                 /* failed-login counting window; default 900 */
    uint32_t login_max_failures_per_account; /* default 5 */
    uint32_t login_max_failures_per_address; /* default 50 */
    uint32_t max_hash_jobs;                  /* concurrent Argon2id verifications; default 4 */
    uint32_t max_pending_logins;             /* sign-ins in progress at once; default 64 */
    uint32_t max_pending_logins_per_address; /* the same from one address; default 16 */
    uint32_t resume_ttl_s;                   /* customer resume window; default 900 */
    bool cookie_secure; /* add Secure to the cookie; default: true when TLS is on */
} sb_cfg_auth_t;

typedef struct {
    uint32_t decline_cooldown_s;      /* a declined contact is not re-offered to that agent; 60 */
    uint32_t max_missed_offers;       /* offer timeouts in a row before "missed offers" away; 3,
                                         0 = never */
    uint32_t disconnect_grace_s;      /* an agent's work waits this long for a reconnect; 60 */
    uint32_t priority_step_s;         /* ordering bonus per priority point; 60 */
    uint32_t position_every_ms;       /* position updates at most this often per queue; 1000 */
    char *missed_offers_reason;       /* the away reason used; default "Missed offers" (added to
                                         away_reasons when absent) */
    char *wrapup_default_disposition; /* recorded when a wrap-up is not submitted in time; default
                                         "no_wrapup" (agents pick it only if it is listed) */
    uint32_t retention_days;          /* finished contacts stay in Redis this long; 30 */
    uint32_t short_abandon_s; /* abandons shorter than this are short abandons (metrics); 10 */
} sb_cfg_routing_t;

typedef struct {
    uint32_t max_messages;              /* entries one conversation may hold; 5000 */
    uint32_t inactivity_warn_s;         /* customer silent this long while answered: warned; 600 */
    uint32_t inactivity_end_s;          /* then silent this long after the warning: ended; 120 */
    uint32_t max_conversations;         /* open conversations in total; 100000 */
    uint32_t conversations_per_address; /* new conversations per address per window; 20 */
    uint32_t conversations_window_s;    /* 3600 */
    uint32_t transfer_priority_boost;   /* priority points added on a transfer to a queue; 2 */
    char **redact_patterns;             /* further POSIX extended regexes masked at ingress */
    size_t n_redact_patterns;
} sb_cfg_chat_t;

typedef struct {
    char *address;      /* "unix:/path", "tcp://host:port" or "spawn" */
    char *spawn_dir;    /* for "spawn": data and socket folder; default state/redis */
    char *spawn_binary; /* for "spawn": default "redis-server" */
    char *password;     /* AUTH; may be NULL */
    uint32_t db;        /* SELECT; default 0 */
    char *appendfsync;  /* for "spawn": everysec (default) or always */
} sb_cfg_redis_t;

typedef struct {
    char *host;     /* default 127.0.0.1 */
    uint16_t port;  /* default 8080; 0 picks a free port (tests) */
    char *tls_cert; /* PEM paths; both or neither */
    char *tls_key;
    char *static_dir; /* built browser apps; default agent-client/dist */
} sb_cfg_listen_t;

typedef struct sb_config {
    char *path;       /* the file it came from */
    char *deployment; /* id charset; keys are sb:{deployment}:... */
    char *log_level;  /* debug, info, warn, error; default info */
    sb_cfg_listen_t listen;
    sb_cfg_redis_t redis;
    char **allowed_origins; /* staff apps (console, dashboard) */
    size_t n_allowed_origins;
    char **widget_origins; /* sites that embed the customer widget */
    size_t n_widget_origins;
    sb_cfg_limits_t limits;
    sb_cfg_auth_t auth;
    sb_cfg_routing_t routing;
    sb_cfg_chat_t chat;
    char **languages; /* languages offered to customers, first is the default */
    size_t n_languages;
    sb_cfg_skill_t *skills;
    size_t n_skills;
    sb_cfg_queue_t *queues;
    size_t n_queues;
    sb_cfg_topic_t *topics;
    size_t n_topics;
    sb_cfg_staff_t *staff;
    size_t n_staff;
    char **away_reasons;
    size_t n_away_reasons;
    char **identity_methods; /* how an agent verified a caller, for the audit log */
    size_t n_identity_methods;
    sb_cfg_code_t *dispositions;
    size_t n_dispositions;
    sb_cfg_code_t *service_codes;
    size_t n_service_codes;
    sb_cfg_canned_t *canned;
    size_t n_canned;
} sb_config_t;

/* Loads and validates `path`. On success returns 0 and *out (free with sb_config_destroy).
 * On failure returns SB_E_CONFIG (or SB_E_IO/SB_E_NOMEM) and writes one human sentence naming
 * the file, line and field into errbuf, e.g.
 *   "config/switchboard.yaml:42: queues[2].skills[0].min: must be 1 to 5, got 7". */
int sb_config_load(const char *path, sb_config_t **out, char *errbuf, size_t errlen);
/* Same, from a string in memory (tests); `name` stands in for the file name in messages. */
int sb_config_load_string(const char *name, const char *yaml, size_t len, sb_config_t **out,
                          char *errbuf, size_t errlen);
void sb_config_destroy(sb_config_t *cfg);

const sb_cfg_staff_t *sb_config_find_staff(const sb_config_t *cfg, const char *username,
                                           size_t len);
const sb_cfg_queue_t *sb_config_find_queue(const sb_config_t *cfg, const char *id);
/* True when `origin` (exact scheme://host[:port]) is in `list`. */
bool sb_config_origin_allowed(char *const *list, size_t n, const char *origin, size_t len);

const char *sb_channel_name(sb_channel_t c);
const char *sb_strategy_name(sb_strategy_t s);

#endif
