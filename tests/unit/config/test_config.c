/* Configuration loader: the demo file, defaults, and one test per class of error, each checking
 * that the message names the right file, line and field path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "config/config.h"
#include "route/calendar.h"
#include "support/test_util.h"
#include "util/err.h"

/* A valid Argon2id string (of "maria-demo"); the loader only decodes it. */
#define HASH                                                                                       \
    "$argon2id$v=19$m=65536,t=2,p=1$+leAZFWeYQkGBRwbAtsqtg$"                                       \
    "d9tkjN8JzaGvR2d7hP9g3DxqA2TPBW1X5T2sPComwWE"

/* Lines 1-3 of most inline configs, so that line numbers in the tests below are easy to count. */
#define HEAD                                                                                       \
    "deployment: t\n"                                                                              \
    "languages: [en, es]\n"                                                                        \
    "skills: [{id: claims}, {id: resea}]\n"

static sb_config_t *load_ok(const char *yaml)
{
    char err[512] = "";
    sb_config_t *cfg = NULL;
    int rc = sb_config_load_string("t.yaml", yaml, strlen(yaml), &cfg, err, sizeof err);
    if (rc)
        print_error("unexpected error: %s\n", err);
    assert_int_equal(rc, 0);
    assert_non_null(cfg);
    return cfg;
}

/* Loading must fail with SB_E_CONFIG and a message that starts with `expected`. */
static void expect_error(const char *yaml, const char *expected)
{
    char err[512] = "";
    sb_config_t *cfg = (sb_config_t *)&err; /* must be reset to NULL */
    int rc = sb_config_load_string("t.yaml", yaml, strlen(yaml), &cfg, err, sizeof err);
    if (rc != SB_E_CONFIG || strncmp(err, expected, strlen(expected)) != 0)
        print_error("expected: %s\n     got: %s\n", expected, err);
    assert_int_equal(rc, SB_E_CONFIG);
    assert_null(cfg);
    assert_memory_equal(err, expected, strlen(expected));
}

/* ------------------------------------------------------------------------------------------------
 * The demo configuration
 * ---------------------------------------------------------------------------------------------- */

static sb_config_t *load_demo(void)
{
    char err[512] = "";
    sb_config_t *cfg = NULL;
    int rc = sb_config_load(sb_test_source_path("config/switchboard.yaml"), &cfg, err, sizeof err);
    if (rc)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    return cfg;
}

static void test_demo_counts(void **state)
{
    sb_config_t *cfg = load_demo();
    assert_string_equal(cfg->deployment, "demo");
    assert_string_equal(cfg->listen.host, "127.0.0.1");
    assert_int_equal(cfg->listen.port, 8080);
    assert_string_equal(cfg->redis.address, "spawn");
    assert_string_equal(cfg->redis.spawn_dir, "state/redis");
    assert_int_equal(cfg->n_languages, 11);
    assert_string_equal(cfg->languages[0], "en");
    assert_int_equal(cfg->n_skills, 7);
    assert_int_equal(cfg->n_queues, 8);
    assert_int_equal(cfg->n_topics, 8);
    assert_int_equal(cfg->n_staff, 8);
    assert_int_equal(cfg->n_away_reasons, 7);
    assert_string_equal(cfg->routing.missed_offers_reason, "Missed offers");
    assert_string_equal(cfg->routing.wrapup_default_disposition, "no_wrapup");
    assert_int_equal(cfg->routing.disconnect_grace_s, 60);
    assert_int_equal(cfg->n_identity_methods, 4);
    assert_int_equal(cfg->n_dispositions, 7);
    assert_int_equal(cfg->n_service_codes, 9);
    assert_int_equal(cfg->n_canned, 7);
    assert_false(cfg->auth.cookie_secure); /* no TLS in the demo */
    assert_true(strstr(cfg->path, "config/switchboard.yaml") != NULL);
    sb_config_destroy(cfg);
}

static void test_demo_queues(void **state)
{
    sb_config_t *cfg = load_demo();
    const sb_cfg_queue_t *q = sb_config_find_queue(cfg, "ui-claims");
    assert_non_null(q);
    assert_true(q->channels[SB_CHAN_CHAT] && q->channels[SB_CHAN_VOICE] &&
                q->channels[SB_CHAN_VIDEO]);
    assert_false(q->channels[SB_CHAN_TASK]);
    assert_int_equal(q->n_skills, 1);
    assert_string_equal(q->skills[0].skill, "ui-claims");
    assert_int_equal(q->skills[0].min, 2);
    assert_int_equal(q->overflow, SB_OVERFLOW_QUEUE);
    assert_string_equal(q->overflow_queue, "general");
    assert_int_equal(q->n_relax, 1);
    assert_int_equal(q->relax[0].after_s, 300);
    assert_int_equal(q->relax[0].skills[0].min, 1);
    /* Monday to Friday 09:00-16:00 through the YAML anchor */
    assert_string_equal(q->timezone, "America/Los_Angeles");
    assert_int_equal(q->n_hours, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(q->hours[i].weekday, i + 1);
        assert_int_equal(q->hours[i].open_min, 9 * 60);
        assert_int_equal(q->hours[i].close_min, 16 * 60);
    }
    assert_int_equal(q->n_holidays, 4);
    assert_string_equal(q->holidays[1], "2026-12-25");

    const sb_cfg_queue_t *t = sb_config_find_queue(cfg, "resea-review");
    assert_non_null(t);
    assert_true(t->channels[SB_CHAN_TASK]);
    assert_false(t->channels[SB_CHAN_CHAT]);
    assert_int_equal(t->n_hours, 0); /* always open */
    assert_int_equal(t->strategy, SB_STRATEGY_HIGHEST_PROFICIENCY);

    const sb_cfg_queue_t *es = sb_config_find_queue(cfg, "spanish");
    assert_non_null(es);
    assert_int_equal(es->n_languages, 1);
    assert_string_equal(es->languages[0], "es");
    assert_null(sb_config_find_queue(cfg, "nope"));
    sb_config_destroy(cfg);
}

