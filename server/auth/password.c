#include "auth/password.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics.h"
#include "util/countmap.h"
#include "util/err.h"

typedef struct job job_t;
struct job {
    uv_work_t work;
    job_t *next; /* in its group's queue while waiting */
    char who[SB_COUNTMAP_KEY];
    char hash[crypto_pwhash_STRBYTES];
    char *password;
    size_t len;
    bool have_hash;
    bool ok;
    sb_password_live_fn live;
    sb_password_cb cb;
    void *priv;
};

/* The verifications of one address waiting for a slot, oldest first. The groups with something
 * waiting form a ring, served one job per group in turn. */
typedef struct group group_t;
struct group {
    group_t *prev, *next;
    job_t *head, *tail;
    char who[SB_COUNTMAP_KEY];
};

/* Process-wide, like the thread pool it rations. Loop thread only. */
static struct {
    sb_password_limits_t lim;
    sb_countmap_t admitted_by_who; /* admissions per address, until their verification ends */
    unsigned admitted;
    unsigned running;
    unsigned waiting;
    group_t *turn; /* the group whose head starts next; NULL when nothing waits */
    uv_loop_t *loop;
} g = {.lim = {1, 1, 1}};

static char g_dummy[crypto_pwhash_STRBYTES];

/* ------------------------------------------------------------------------------------------------
 * Admission
 * ---------------------------------------------------------------------------------------------- */

int sb_password_admit(const char *who, const sb_password_limits_t *lim)
{
    g.lim = *lim;
    if (g.admitted >= lim->max_pending)
        return SB_E_BUSY;
    int64_t n = sb_countmap_incr(&g.admitted_by_who, who, lim->max_pending_per_who);
    if (n < 0)
        return SB_E_NOMEM;
    if (n == 0)
        return SB_E_BUSY;
    g.admitted++;
    return 0;
}

void sb_password_release(const char *who)
{
    sb_countmap_decr(&g.admitted_by_who, who);
    g.admitted--;
}

/* ------------------------------------------------------------------------------------------------
 * Running, in turn
 * ---------------------------------------------------------------------------------------------- */

static void pump(void);

static void work_cb(uv_work_t *w)
{
    job_t *j = w->data;
    if (j->have_hash) {
        j->ok = crypto_pwhash_str_verify(j->hash, j->password, j->len) == 0;
    } else {
        /* unknown user: same cost, always false */
        int rc = crypto_pwhash_str_verify(g_dummy, j->password, j->len);
        j->ok = false && rc == 0;
    }
}

/* Ends a job: its admission is given back before the callback runs, so that the callback (or what
 * it sets off) may admit the same address again. */
static void finish(job_t *j, sb_password_result_t result)
{
    sodium_memzero(j->password, j->len);
    free(j->password);
    sb_password_release(j->who);
    j->cb(result, j->priv);
    free(j);
}

static void after_cb(uv_work_t *w, int status)
{
    job_t *j = w->data;
    g.running--;
    sb_metrics.password_checks++;
    finish(j, status != 0 ? SB_PASSWORD_UNCHECKED : j->ok ? SB_PASSWORD_MATCH : SB_PASSWORD_WRONG);
    pump();
}

/* The next waiting job, taken from the group whose turn it is; the turn passes to the next group.
 */
static job_t *next_job(void)
{
    group_t *gr = g.turn;
    job_t *j = gr->head;
    gr->head = j->next;
    if (gr->head) {
        g.turn = gr->next;
    } else {
        if (gr->next == gr) {
            g.turn = NULL;
        } else {
            gr->prev->next = gr->next;
            gr->next->prev = gr->prev;
            g.turn = gr->next;
        }
        free(gr);
    }
    g.waiting--;
    sb_metrics.password_waiting = g.waiting;
    return j;
}

/* Starts waiting jobs while there are free slots. A job whose caller no longer wants it ends
 * unchecked (its callback runs here, after its own submit call returned long ago). */
