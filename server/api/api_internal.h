/* Shared by the HTTP API handlers. */
#ifndef SB_API_API_INTERNAL_H
#define SB_API_API_INTERNAL_H

#include "api/api.h"
#include "app.h"
#include "auth/auth.h"

/* POST /api/tasks (tasks.c) */
void sb_api_create_task(sb_app_t *app, sb_http_t *h);

#endif
