/* The HTTP API on the callback mounts: health, readiness, metrics, the test clock, staff
 * sign-in (auth/), and the integration endpoints (tasks). docs/protocol.md lists them. */
#ifndef SB_API_API_H
#define SB_API_API_H

#include "net/http.h"

/* One HTTP request; answers through sb_http_respond now or later. `user` is the app (the network
 * layer's events table calls it). */
void sb_api_handle(void *user, sb_http_t *h);

#endif