static void pump(void)
{
    while (g.turn && g.running < g.lim.max_running) {
        job_t *j = next_job();
        if (j->live && !j->live(j->priv)) {
            finish(j, SB_PASSWORD_UNCHECKED);
            continue;
        }
        j->work.data = j;
        if (uv_queue_work(g.loop, &j->work, work_cb, after_cb) != 0) {
            finish(j, SB_PASSWORD_UNCHECKED); /* libuv refuses only bad arguments */
            continue;
        }
        g.running++;
    }
}

/* Queues a job behind the others of its address; a new group joins the ring just before the group
 * whose turn it is, i.e. it is served after every group already waiting has had one turn. */
static int enqueue(job_t *j)
{
    group_t *gr = g.turn;
    if (gr) {
        do {
            if (strcmp(gr->who, j->who) == 0)
                break;
            gr = gr->next;
        } while (gr != g.turn);
        if (strcmp(gr->who, j->who) != 0)
            gr = NULL;
    }
    if (!gr) {
        gr = calloc(1, sizeof *gr);
        if (!gr)
            return SB_E_NOMEM;
        memcpy(gr->who, j->who, sizeof gr->who);
        if (g.turn) {
            gr->next = g.turn;
            gr->prev = g.turn->prev;
            gr->prev->next = gr;
            g.turn->prev = gr;
        } else {
            gr->next = gr->prev = gr;
            g.turn = gr;
        }
    }
    if (gr->head)
        gr->tail->next = j;
    else
        gr->head = j;
    gr->tail = j;
    g.waiting++;
    sb_metrics.password_waiting = g.waiting;
    return 0;
}

int sb_password_verify_async(uv_loop_t *loop, const char *who, const char *hash,
                             const char *password, size_t len, sb_password_live_fn live,
                             sb_password_cb cb, void *priv)
{
    if (!g_dummy[0])
        return SB_E_INVAL; /* sb_password_init was not called */
    job_t *j = calloc(1, sizeof *j);
    if (!j)
        return SB_E_NOMEM;
    j->password = malloc(len + 1);
    if (!j->password) {
        free(j);
        return SB_E_NOMEM;
    }
    memcpy(j->password, password, len);
    j->password[len] = 0;
    j->len = len;
    if (hash && strlen(hash) < sizeof j->hash) {
        strcpy(j->hash, hash);
        j->have_hash = true;
    }
    snprintf(j->who, sizeof j->who, "%s", who);
    j->live = live;
    j->cb = cb;
    j->priv = priv;
    if (enqueue(j) != 0) {
        sodium_memzero(j->password, len);
        free(j->password);
        free(j);
        return SB_E_NOMEM;
    }
    g.loop = loop;
    pump();
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * The rest
 * ---------------------------------------------------------------------------------------------- */

int sb_password_init(void)
{
    /* The hash an unknown user's password is checked against, so that "no such user" takes as
     * long as a wrong password. Only its parameters matter (those of sb_password_hash): it is a
     * hash of 24 random bytes nobody kept, and an unknown user is refused whatever the check says.
     * A constant, because computing one at start-up cost a 64 MiB Argon2 run on the main thread
     * before the server could be ready. */
    static const char dummy[] = "$argon2id$v=19$m=65536,t=2,p=1$cEcwx1OTWEGIW/Cnh+RNoA$"
                                "tbMxYSQWP3uP9rd53NX8+sLB4eluKyVcf8EvjrYJ1lQ";
    _Static_assert(sizeof dummy <= sizeof g_dummy, "dummy hash fits");
    memcpy(g_dummy, dummy, sizeof dummy);
    return crypto_pwhash_str_needs_rehash(g_dummy, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                          crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
               ? 0
               : -1;
}

unsigned sb_password_running(void)
{
    return g.running;
}

unsigned sb_password_waiting(void)
{
    return g.waiting;
}

int sb_password_hash(const char *password, size_t len, char *out, size_t outlen)
{
    if (outlen < crypto_pwhash_STRBYTES)
        return -1;
    return crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}