static void test_demo_staff(void **state)
{
    sb_config_t *cfg = load_demo();
    const sb_cfg_staff_t *m = sb_config_find_staff(cfg, "maria", 5);
    assert_non_null(m);
    assert_string_equal(m->display_name, "Maria Lopez");
    assert_int_equal(m->role, SB_STAFF_AGENT);
    assert_int_equal(m->n_languages, 2);
    assert_int_equal(m->capacity[SB_CHAN_CHAT], 3);
    assert_int_equal(m->capacity[SB_CHAN_VOICE], 1);
    assert_int_equal(m->capacity[SB_CHAN_VIDEO], 1);
    assert_int_equal(m->capacity[SB_CHAN_TASK], 1);
    assert_string_equal(m->skills[3].skill, "spanish");
    assert_int_equal(m->skills[3].level, 5);

    const sb_cfg_staff_t *d = sb_config_find_staff(cfg, "dmitri", 6);
    assert_int_equal(d->capacity[SB_CHAN_CHAT], 2);
    assert_int_equal(d->capacity[SB_CHAN_VIDEO], 1); /* call slot default */
    assert_int_equal(sb_config_find_staff(cfg, "grace", 5)->role, SB_STAFF_SUPERVISOR);
    assert_int_equal(sb_config_find_staff(cfg, "admin", 5)->role, SB_STAFF_ADMIN);
    assert_null(sb_config_find_staff(cfg, "mari", 4));
    assert_null(sb_config_find_staff(cfg, "mariax", 6));

    /* The comment in the file promises <username>-demo; hold it to that. */
    assert_true(sodium_init() >= 0);
    for (size_t i = 0; i < cfg->n_staff; i++) {
        char pw[80];
        snprintf(pw, sizeof pw, "%s-demo", cfg->staff[i].username);
        assert_int_equal(crypto_pwhash_str_verify(cfg->staff[i].password_hash, pw, strlen(pw)), 0);
    }
    sb_config_destroy(cfg);
}

static void test_demo_widget_and_codes(void **state)
{
    sb_config_t *cfg = load_demo();
    assert_string_equal(cfg->topics[0].queue, "ui-claims");
    for (size_t i = 0; i < cfg->n_topics; i++) {
        assert_non_null(cfg->topics[i].label_es);
        assert_non_null(sb_config_find_queue(cfg, cfg->topics[i].queue));
    }
    assert_string_equal(cfg->dispositions[2].code, "referred-to-adjudication");
    assert_string_equal(cfg->canned[1].language, "es");
    assert_non_null(strstr(cfg->canned[0].text, "{customer_name}"));

    static const char o[] = "http://localhost:8080";
    assert_true(
        sb_config_origin_allowed(cfg->allowed_origins, cfg->n_allowed_origins, o, strlen(o)));
    assert_true(sb_config_origin_allowed(cfg->widget_origins, cfg->n_widget_origins, o, strlen(o)));
    assert_false(sb_config_origin_allowed(cfg->allowed_origins, cfg->n_allowed_origins, o,
                                          strlen(o) - 1)); /* a prefix is not a match */
    assert_false(sb_config_origin_allowed(cfg->allowed_origins, cfg->n_allowed_origins,
                                          "http://localhost:8081", 21));
    sb_config_destroy(cfg);
}

/* ------------------------------------------------------------------------------------------------
 * Defaults
 * ---------------------------------------------------------------------------------------------- */

static void test_defaults_top(void **state)
{
    sb_config_t *cfg = load_ok("deployment: t\n");
    assert_string_equal(cfg->log_level, "info");
    assert_string_equal(cfg->listen.host, "127.0.0.1");
    assert_int_equal(cfg->listen.port, 8080);
    assert_string_equal(cfg->listen.static_dir, "agent-client/dist");
    assert_null(cfg->listen.tls_cert);
    assert_string_equal(cfg->redis.address, "spawn");
    assert_string_equal(cfg->redis.spawn_dir, "state/redis");
    assert_string_equal(cfg->redis.spawn_binary, "redis-server");
    assert_string_equal(cfg->redis.appendfsync, "everysec");
    assert_null(cfg->redis.password);
    assert_int_equal(cfg->redis.db, 0);
    assert_int_equal(cfg->n_languages, 1);
    assert_string_equal(cfg->languages[0], "en");
    assert_int_equal(cfg->n_queues, 0);
    assert_int_equal(cfg->n_allowed_origins, 0);
    const sb_cfg_limits_t *l = &cfg->limits;
    assert_int_equal(l->max_frame_bytes, 65536);
    assert_int_equal(l->max_send_queue_bytes, 1048576);
    assert_int_equal(l->handshake_timeout_ms, 10000);
    assert_int_equal(l->ping_interval_s, 20);
    assert_int_equal(l->ping_timeout_s, 20);
    assert_int_equal(l->max_connections, 100000);
    assert_int_equal(l->max_connections_per_address, 256);
    assert_int_equal(l->max_upgrades_per_s, 2000);
    assert_int_equal(l->messages_per_s, 50);
    assert_int_equal(l->messages_burst, 100);
    assert_int_equal(l->max_bad_frames, 10);
    assert_int_equal(l->flood_close_s, 5);
    assert_int_equal(l->redis_max_in_flight, 20000);
    assert_int_equal(l->redis_timeout_ms, 5000);
    assert_int_equal(l->max_http_body_bytes, 16384);
    const sb_cfg_auth_t *a = &cfg->auth;
    assert_int_equal(a->session_ttl_s, 43200);
    assert_int_equal(a->login_window_s, 900);
    assert_int_equal(a->login_max_failures_per_account, 5);
    assert_int_equal(a->login_max_failures_per_address, 50);
    assert_int_equal(a->max_hash_jobs, 4);
    assert_int_equal(a->max_pending_logins, 64);
    assert_int_equal(a->max_pending_logins_per_address, 16);
    assert_int_equal(a->resume_ttl_s, 900);
    assert_false(a->cookie_secure);
    sb_config_destroy(cfg);
}

