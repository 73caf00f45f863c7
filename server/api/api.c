/* HTTP routes on the callback mounts: health, readiness, metrics, the test clock, and the staff
 * login API (login.c). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "metrics/metrics.h"
#include "util/clock.h"
#include "util/log.h"

static void text(sb_http_t *h, int status, const char *s)
{
    sb_http_respond(h, status, "text/plain; charset=utf-8", s, strlen(s));
}

static void healthz(sb_http_t *h)
{
    text(h, 200, "ok\n");
}

static void readyz(sb_app_t *app, sb_http_t *h)
{
    const char *why = NULL;
    char buf[160];
    if (sb_app_ready(app, &why)) {
        text(h, 200, "ready\n");
        return;
    }
    snprintf(buf, sizeof buf, "not ready: %s\n", why);
    text(h, 503, buf);
}

static void metrics(sb_http_t *h)
{
    sb_buf_t b;
    sb_buf_init(&b, 0);
    if (sb_metrics_render(&b) != 0)
        sb_http_error(h, 500, SB_WERR_INTERNAL, "out of memory");
    else
        sb_http_respond(h, 200, "text/plain; version=0.0.4; charset=utf-8",
                        (const char *)sb_buf_data(&b), b.len);
    sb_buf_dispose(&b);
}

/* POST /test/clock {"advance_ms": N}: only with --test-clock, so tests drive time instead of
 * sleeping. Timers whose deadline passed fire before the answer is sent. */
static void test_clock(sb_app_t *app, sb_http_t *h)
{
    if (!sb_clock_is_test()) {
        sb_http_error(h, 404, SB_WERR_NOT_FOUND, "no such endpoint");
        return;
    }
    if (h->method == SB_HTTP_POST) {
        json_t *j = sb_http_json_body(h);
        json_t *adv = j ? json_object_get(j, "advance_ms") : NULL;
        if (!json_is_integer(adv) || json_integer_value(adv) < 0) {
            json_decref(j);
            sb_http_error(h, 400, SB_WERR_BAD_REQUEST, "advance_ms must be a non-negative integer");
            return;
        }
        sb_clock_advance((uint64_t)json_integer_value(adv));
        json_decref(j);
        sb_timers_run(&app->timers);
    }
    char buf[64];
    int n = snprintf(buf, sizeof buf, "{\"now_ms\":%llu}", (unsigned long long)sb_clock_now_ms());
    sb_http_respond(h, 200, "application/json", buf, (size_t)n);
}

void sb_api_handle(void *user, sb_http_t *h)
{
    sb_app_t *app = user;
    const char *p = h->path;
    bool get = h->method == SB_HTTP_GET, post = h->method == SB_HTTP_POST;
    if (strcmp(p, "/healthz") == 0 && get)
        healthz(h);
    else if (strcmp(p, "/readyz") == 0 && get)
        readyz(app, h);
    else if (strcmp(p, "/metrics") == 0 && get)
        metrics(h);
    else if (strcmp(p, "/test/clock") == 0)
        test_clock(app, h);
    else if (strncmp(p, "/api/", 5) == 0 && app->stopping)
        sb_http_error(h, 503, SB_WERR_SHUTTING_DOWN, "the server is restarting; try again shortly");
    else if (strcmp(p, "/api/login") == 0 && post)
        sb_auth_login(app, h);
    else if (strcmp(p, "/api/logout") == 0 && post)
        sb_auth_logout(app, h);
    else if (strcmp(p, "/api/me") == 0 && get)
        sb_auth_me(app, h);
    else if (strcmp(p, "/api/admin/revoke") == 0 && post)
        sb_auth_admin_revoke(app, h);
    else if (strcmp(p, "/api/tasks") == 0 && post)
        sb_api_create_task(app, h);
    else if (strcmp(p, "/api/login") == 0 || strcmp(p, "/api/logout") == 0 ||
             strcmp(p, "/api/me") == 0 || strcmp(p, "/api/admin/revoke") == 0 ||
             strcmp(p, "/api/tasks") == 0)
        sb_http_error(h, 405, SB_WERR_METHOD_NOT_ALLOWED, "wrong method for this endpoint");
    else
        sb_http_error(h, 404, SB_WERR_NOT_FOUND, "no such endpoint");
}
