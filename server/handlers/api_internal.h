/* Shared by the HTTP API handlers. */
#ifndef SB_HANDLERS_API_INTERNAL_H
#define SB_HANDLERS_API_INTERNAL_H

#include <jansson.h>

#include "handlers/handlers.h"

/* The request body as a JSON object, or NULL when absent, malformed or not an object. */
json_t *sb_api_parse_json(sb_http_t *h);
/* Sends `j` (takes the reference) with `status`. */
void sb_api_json(sb_http_t *h, int status, json_t *j);

void sb_api_login(sb_app_t *app, sb_http_t *h);
void sb_api_logout(sb_app_t *app, sb_http_t *h);
void sb_api_me(sb_app_t *app, sb_http_t *h);
void sb_api_admin_revoke(sb_app_t *app, sb_http_t *h);

#endif