static void test_defaults_sections(void **state)
{
    sb_config_t *cfg = load_ok(HEAD "queues: [{id: q1, channels: [chat], languages: [en]}]\n"
                                    "staff: [{username: ann, password_hash: \"" HASH "\", "
                                    "languages: [en]}]\n"
                                    "canned: [{id: hi, title: Hi, text: Hello}]\n"
                                    "limits: {messages_per_s: 80}\n");
    const sb_cfg_queue_t *q = &cfg->queues[0];
    assert_string_equal(q->name, "q1");
    assert_int_equal(q->priority, 5);
    assert_int_equal(q->sl_percent, 80);
    assert_int_equal(q->sl_threshold_s, 60);
    assert_int_equal(q->offer_timeout_s, 30);
    assert_int_equal(q->strategy, SB_STRATEGY_LONGEST_IDLE);
    assert_int_equal(q->wrapup_limit_s, 120);
    assert_int_equal(q->max_wait_s, 0);
    assert_int_equal(q->overflow, SB_OVERFLOW_NONE);
    assert_null(q->overflow_queue);
    assert_string_equal(q->timezone, "UTC");
    assert_int_equal(q->n_hours, 0);
    assert_int_equal(q->n_skills, 0);
    const sb_cfg_staff_t *s = &cfg->staff[0];
    assert_int_equal(s->role, SB_STAFF_AGENT);
    assert_string_equal(s->display_name, "ann");
    assert_int_equal(s->capacity[SB_CHAN_CHAT], 3);
    assert_int_equal(s->capacity[SB_CHAN_VOICE], 1);
    assert_int_equal(s->capacity[SB_CHAN_VIDEO], 1);
    assert_int_equal(s->capacity[SB_CHAN_TASK], 1);
    assert_string_equal(cfg->canned[0].language, "en"); /* the first language */
    assert_string_equal(cfg->skills[0].name, "claims");
    assert_int_equal(cfg->limits.messages_per_s, 80);
    assert_int_equal(cfg->limits.messages_burst, 100);
    sb_config_destroy(cfg);
}

static void test_cookie_secure_follows_tls(void **state)
{
    /* Any readable file stands in for the PEM files: the loader only checks they can be read. */
    char yaml[1024];
    const char *pem = sb_test_source_path("config/switchboard.yaml");
    snprintf(yaml, sizeof yaml, "deployment: t\nlisten: {tls: {cert: %s, key: %s}}\n", pem, pem);
    sb_config_t *cfg = load_ok(yaml);
    assert_true(cfg->auth.cookie_secure);
    assert_string_equal(cfg->listen.tls_key, pem);
    sb_config_destroy(cfg);
    snprintf(yaml, sizeof yaml,
             "deployment: t\nlisten: {tls: {cert: %s, key: %s}}\nauth: {cookie_secure: false}\n",
             pem, pem);
    cfg = load_ok(yaml);
    assert_false(cfg->auth.cookie_secure);
    sb_config_destroy(cfg);
    cfg = load_ok("deployment: t\nauth: {cookie_secure: true}\n"); /* behind a TLS proxy */
    assert_true(cfg->auth.cookie_secure);
    sb_config_destroy(cfg);
}

static void test_hours_parsed(void **state)
{
    sb_config_t *cfg = load_ok(HEAD "queues:\n"
                                    "  - id: q\n"
                                    "    channels: [voice]\n"
                                    "    languages: [en]\n"
                                    "    hours:\n"
                                    "      timezone: America/New_York\n"
                                    "      weekly: {sat: [\"13:00-17:00\", \"08:00-12:00\"],\n"
                                    "               sun: closed, mon: \"00:00-24:00\"}\n"
                                    "      holidays: [\"2026-07-03\", \"2027-01-01\"]\n"
                                    "  - id: u\n"
                                    "    channels: [voice]\n"
                                    "    languages: [en]\n"
                                    "    hours: {weekly: {mon: \"09:00-17:00\"}}\n");
    const sb_cfg_queue_t *q = &cfg->queues[0];
    /* the zone's rules were read when the file was loaded: EDT in July, EST in January */
    assert_non_null(q->zone);
    assert_int_equal(sb_cal_offset_at(q->zone, 1782864000), -4 * 3600); /* 2026-07-01 */
    assert_int_equal(sb_cal_offset_at(q->zone, 1767225600), -5 * 3600); /* 2026-01-01 */
    /* holidays also as day numbers */
    assert_int_equal(q->n_holidays, 2);
    assert_int_equal(q->holiday_days[0], 20637);
    assert_int_equal(q->holiday_days[1], 20819);
    /* without a timezone the hours are in UTC, and no file is read */
    assert_string_equal(cfg->queues[1].timezone, "UTC");
    assert_null(cfg->queues[1].zone);
    assert_int_equal(q->n_hours, 3);
    /* sorted by weekday, then opening time */
    assert_int_equal(q->hours[0].weekday, 1);
    assert_int_equal(q->hours[0].open_min, 0);
    assert_int_equal(q->hours[0].close_min, 1440);
    assert_int_equal(q->hours[1].weekday, 6);
    assert_int_equal(q->hours[1].open_min, 8 * 60);
    assert_int_equal(q->hours[2].open_min, 13 * 60);
    assert_int_equal(q->hours[2].close_min, 17 * 60);
    sb_config_destroy(cfg);
}

static void test_names(void **state)
{
    assert_string_equal(sb_channel_name(SB_CHAN_CHAT), "chat");
    assert_string_equal(sb_channel_name(SB_CHAN_TASK), "task");
    assert_string_equal(sb_strategy_name(SB_STRATEGY_LONGEST_IDLE), "longest_idle");
    assert_string_equal(sb_strategy_name(SB_STRATEGY_ROUND_ROBIN), "round_robin");
    assert_string_equal(sb_channel_name((sb_channel_t)99), "unknown");
}

/* ------------------------------------------------------------------------------------------------
 * Errors: files and syntax
 * ---------------------------------------------------------------------------------------------- */

static void test_error_missing_file(void **state)
{
    char err[256];
    sb_config_t *cfg = NULL;
    int rc = sb_config_load("/nonexistent/switchboard.yaml", &cfg, err, sizeof err);
    assert_int_equal(rc, SB_E_IO);
    assert_null(cfg);
    assert_string_equal(err,
                        "/nonexistent/switchboard.yaml: cannot read: No such file or directory");
}

