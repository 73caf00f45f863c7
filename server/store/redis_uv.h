/* hiredis 0.14 async adapter for libuv.
 *
 * Written here instead of using <adapters/libuv.h> because the 0.14.1 adapter returns early when
 * libuv reports a poll error: a refused TCP connect or a reset then never reaches hiredis and the
 * connection hangs forever (TECH_NOTES; fixed upstream in 1.0). This one hands read and write
 * events to hiredis even when the status is an error, so hiredis sees the failure itself.
 *
 * It also writes differently. hiredis asks for write readiness on every command, and libuv 1.44's
 * uv_poll_start() removes the descriptor from epoll and adds it again on every call: the stock
 * adapter cost two to four epoll_ctl calls per command. Here the commands issued during one loop
 * turn are written together from a uv_check callback (after the poll phase, where the callbacks
 * that issue them run), straight away, without waiting for epoll; write readiness is polled for
 * only while the connection is still connecting or when the kernel buffer was full, and the poll
 * handle is restarted only when its events really change. */
#ifndef SB_STORE_REDIS_UV_H
#define SB_STORE_REDIS_UV_H

#include <hiredis/async.h>
#include <uv.h>

/* Attaches `ac` to `loop`. 0, or SB_E_NOMEM / SB_E_IO (then `ac` is untouched). */
int sb_redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop);

#endif
