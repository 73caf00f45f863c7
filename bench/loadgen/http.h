/* A minimal HTTP/1.1 client on libuv for the staff login: POST a JSON body, read the status and
 * the Set-Cookie headers. One request per TCP connection (Connection: close). */
#ifndef LG_HTTP_H
#define LG_HTTP_H

#include <netinet/in.h>
#include <uv.h>

/* status: the HTTP status, or 0 when the connection failed; cookie: every "name=value" pair of
 * the reply's Set-Cookie headers joined with "; " (what a Cookie header carries), "" when none.
 * Both borrowed for the duration of the call. */
typedef void (*lg_http_done_cb)(void *arg, int status, const char *cookie);

/* POSTs {"username": user, "password": pass} to path. 0, or a negative libuv error (then the
 * callback is never called). */
int lg_http_login(uv_loop_t *loop, const struct sockaddr_in *addr, const char *host_hdr,
                  const char *path, const char *origin, const char *user, const char *pass,
                  lg_http_done_cb cb, void *arg);

#endif
