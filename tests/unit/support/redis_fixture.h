/* A throwaway Redis for one test program: its own temporary folder and unix socket, no TCP port,
 * no persistence, stopped at the end. Parallel test runs never collide. */
#ifndef SB_TEST_REDIS_FIXTURE_H
#define SB_TEST_REDIS_FIXTURE_H

#include <sys/types.h>

typedef struct {
    char dir[256];
    char sock[320];
    char address[330]; /* "unix:<sock>" */
    pid_t pid;
} sb_test_redis_t;

/* 0 when Redis answers PING. */
int sb_test_redis_start(sb_test_redis_t *r);
/* SIGKILL (a crash), without removing the folder; start again with sb_test_redis_restart. */
void sb_test_redis_kill(sb_test_redis_t *r);
int sb_test_redis_restart(sb_test_redis_t *r);
void sb_test_redis_stop(sb_test_redis_t *r);

#endif
