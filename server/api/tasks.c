/* POST /api/tasks: back-office work pushed by the claims system (first kind: RESEA work-search
 * reviews), routed like any contact on the task channel, ordered by due time.
 *
 *   {"queue": "resea-review", "external_id": "RESEA-2026-0042", "due_at_ms": 1795700000000,
 *    "language": "en", "title": "Work-search review, weeks ending 11/07 and 11/14"}
 *
 * `due_in_s` may replace `due_at_ms`. The external id makes the push idempotent. Until
 * integration API keys exist, the caller needs a supervisor or admin session. */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "router/router.h"
#include "util/clock.h"

static const char *str_field(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void create_task(sb_app_t *app, sb_http_t *h, const sb_cfg_staff_t *who, void *arg)
{
    (void)arg;
    if (!who) {
        sb_http_error(h, 401, SB_WERR_UNAUTHORIZED, "not signed in");
        return;
    }
    if (who->role != SB_STAFF_SUPERVISOR && who->role != SB_STAFF_ADMIN) {
        sb_http_error(h, 403, SB_WERR_FORBIDDEN, "only supervisors and administrators may create tasks");
        return;
    }
    json_t *b = sb_http_json_body(h);
    if (!b) {
        sb_http_error(h, 400, SB_WERR_BAD_REQUEST, "send a JSON object");
        return;
    }
    const char *queue = str_field(b, "queue"), *ext = str_field(b, "external_id");
    const char *lang = str_field(b, "language"), *title = str_field(b, "title");
    json_t *at = json_object_get(b, "due_at_ms"), *in = json_object_get(b, "due_in_s");
    const char *bad = NULL;
    if (!queue || !sb_proto_charset_ok(SB_CS_ID, queue, strlen(queue)) || strlen(queue) > 64)
        bad = "queue must be a queue id";
    else if (!ext || !*ext || strlen(ext) > 64 || !sb_proto_charset_ok(SB_CS_ID, ext, strlen(ext)))
        bad = "external_id must be 1 to 64 characters of [A-Za-z0-9_.:-]";
    else if (lang && (strlen(lang) > 35 || !sb_proto_charset_ok(SB_CS_LANG, lang, strlen(lang))))
        bad = "language must be a language tag";
    else if (title &&
             (strlen(title) > 200 || !sb_proto_charset_ok(SB_CS_TEXT, title, strlen(title))))
        bad = "title must be text of at most 200 bytes";
    else if (!(json_is_integer(at) && json_integer_value(at) > 0) &&
             !(json_is_integer(in) && json_integer_value(in) >= 0))
        bad = "give due_at_ms (epoch milliseconds) or due_in_s";
    if (bad) {
        json_decref(b);
        sb_http_error(h, 400, SB_WERR_BAD_REQUEST, bad);
        return;
    }
    uint64_t due = json_is_integer(at)
                       ? (uint64_t)json_integer_value(at)
                       : sb_clock_now_ms() + (uint64_t)json_integer_value(in) * 1000u;
    char q[65], e[65], l[36] = "", t[201] = "";
    snprintf(q, sizeof q, "%s", queue);
    snprintf(e, sizeof e, "%s", ext);
    if (lang)
        snprintf(l, sizeof l, "%s", lang);
    if (title)
        snprintf(t, sizeof t, "%s", title);
    sb_redact(&app->redactor, t, strlen(t)); /* the claims system copies case text into titles */
    json_decref(b);
    sb_router_create_task(app, h, q, e, l[0] ? l : NULL, due, t);
}

void sb_api_create_task(sb_app_t *app, sb_http_t *h)
{
    sb_auth_with_staff(app, h, create_task, NULL);
}
