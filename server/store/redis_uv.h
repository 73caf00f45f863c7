/* hiredis 0.14 async adapter for libuv.
 *
 * Written here instead of using <adapters/libuv.h> because the 0.14.1 adapter returns early when
 * libuv reports a poll error: a refused TCP connect or a reset then never reaches hiredis and the
 * connection hangs forever (TECH_NOTES; fixed upstream in 1.0). This one hands read and write
 * events to hiredis even when the status is an error, so hiredis sees the failure itself. */
#ifndef SB_STORE_REDIS_UV_H
#define SB_STORE_REDIS_UV_H

#include <hiredis/async.h>
#include <uv.h>

/* Attaches `ac` to `loop`. 0, or SB_E_NOMEM / SB_E_IO (then `ac` is untouched). */
int sb_redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop);

#endif