static void test_error_syntax(void **state)
{
    expect_error("deployment: t\nqueues:\n  - id: a\n   name: b\n",
                 "t.yaml:4: YAML syntax error: ");
    expect_error("deployment: t\n---\ndeployment: u\n",
                 "t.yaml:2: (root): only one YAML document is allowed");
    expect_error("", "t.yaml:1: (root): the file holds no configuration");
    /* bad UTF-8 is found by libyaml's reader, which reports an offset rather than a line */
    expect_error("deployment: t\nlog_level: info\naway_reasons: [caf\xe9]\n",
                 "t.yaml:3: YAML syntax error: invalid");
    expect_error("- a\n- b\n", "t.yaml:1: (root): must be a mapping (key: value), got a list");
}

/* ------------------------------------------------------------------------------------------------
 * Errors: keys and types
 * ---------------------------------------------------------------------------------------------- */

static void test_error_unknown_key(void **state)
{
    expect_error("deployment: t\nqueus: []\n",
                 "t.yaml:2: queus: unknown key; expected one of: deployment, log_level,");
    expect_error(HEAD "queues:\n  - id: q\n    nmae: Q\n",
                 "t.yaml:6: queues[0].nmae: unknown key; expected one of: id, name, channels,");
    expect_error("deployment: t\nlimits: {max_frames: 3}\n",
                 "t.yaml:2: limits.max_frames: unknown key");
    /* extension keys hold anchors at the top level only */
    sb_config_destroy(load_ok("deployment: t\nx-anchors: {a: &a 1}\n"));
    expect_error("deployment: t\nlisten: {x-port: 1}\n", "t.yaml:2: listen.x-port: unknown key");
}

static void test_error_repeated_key(void **state)
{
    expect_error("deployment: t\nlog_level: info\nlog_level: debug\n",
                 "t.yaml:3: log_level: key is repeated (first at line 2)");
}

static void test_error_wrong_type(void **state)
{
    expect_error("deployment: t\nlisten: {port: eighty}\n",
                 "t.yaml:2: listen.port: must be an integer from 0 to 65535, got 'eighty'");
    expect_error("deployment: t\nlisten: {port: \"8080\"}\n",
                 "t.yaml:2: listen.port: must be an integer from 0 to 65535, got the quoted "
                 "string '8080'");
    expect_error("deployment: t\nlisten: [a]\n",
                 "t.yaml:2: listen: must be a mapping (key: value), got a list");
    expect_error("deployment: t\nlanguages: en\n",
                 "t.yaml:2: languages: must be a list, got a string");
    expect_error("deployment: [t]\n", "t.yaml:1: deployment: must be a string, got a list");
    expect_error("deployment: t\nauth: {cookie_secure: yes}\n",
                 "t.yaml:2: auth.cookie_secure: must be true or false, got 'yes'");
    expect_error("deployment: t\nlog_level: verbose\n",
                 "t.yaml:2: log_level: must be one of debug, info, warn, error, got 'verbose'");
    expect_error(HEAD "queues: [{id: q, channels: [chat], languages: [en], strategy: fifo}]\n",
                 "t.yaml:4: queues[0].strategy: must be one of longest_idle, least_occupied, "
                 "highest_proficiency, round_robin, got 'fifo'");
}

static void test_error_required(void **state)
{
    expect_error("log_level: info\n", "t.yaml:1: deployment: is required");
    expect_error(HEAD "queues:\n  - id: q\n    languages: [en]\n",
                 "t.yaml:5: queues[0].channels: is required");
}

/* ------------------------------------------------------------------------------------------------
 * Errors: ranges and limits
 * ---------------------------------------------------------------------------------------------- */

static void test_error_range(void **state)
{
    /* the example of config.h, word for word */
    expect_error(HEAD "queues:\n"
                      "  - id: q\n"
                      "    channels: [chat]\n"
                      "    languages: [en]\n"
                      "    skills:\n"
                      "      - {skill: claims, min: 7}\n",
                 "t.yaml:9: queues[0].skills[0].min: must be 1 to 5, got 7");
    expect_error(HEAD "queues: [{id: q, channels: [chat], languages: [en], priority: 0}]\n",
                 "t.yaml:4: queues[0].priority: must be 1 to 10, got 0");
    expect_error(HEAD "queues: [{id: q, channels: [chat], languages: [en], priority: -3}]\n",
                 "t.yaml:4: queues[0].priority: must be 1 to 10, got -3");
    expect_error("deployment: t\nlisten: {port: 70000}\n",
                 "t.yaml:2: listen.port: must be 0 to 65535, got 70000");
}

static void test_error_limits(void **state)
{
    expect_error("deployment: t\nlimits:\n  max_frame_bytes: 100\n",
                 "t.yaml:3: limits.max_frame_bytes: must be 1024 to 65536, got 100");
    expect_error("deployment: t\nlimits:\n  max_frame_bytes: 131072\n",
                 "t.yaml:3: limits.max_frame_bytes: must be 1024 to 65536, got 131072");
    expect_error("deployment: t\nlimits:\n  max_send_queue_bytes: 4096\n",
                 "t.yaml:3: limits.max_send_queue_bytes: must be 65536 to 268435456, got 4096");
    expect_error("deployment: t\nlimits: {ping_timeout_s: 0}\n",
                 "t.yaml:2: limits.ping_timeout_s: must be 1 to 300, got 0");
    expect_error("deployment: t\nlimits: {messages_per_s: 200}\n",
                 "t.yaml:2: limits.messages_burst: must be at least messages_per_s (200), got "
                 "100");
    expect_error("deployment: t\nauth:\n  max_hash_jobs: 1000\n",
                 "t.yaml:3: auth.max_hash_jobs: must be 1 to 64, got 1000");
}

/* ------------------------------------------------------------------------------------------------
 * Errors: identifiers and references
 * ---------------------------------------------------------------------------------------------- */

static void test_error_bad_identifier(void **state)
{
    expect_error("deployment: my deployment\n",
                 "t.yaml:1: deployment: must be 1 to 64 characters of A-Z a-z 0-9 _ . : -, got "
                 "'my deployment'");
    expect_error("deployment: t\nskills:\n  - id: "
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                 "t.yaml:3: skills[0].id: must be 1 to 64 characters");
    expect_error("deployment: t\nskills: [{id: \"\"}]\n",
                 "t.yaml:2: skills[0].id: must be 1 to 64 characters");
    expect_error("deployment: t\nlanguages: [en, \"e n\"]\n",
                 "t.yaml:2: languages[1]: must be a language tag");
}

