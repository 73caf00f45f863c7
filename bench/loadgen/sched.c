/* The send schedule's clock: a CLOCK_MONOTONIC timerfd armed at absolute times, watched by a
 * uv_poll. With the timer slack lowered to 1 ns (main.c) it wakes within a few microseconds of
 * the time asked, where a libuv timer could be a millisecond late. */
#include <errno.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "lg.h"
#include "util.h"

static struct {
    int fd;
    uv_poll_t poll;
    void (*fn)(uint64_t now);
    bool open;
} S = {.fd = -1};

static void poll_cb(uv_poll_t *p, int status, int events)
{
    (void)p;
    (void)status;
    (void)events;
    uint64_t ticks;
    while (read(S.fd, &ticks, sizeof ticks) < 0 && errno == EINTR)
        ;
    S.fn(lg_now_ns());
}

int lg_sched_init(uv_loop_t *loop, void (*fn)(uint64_t now))
{
    S.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (S.fd < 0) {
        lg_err("timerfd_create: %s", uv_strerror(uv_translate_sys_error(errno)));
        return -1;
    }
    S.fn = fn;
    uv_poll_init(loop, &S.poll, S.fd);
    uv_poll_start(&S.poll, UV_READABLE, poll_cb);
    S.open = true;
    return 0;
}

void lg_sched_at(uint64_t t_ns)
{
    if (!S.open)
        return;
    if (t_ns == 0)
        t_ns = 1; /* 0 would disarm */
    struct itimerspec its = {0};
    its.it_value.tv_sec = (time_t)(t_ns / LG_NS_PER_S);
    its.it_value.tv_nsec = (long)(t_ns % LG_NS_PER_S);
    timerfd_settime(S.fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void closed_cb(uv_handle_t *h)
{
    (void)h;
    close(S.fd);
    S.fd = -1;
}

void lg_sched_close(void)
{
    if (!S.open)
        return;
    S.open = false;
    uv_poll_stop(&S.poll);
    uv_close((uv_handle_t *)&S.poll, closed_cb);
}
