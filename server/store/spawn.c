#include "store/spawn.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"

struct sb_spawn {
    uv_loop_t *loop;
    uv_process_t proc;
    uv_timer_t timer; /* respawn delay, or polling an adopted process after SIGTERM */
    bool have_proc;
    bool proc_closed;
    bool stopping;
    int adopted_pid;
    char dir[PATH_MAX];
    char sock[PATH_MAX];
    char pidfile[PATH_MAX];
    char logfile[PATH_MAX];
    char *binary;
    char *appendfsync;
    unsigned poll_left;
    void (*done)(void *);
    void *done_arg;
};

static int spawn_child(sb_spawn_t *sp);

static int mkdirs(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0700) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0700) && errno != EEXIST)
        return -1;
    return 0;
}

/* The pid in the pid file, when it names a live redis-server; 0 otherwise. */
static int live_pid(const char *pidfile)
{
    FILE *f = fopen(pidfile, "r");
    if (!f)
        return 0;
    int pid = 0;
    if (fscanf(f, "%d", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 1 || kill(pid, 0) != 0)
        return 0;
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    f = fopen(path, "r");
    if (!f)
        return 0;
    if (!fgets(comm, sizeof comm, f))
        comm[0] = 0;
    fclose(f);
    return strncmp(comm, "redis-server", 12) == 0 ? pid : 0;
}

static void finish(sb_spawn_t *sp)
{
    if (!uv_is_closing((uv_handle_t *)&sp->timer))
        uv_close((uv_handle_t *)&sp->timer, NULL);
    if (sp->done) {
        void (*done)(void *) = sp->done;
        sp->done = NULL;
        done(sp->done_arg);
    }
}

static void proc_close_cb(uv_handle_t *h)
{
    sb_spawn_t *sp = h->data;
    sp->proc_closed = true;
}

static void respawn_cb(uv_timer_t *t)
{
    sb_spawn_t *sp = t->data;
    if (!sp->stopping)
        spawn_child(sp);
}

static void exit_cb(uv_process_t *p, int64_t status, int sig)
{
    sb_spawn_t *sp = p->data;
    sp->have_proc = false;
    uv_close((uv_handle_t *)p, proc_close_cb);
    if (sp->stopping) {
        SB_INFO("redis-spawn", "private Redis stopped", SB_F_INT("status", status));
        finish(sp);
        return;
    }
    SB_ERROR("redis-spawn", "private Redis exited unexpectedly; restarting it in 1 s",
             SB_F_INT("status", status), SB_F_INT("signal", sig), SB_F_STR("log", sp->logfile));
    uv_timer_start(&sp->timer, respawn_cb, 1000, 0);
}

static int spawn_child(sb_spawn_t *sp)
{
    /* wait for the previous handle's close before reusing its memory */
    if (!sp->proc_closed)
        return SB_E_BUSY;
    char *args[] = {sp->binary,
                    "--port",
                    "0",
                    "--unixsocket",
                    sp->sock,
                    "--unixsocketperm",
                    "700",
                    "--dir",
                    sp->dir,
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    sp->appendfsync,
                    "--maxmemory-policy",
                    "noeviction",
                    "--save",
                    "",
                    "--pidfile",
                    sp->pidfile,
                    "--logfile",
                    sp->logfile,
                    "--daemonize",
                    "no",
                    NULL};
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE}, {.flags = UV_IGNORE}, {.flags = UV_IGNORE}};
    uv_process_options_t o = {
        .exit_cb = exit_cb,
        .file = sp->binary,
        .args = args,
        .flags = UV_PROCESS_DETACHED, /* own process group: Ctrl-C is for Switchboard */
        .stdio_count = 3,
        .stdio = stdio,
    };
    sp->proc.data = sp;
    int rc = uv_spawn(sp->loop, &sp->proc, &o);
    if (rc) {
        SB_ERROR("redis-spawn", "cannot start redis-server", SB_F_STR("binary", sp->binary),
                 SB_F_STR("error", uv_strerror(rc)));
        /* uv_spawn failures still need the handle closed */
        uv_close((uv_handle_t *)&sp->proc, proc_close_cb);
        sp->proc_closed = false;
        return SB_E_IO;
    }
    sp->proc_closed = false;
    sp->have_proc = true;
    SB_INFO("redis-spawn", "started private Redis", SB_F_INT("pid", sp->proc.pid),
            SB_F_STR("socket", sp->sock), SB_F_STR("dir", sp->dir));
    return 0;
}