static void test_error_duplicate_ids(void **state)
{
    expect_error(HEAD "queues:\n"
                      "  - {id: q, channels: [chat], languages: [en]}\n"
                      "  - {id: r, channels: [chat], languages: [en]}\n"
                      "  - {id: q, channels: [voice], languages: [en]}\n",
                 "t.yaml:7: queues[2].id: 'q' is repeated (first at line 5)");
    expect_error("deployment: t\nskills:\n  - id: a\n  - id: a\n",
                 "t.yaml:4: skills[1].id: 'a' is repeated (first at line 3)");
    expect_error("deployment: t\nlanguages: [en, es, en]\n",
                 "t.yaml:2: languages[2]: 'en' is repeated (first at line 2)");
    expect_error(HEAD "staff:\n"
                      "  - {username: ann, role: admin, password_hash: \"" HASH "\"}\n"
                      "  - {username: ann, role: admin, password_hash: \"" HASH "\"}\n",
                 "t.yaml:6: staff[1].username: 'ann' is repeated (first at line 5)");
    expect_error("deployment: t\ndispositions: [{code: a, label: A}, {code: a, label: B}]\n",
                 "t.yaml:2: dispositions[1].code: 'a' is repeated");
    expect_error(HEAD "queues:\n  - id: q\n    channels: [chat, voice, chat]\n",
                 "t.yaml:6: queues[0].channels[2]: 'chat' is repeated");
}

static void test_error_unknown_references(void **state)
{
    expect_error(HEAD "queues:\n"
                      "  - id: q\n"
                      "    channels: [chat]\n"
                      "    languages: [en]\n"
                      "    skills: [{skill: claims, min: 2}, {skill: claimz}]\n",
                 "t.yaml:8: queues[0].skills[1].skill: unknown skill 'claimz' (not listed under "
                 "skills)");
    expect_error(HEAD "queues:\n  - {id: q, channels: [chat], languages: [en, ru]}\n",
                 "t.yaml:5: queues[0].languages[1]: language 'ru' is not in the top-level "
                 "languages list");
    expect_error(HEAD "queues: [{id: q, channels: [chat], languages: [en]}]\n"
                      "topics: [{id: t, queue: qq, label: {en: T}}]\n",
                 "t.yaml:5: topics[0].queue: unknown queue 'qq' (not listed under queues)");
    expect_error(HEAD "staff:\n"
                      "  - username: ann\n"
                      "    password_hash: \"" HASH "\"\n"
                      "    languages: [en]\n"
                      "    skills: {claims: 3, billing: 2}\n",
                 "t.yaml:8: staff[0].skills.billing: unknown skill 'billing'");
    expect_error(HEAD "staff:\n"
                      "  - username: ann\n"
                      "    password_hash: \"" HASH "\"\n"
                      "    languages: [en, vi]\n",
                 "t.yaml:7: staff[0].languages[1]: language 'vi' is not in the top-level "
                 "languages list");
    expect_error(HEAD "staff:\n"
                      "  - username: ann\n"
                      "    password_hash: \"" HASH "\"\n"
                      "    languages: [en]\n"
                      "    queues: [nowhere]\n",
                 "t.yaml:8: staff[0].queues[0]: unknown queue 'nowhere'");
    expect_error(HEAD "canned: [{id: c, title: C, language: so, text: x}]\n",
                 "t.yaml:4: canned[0].language: language 'so' is not in the top-level");
}

/* ------------------------------------------------------------------------------------------------
 * Errors: staff
 * ---------------------------------------------------------------------------------------------- */

static void test_error_staff_passwords(void **state)
{
    expect_error(HEAD "staff:\n  - username: ann\n    password: hunter2\n",
                 "t.yaml:6: staff[0].password: plain-text passwords are not accepted; put an "
                 "Argon2id hash in password_hash (generate one with `switchboard hash-password`)");
    expect_error(HEAD "staff:\n  - username: ann\n    languages: [en]\n",
                 "t.yaml:5: staff[0].password_hash: is required");
    expect_error(HEAD "staff:\n"
                      "  - username: ann\n"
                      "    languages: [en]\n"
                      "    password_hash: \"$2b$12$abcdefghijklmnopqrstuv\"\n",
                 "t.yaml:7: staff[0].password_hash: must be an Argon2id hash");
    expect_error(HEAD "staff:\n"
                      "  - username: ann\n"
                      "    languages: [en]\n"
                      "    password_hash: \"$argon2id$garbage\"\n",
                 "t.yaml:7: staff[0].password_hash: must be an Argon2id hash");
}

static void test_error_staff_other(void **state)
{
    expect_error(HEAD "staff:\n  - username: ann\n    password_hash: \"" HASH "\"\n",
                 "t.yaml:5: staff[0].languages: an agent needs at least one language");
    expect_error(HEAD "staff:\n"
                      "  - username: ann\n"
                      "    password_hash: \"" HASH "\"\n"
                      "    languages: [en]\n"
                      "    capacity: {chat: 3, call: 2}\n",
                 "t.yaml:8: staff[0].capacity.call: must be 0 to 1, got 2");
    expect_error(HEAD "staff:\n"
                      "  - username: ann\n"
                      "    password_hash: \"" HASH "\"\n"
                      "    languages: [en]\n"
                      "    skills: {claims: 6}\n",
                 "t.yaml:8: staff[0].skills.claims: must be 1 to 5, got 6");
    expect_error(HEAD "staff:\n"
                      "  - username: ann\n"
                      "    password_hash: \"" HASH "\"\n"
                      "    languages: [en]\n"
                      "    role: boss\n",
                 "t.yaml:8: staff[0].role: must be one of agent, supervisor, admin, got 'boss'");
}

/* ------------------------------------------------------------------------------------------------
 * Errors: listen, redis, origins
 * ---------------------------------------------------------------------------------------------- */

