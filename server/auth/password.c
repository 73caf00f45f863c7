#include "auth/password.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

typedef struct {
    uv_work_t work;
    char hash[crypto_pwhash_STRBYTES];
    char *password;
    size_t len;
    bool have_hash;
    bool ok;
    sb_password_cb cb;
    void *priv;
} job_t;

static unsigned g_jobs;
static char g_dummy[crypto_pwhash_STRBYTES];

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

static void after_cb(uv_work_t *w, int status)
{
    job_t *j = w->data;
    g_jobs--;
    sodium_memzero(j->password, j->len);
    free(j->password);
    j->cb(status == 0 && j->ok, j->priv);
    free(j);
}

int sb_password_verify_async(uv_loop_t *loop, const char *hash, const char *password, size_t len,
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
    j->cb = cb;
    j->priv = priv;
    j->work.data = j;
    if (uv_queue_work(loop, &j->work, work_cb, after_cb) != 0) {
        sodium_memzero(j->password, len);
        free(j->password);
        free(j);
        return SB_E_IO;
    }
    g_jobs++;
    return 0;
}

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

unsigned sb_password_jobs(void)
{
    return g_jobs;
}

int sb_password_hash(const char *password, size_t len, char *out, size_t outlen)
{
    if (outlen < crypto_pwhash_STRBYTES)
        return -1;
    return crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}
