/* A private Redis for developers and small sites (config `redis.address: spawn`): started as a
 * child in its own process group (so Ctrl-C in the terminal reaches only Switchboard, which
 * flushes first and then stops Redis), with AOF on, noeviction, no RDB snapshots, and a unix socket
 * in the spawn folder. A Redis left running by an earlier run that died (its pid file names a live
 * redis-server) is reused rather than started twice on the same data. */
#ifndef SB_STORE_SPAWN_H
#define SB_STORE_SPAWN_H

#include <stddef.h>
#include <uv.h>

typedef struct sb_spawn sb_spawn_t;

/* Starts Redis (or adopts a running one). On success *socket_path points to the absolute path of
 * its unix socket (owned by the spawn). Returns NULL and fills errbuf on failure. */
sb_spawn_t *sb_spawn_start(uv_loop_t *loop, const char *dir, const char *binary,
                           const char *appendfsync, const char **socket_path, char *errbuf,
                           size_t errlen);
/* Blocks (at start-up only, before the loop runs) until the socket answers or `timeout_ms`
 * passes. 0 or SB_E_IO. */
int sb_spawn_wait_ready(sb_spawn_t *sp, unsigned timeout_ms);
/* Asks Redis to stop (SIGTERM: it fsyncs the AOF and exits) and calls `done` when it has exited,
 * or at once if it was adopted rather than started here... it is stopped too: it is ours. */
void sb_spawn_stop(sb_spawn_t *sp, void (*done)(void *arg), void *arg);
void sb_spawn_destroy(sb_spawn_t *sp);

#endif