static void test_error_tls_pair(void **state)
{
    expect_error("deployment: t\nlisten:\n  tls:\n    cert: /etc/ssl/cert.pem\n",
                 "t.yaml:4: listen.tls.key: is required");
    expect_error("deployment: t\nlisten:\n  tls: {key: /etc/ssl/key.pem}\n",
                 "t.yaml:3: listen.tls.cert: is required");
    expect_error("deployment: t\nlisten:\n  tls:\n    cert: /nonexistent/c.pem\n    key: /k\n",
                 "t.yaml:4: listen.tls.cert: cannot read '/nonexistent/c.pem': No such file");
}

static void test_error_redis(void **state)
{
    expect_error("deployment: t\nredis: {address: \"localhost:6379\"}\n",
                 "t.yaml:2: redis.address: must be spawn, unix:/path/to/redis.sock or "
                 "tcp://host:port, got 'localhost:6379'");
    expect_error("deployment: t\nredis: {address: \"tcp://127.0.0.1:0\"}\n",
                 "t.yaml:2: redis.address: must be spawn");
    expect_error("deployment: t\nredis:\n  address: tcp://10.0.0.5:6379\n  spawn_dir: x\n",
                 "t.yaml:4: redis.spawn_dir: only applies when address is spawn");
    expect_error("deployment: t\nredis: {appendfsync: \"no\"}\n",
                 "t.yaml:2: redis.appendfsync: must be one of everysec, always, got 'no'");
    sb_config_t *cfg = load_ok("deployment: t\nredis: {address: \"unix:/run/redis.sock\", "
                               "password: s3cret, db: 2}\n");
    assert_string_equal(cfg->redis.password, "s3cret");
    assert_int_equal(cfg->redis.db, 2);
    sb_config_destroy(cfg);
}

static void test_error_origins(void **state)
{
    expect_error("deployment: t\nallowed_origins:\n  - http://localhost:8080\n"
                 "  - https://www.example.gov/\n",
                 "t.yaml:4: allowed_origins[1]: must be an origin such as");
    expect_error("deployment: t\nwidget_origins: [\"*\"]\n",
                 "t.yaml:2: widget_origins[0]: must be an origin");
    expect_error("deployment: t\nwidget_origins: [HTTPS://WWW.EXAMPLE.GOV]\n",
                 "t.yaml:2: widget_origins[0]: must be an origin");
    expect_error("deployment: t\nwidget_origins: [\"http://:8080\"]\n",
                 "t.yaml:2: widget_origins[0]: must be an origin");
    sb_config_t *cfg = load_ok("deployment: t\nwidget_origins: [\"https://www.example.gov\", "
                               "\"http://[::1]:8080\"]\n");
    assert_int_equal(cfg->n_widget_origins, 2);
    sb_config_destroy(cfg);
}

/* ------------------------------------------------------------------------------------------------
 * Errors: queues
 * ---------------------------------------------------------------------------------------------- */

static void test_error_queue_languages(void **state)
{
    expect_error(HEAD "queues:\n  - id: q\n    channels: [chat]\n    languages: []\n",
                 "t.yaml:7: queues[0].languages: must list at least one item");
    expect_error(HEAD "queues:\n  - id: q\n    channels: [chat]\n",
                 "t.yaml:5: queues[0].languages: is required");
}

static void test_error_channels(void **state)
{
    expect_error(HEAD "queues:\n  - id: q\n    channels: [chat, task]\n    languages: [en]\n",
                 "t.yaml:6: queues[0].channels: task cannot share a queue with chat, voice or "
                 "video");
    expect_error(HEAD "queues:\n  - id: q\n    channels: [sms]\n    languages: [en]\n",
                 "t.yaml:6: queues[0].channels[0]: must be one of chat, voice, video, task, got "
                 "'sms'");
    expect_error(HEAD "queues: [{id: q, channels: [task], languages: [en]}]\n"
                      "topics: [{id: t, queue: q, label: {en: T}}]\n",
                 "t.yaml:5: topics[0].queue: queue 'q' takes only tasks");
}

static void test_error_overflow(void **state)
{
    expect_error(HEAD "queues:\n"
                      "  - id: q\n"
                      "    channels: [chat]\n"
                      "    languages: [en]\n"
                      "    overflow: {kind: queue}\n",
                 "t.yaml:8: queues[0].overflow.queue: is required when kind is queue");
    expect_error(HEAD "queues:\n"
                      "  - id: q\n"
                      "    channels: [chat]\n"
                      "    languages: [en]\n"
                      "    overflow:\n"
                      "      kind: queue\n"
                      "      queue: general\n",
                 "t.yaml:10: queues[0].overflow.queue: unknown queue 'general'");
    expect_error(HEAD "queues:\n"
                      "  - id: q\n"
                      "    channels: [chat]\n"
                      "    languages: [en]\n"
                      "    overflow: {kind: queue, queue: q}\n",
                 "t.yaml:8: queues[0].overflow.queue: a queue cannot overflow into itself");
    expect_error(HEAD "queues:\n"
                      "  - {id: a, channels: [chat], languages: [en], overflow: {kind: queue, "
                      "queue: b}}\n"
                      "  - {id: b, channels: [chat], languages: [en], overflow: {kind: queue, "
                      "queue: a}}\n",
                 "t.yaml:5: queues[0].overflow.queue: overflow comes back to this queue (a -> b "
                 "-> a)");
    expect_error(HEAD "queues:\n"
                      "  - {id: a, channels: [chat, voice], languages: [en], overflow: {kind: "
                      "queue, queue: b}}\n"
                      "  - {id: b, channels: [chat], languages: [en]}\n",
                 "t.yaml:5: queues[0].overflow.queue: queue 'b' does not take voice");
    expect_error(HEAD "queues:\n"
                      "  - {id: a, channels: [chat], languages: [es], overflow: {kind: queue, "
                      "queue: b}}\n"
                      "  - {id: b, channels: [chat], languages: [en]}\n",
                 "t.yaml:5: queues[0].overflow.queue: queue 'b' does not serve language 'es'");
    expect_error(HEAD "queues:\n"
                      "  - {id: a, channels: [chat], languages: [en], overflow: {kind: message, "
                      "queue: b}}\n"
                      "  - {id: b, channels: [chat], languages: [en]}\n",
                 "t.yaml:5: queues[0].overflow.queue: only applies when kind is queue");
}