sb_spawn_t *sb_spawn_start(uv_loop_t *loop, const char *dir, const char *binary,
                           const char *appendfsync, const char **socket_path, char *errbuf,
                           size_t errlen)
{
    sb_spawn_t *sp = calloc(1, sizeof *sp);
    if (!sp) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    sp->loop = loop;
    sp->proc_closed = true;
    if (mkdirs(dir) != 0 || !realpath(dir, sp->dir)) {
        snprintf(errbuf, errlen, "cannot create the Redis folder %s: %s", dir, strerror(errno));
        free(sp);
        return NULL;
    }
    int n = snprintf(sp->sock, sizeof sp->sock, "%s/redis.sock", sp->dir);
    if (n < 0 || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        snprintf(errbuf, errlen,
                 "the Redis socket path %s/redis.sock is too long for a unix socket", sp->dir);
        free(sp);
        return NULL;
    }
    /* both shorter than the socket path checked above */
    if (snprintf(sp->pidfile, sizeof sp->pidfile, "%s/redis.pid", sp->dir) < 0 ||
        snprintf(sp->logfile, sizeof sp->logfile, "%s/redis.log", sp->dir) < 0) {
        free(sp);
        return NULL;
    }
    sp->binary = strdup(binary ? binary : "redis-server");
    sp->appendfsync = strdup(appendfsync ? appendfsync : "everysec");
    uv_timer_init(loop, &sp->timer);
    sp->timer.data = sp;
    *socket_path = sp->sock;
    sp->adopted_pid = live_pid(sp->pidfile);
    if (sp->adopted_pid) {
        SB_WARN("redis-spawn", "reusing the private Redis an earlier run left running",
                SB_F_INT("pid", sp->adopted_pid), SB_F_STR("socket", sp->sock));
        return sp;
    }
    if (spawn_child(sp) != 0) {
        snprintf(errbuf, errlen, "cannot start %s (is redis-server installed?)", sp->binary);
        uv_close((uv_handle_t *)&sp->timer, NULL);
        /* the caller runs the loop once to close handles, then destroys */
        return NULL;
    }
    return sp;
}

int sb_spawn_wait_ready(sb_spawn_t *sp, unsigned timeout_ms)
{
    struct timeval tv = {0, 200000};
    for (unsigned waited = 0; waited <= timeout_ms; waited += 20) {
        redisContext *c = redisConnectUnixWithTimeout(sp->sock, tv);
        if (c && !c->err) {
            redisReply *r = redisCommand(c, "PING");
            bool ok = r && r->type == REDIS_REPLY_STATUS;
            /* a Redis still loading its AOF answers -LOADING: keep waiting */
            if (r)
                freeReplyObject(r);
            redisFree(c);
            if (ok)
                return 0;
        } else if (c) {
            redisFree(c);
        }
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    return SB_E_IO;
}

static void adopted_poll_cb(uv_timer_t *t)
{
    sb_spawn_t *sp = t->data;
    if (kill(sp->adopted_pid, 0) != 0 || --sp->poll_left == 0) {
        uv_timer_stop(t);
        if (sp->poll_left == 0)
            SB_WARN("redis-spawn", "private Redis did not exit in time",
                    SB_F_INT("pid", sp->adopted_pid));
        sp->adopted_pid = 0;
        finish(sp);
    }
}

void sb_spawn_stop(sb_spawn_t *sp, void (*done)(void *arg), void *arg)
{
    sp->stopping = true;
    sp->done = done;
    sp->done_arg = arg;
    uv_timer_stop(&sp->timer);
    if (sp->have_proc) {
        uv_process_kill(&sp->proc, SIGTERM);
        return; /* exit_cb finishes */
    }
    if (sp->adopted_pid && kill(sp->adopted_pid, SIGTERM) == 0) {
        sp->poll_left = 500; /* 10 s */
        uv_timer_start(&sp->timer, adopted_poll_cb, 20, 20);
        return;
    }
    finish(sp);
}

void sb_spawn_destroy(sb_spawn_t *sp)
{
    if (!sp)
        return;
    free(sp->binary);
    free(sp->appendfsync);
    free(sp);
}
