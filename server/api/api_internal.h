/* Shared by the HTTP API handlers. */
#ifndef SB_API_API_INTERNAL_H
#define SB_API_API_INTERNAL_H

#include <jansson.h>

#include "dispatch.h"

/* The request body as a JSON object, or NULL when absent, malformed or not an object. */
json_t *sb_api_parse_json(sb_http_t *h);
/* Sends `j` (takes the reference) with `status`. */
void sb_api_json(sb_http_t *h, int status, json_t *j);

/* Calls fn with the staff member whose session cookie came with the request (NULL when there is
 * none or it expired); fn answers the request. A request from a foreign Origin is refused. */
typedef void (*sb_api_staff_fn)(sb_app_t *app, sb_http_t *h, const sb_cfg_staff_t *who, void *arg);
void sb_api_with_staff(sb_app_t *app, sb_http_t *h, sb_api_staff_fn fn, void *arg);

/* POST /api/tasks (tasks.c) */
void sb_api_create_task(sb_app_t *app, sb_http_t *h);

void sb_api_login(sb_app_t *app, sb_http_t *h);
void sb_api_logout(sb_app_t *app, sb_http_t *h);
void sb_api_me(sb_app_t *app, sb_http_t *h);
void sb_api_admin_revoke(sb_app_t *app, sb_http_t *h);

#endif