static void test_error_relax(void **state)
{
#define RQ                                                                                         \
    HEAD "queues:\n"                                                                               \
         "  - id: q\n"                                                                             \
         "    channels: [chat]\n"                                                                  \
         "    languages: [en]\n"                                                                   \
         "    skills: [{skill: claims, min: 3}, {skill: resea, min: 2}]\n"                         \
         "    relax:\n"
    /* lines 1-9 above; steps start at line 10 */
    expect_error(RQ "      - {after_s: 120, skills: [{skill: claims, min: 2}]}\n"
                    "      - {after_s: 60, skills: [{skill: claims, min: 1}]}\n",
                 "t.yaml:11: queues[0].relax[1].after_s: must be greater than the previous "
                 "step's (120), got 60");
    expect_error(RQ "      - after_s: 120\n"
                    "        skills:\n"
                    "          - {skill: claims, min: 2}\n"
                    "          - {skill: resea, min: 4}\n",
                 "t.yaml:13: queues[0].relax[0].skills[1].min: must not be above the previous "
                 "requirement (2), got 4");
    expect_error(RQ "      - {after_s: 120, skills: [{skill: claims, min: 2}]}\n"
                    "      - {after_s: 240, skills: [{skill: resea, min: 1}]}\n",
                 "t.yaml:11: queues[0].relax[1].skills[0].skill: 'resea' was not required "
                 "before this step");
    expect_error(HEAD "queues:\n"
                      "  - id: q\n"
                      "    channels: [chat]\n"
                      "    languages: [en]\n"
                      "    max_wait_s: 600\n"
                      "    skills: [{skill: claims, min: 3}]\n"
                      "    relax: [{after_s: 600, skills: []}]\n",
                 "t.yaml:10: queues[0].relax[0].after_s: must be below max_wait_s (600)");
    sb_config_t *cfg = load_ok(RQ "      - {after_s: 60, skills: [{skill: claims, min: 2}, "
                                  "{skill: resea, min: 2}]}\n"
                                  "      - {after_s: 120, skills: []}\n");
    assert_int_equal(cfg->queues[0].n_relax, 2);
    assert_int_equal(cfg->queues[0].relax[1].n_skills, 0);
    sb_config_destroy(cfg);
#undef RQ
}

static void test_error_hours(void **state)
{
#define HQ                                                                                         \
    HEAD "queues:\n"                                                                               \
         "  - id: q\n"                                                                             \
         "    channels: [chat]\n"                                                                  \
         "    languages: [en]\n"                                                                   \
         "    hours:\n"
    /* lines 1-8 above */
    expect_error(HQ "      weekly: {mon: \"16:00-09:00\"}\n",
                 "t.yaml:9: queues[0].hours.weekly.mon: opens at 16:00 but closes at 09:00");
    expect_error(HQ "      weekly: {mon: \"09:00-09:00\"}\n",
                 "t.yaml:9: queues[0].hours.weekly.mon: opens at 09:00 but closes at 09:00");
    expect_error(HQ "      weekly:\n        monday: \"09:00-16:00\"\n",
                 "t.yaml:10: queues[0].hours.weekly.monday: unknown key; expected one of: sun, "
                 "mon, tue, wed, thu, fri, sat");
    expect_error(HQ "      weekly: {tue: \"9-5\"}\n",
                 "t.yaml:9: queues[0].hours.weekly.tue: must be HH:MM-HH:MM");
    expect_error(HQ "      weekly: {tue: [\"09:00-12:00\", \"11:00-16:00\"]}\n",
                 "t.yaml:9: queues[0].hours.weekly.tue[1]: overlaps 09:00-12:00");
    expect_error(HQ "      weekly: {wed: \"09:00-16:00\"}\n"
                    "      holidays: [\"2026-12-25\", \"12/31/2026\"]\n",
                 "t.yaml:10: queues[0].hours.holidays[1]: must be a date YYYY-MM-DD");
    expect_error(HQ "      weekly: {wed: \"09:00-16:00\"}\n"
                    "      holidays: [\"2027-02-29\"]\n",
                 "t.yaml:10: queues[0].hours.holidays[0]: must be a date YYYY-MM-DD");
    expect_error(HQ "      timezone: America/Springfield\n"
                    "      weekly: {wed: \"09:00-16:00\"}\n",
                 "t.yaml:9: queues[0].hours.timezone: unknown time zone 'America/Springfield'");
    expect_error(HQ "      timezone: ../../../etc/passwd\n"
                    "      weekly: {wed: \"09:00-16:00\"}\n",
                 "t.yaml:9: queues[0].hours.timezone: unknown time zone");
    expect_error(HQ "      timezone: /etc/localtime\n"
                    "      weekly: {wed: \"09:00-16:00\"}\n",
                 "t.yaml:9: queues[0].hours.timezone: unknown time zone");
    expect_error(HQ "      timezone: America\n" /* a folder of zones */
                    "      weekly: {wed: \"09:00-16:00\"}\n",
                 "t.yaml:9: queues[0].hours.timezone: unknown time zone 'America'");
    /* a file that is there but cannot be used: named with the reason */
    expect_error(HQ "      timezone: leapseconds\n"
                    "      weekly: {wed: \"09:00-16:00\"}\n",
                 "t.yaml:9: queues[0].hours.timezone: cannot use time zone 'leapseconds': "
                 "/usr/share/zoneinfo/leapseconds: not a TZif file");
    expect_error(HQ "      timezone: right/Europe/Berlin\n"
                    "      weekly: {wed: \"09:00-16:00\"}\n",
                 "t.yaml:9: queues[0].hours.timezone: cannot use time zone 'right/Europe/Berlin': "
                 "/usr/share/zoneinfo/right/Europe/Berlin: counts leap seconds");
    expect_error(HQ "      timezone: UTC\n", "t.yaml:9: queues[0].hours.weekly: is required");
    expect_error(HQ "      weekly: {sun: closed}\n",
                 "t.yaml:9: queues[0].hours.weekly: opens on no day");
#undef HQ
}

static void test_error_canned_and_text(void **state)
{
    expect_error(HEAD "canned:\n  - id: c\n    title: C\n    text: \"Hi {custmer_name}\"\n",
                 "t.yaml:7: canned[0].text: unknown placeholder '{custmer_name}'");
    expect_error("deployment: t\naway_reasons: [\"Break\\nLunch\"]\n",
                 "t.yaml:2: away_reasons[0]: must not contain control characters");
    expect_error("deployment: t\naway_reasons: [Break, Break]\n",
                 "t.yaml:2: away_reasons[1]: 'Break' is repeated");
    expect_error("deployment: t\nskills: [{id: a, name: \"A\\0B\"}]\n",
                 "t.yaml:2: skills[0].name: must be UTF-8 text without NUL bytes");
}

static void test_routing_and_auto_accept(void **state)
{
    (void)state;
    sb_config_t *cfg = load_ok("deployment: t\n");
    assert_int_equal(cfg->routing.decline_cooldown_s, 60);
    assert_int_equal(cfg->routing.max_missed_offers, 3);
    assert_int_equal(cfg->routing.position_every_ms, 1000);
    /* the missed-offers reason is always one of the away reasons */
    assert_int_equal(cfg->n_away_reasons, 1);
    assert_string_equal(cfg->away_reasons[0], "Missed offers");
    sb_config_destroy(cfg);
    cfg = load_ok(HEAD "routing: {max_missed_offers: 0, missed_offers_reason: Unresponsive}\n"
                       "away_reasons: [Break, Unresponsive]\n"
                       "queues: [{id: q1, channels: [chat, voice], languages: [en]}]\n"
                       "staff: [{username: a, role: agent, password_hash: \"" HASH "\", "
                       "languages: [en], queues: [q1], auto_accept: [voice]}]\n");
    assert_int_equal(cfg->routing.max_missed_offers, 0);
    assert_int_equal(cfg->n_away_reasons, 2);
    assert_true(cfg->staff[0].auto_accept[SB_CHAN_VOICE]);
    assert_false(cfg->staff[0].auto_accept[SB_CHAN_CHAT]);
    sb_config_destroy(cfg);
    expect_error("deployment: t\nrouting: {position_every_ms: 10}\n",
                 "t.yaml:2: routing.position_every_ms: must be 1000 to 60000, got 10");
    cfg = load_ok(HEAD "routing: {wrapup_default_disposition: timed-out}\n");
    assert_string_equal(cfg->routing.wrapup_default_disposition, "timed-out");
    sb_config_destroy(cfg);
    expect_error("deployment: t\nrouting: {wrapup_default_disposition: \"no wrap\"}\n",
                 "t.yaml:2: routing.wrapup_default_disposition: ");
}

static void test_chat_section(void **state)
{
    (void)state;
    sb_config_t *cfg = load_ok("deployment: t\n");
    assert_int_equal(cfg->chat.max_messages, 5000);
    assert_int_equal(cfg->chat.inactivity_warn_s, 600);
    assert_int_equal(cfg->chat.inactivity_end_s, 120);
    assert_int_equal(cfg->chat.max_conversations, 100000);
    assert_int_equal(cfg->chat.conversations_per_address, 20);
    assert_int_equal(cfg->chat.conversations_window_s, 3600);
    assert_int_equal(cfg->chat.transfer_priority_boost, 2);
    assert_int_equal(cfg->chat.n_redact_patterns, 0);
    assert_int_equal(cfg->routing.short_abandon_s, 10);
    sb_config_destroy(cfg);
    cfg = load_ok(
        "deployment: t\nchat: {inactivity_warn_s: 30, redact_patterns: [\"CASE-[0-9]{6}\"]}\n"
        "routing: {short_abandon_s: 0}\n");
    assert_int_equal(cfg->chat.inactivity_warn_s, 30);
    assert_int_equal(cfg->chat.n_redact_patterns, 1);
    assert_string_equal(cfg->chat.redact_patterns[0], "CASE-[0-9]{6}");
    assert_int_equal(cfg->routing.short_abandon_s, 0);
    sb_config_destroy(cfg);
    /* a pattern that would only fail at the first message fails at load */
    expect_error("deployment: t\nchat: {redact_patterns: [\"CASE-([0-9]\"]}\n",
                 "t.yaml:2: chat.redact_patterns: pattern 0 is not a valid extended regular "
                 "expression");
    expect_error("deployment: t\nchat: {inactivity_end_s: 5}\n",
                 "t.yaml:2: chat.inactivity_end_s: must be 10 to 3600, got 5");
    expect_error("deployment: t\nchat: {short_abandon_s: 5}\n",
                 "t.yaml:2: chat.short_abandon_s: unknown key; expected one of: max_messages, "
                 "inactivity_warn_s, inactivity_end_s, max_conversations, "
                 "conversations_per_address, conversations_window_s, transfer_priority_boost, "
                 "redact_patterns");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chat_section),
        cmocka_unit_test(test_demo_counts),
        cmocka_unit_test(test_demo_queues),
        cmocka_unit_test(test_demo_staff),
        cmocka_unit_test(test_demo_widget_and_codes),
        cmocka_unit_test(test_defaults_top),
        cmocka_unit_test(test_defaults_sections),
        cmocka_unit_test(test_cookie_secure_follows_tls),
        cmocka_unit_test(test_hours_parsed),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_error_missing_file),
        cmocka_unit_test(test_error_syntax),
        cmocka_unit_test(test_error_unknown_key),
        cmocka_unit_test(test_error_repeated_key),
        cmocka_unit_test(test_error_wrong_type),
        cmocka_unit_test(test_error_required),
        cmocka_unit_test(test_error_range),
        cmocka_unit_test(test_error_limits),
        cmocka_unit_test(test_error_bad_identifier),
        cmocka_unit_test(test_error_duplicate_ids),
        cmocka_unit_test(test_error_unknown_references),
        cmocka_unit_test(test_error_staff_passwords),
        cmocka_unit_test(test_error_staff_other),
        cmocka_unit_test(test_error_tls_pair),
        cmocka_unit_test(test_error_redis),
        cmocka_unit_test(test_error_origins),
        cmocka_unit_test(test_error_queue_languages),
        cmocka_unit_test(test_error_channels),
        cmocka_unit_test(test_error_overflow),
        cmocka_unit_test(test_error_relax),
        cmocka_unit_test(test_error_hours),
        cmocka_unit_test(test_error_canned_and_text),
        cmocka_unit_test(test_routing_and_auto_accept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
