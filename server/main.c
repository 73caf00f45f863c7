/* switchboard: command line.
 *
 *   switchboard --config FILE [--test-clock | --test-clock-frozen]   run
 *   switchboard --check-config FILE             validate a config and exit
 *   switchboard hash-password                   read a password on stdin, print its Argon2id hash
 *   switchboard --version | --help
 *
 * Exit codes: 0 success, 1 runtime failure (e.g. the port is in use), 2 bad usage or config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <uv.h>

#include "app.h"
#include "auth/password.h"
#include "util/token.h"
#include "config/config.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage:\n"
               "  switchboard --config FILE [--test-clock]   run the server\n"
               "  switchboard --check-config FILE             check a configuration file\n"
               "  switchboard hash-password                   hash a password read from stdin\n"
               "  switchboard --version\n"
               "  switchboard --help\n"
               "\n"
               "--test-clock lets tests move the server's clock (POST /test/clock); never use it\n"
               "in production. --test-clock-frozen: the same, and the clock moves only when told\n"
               "to (tests of exact durations). Configuration reference: docs/config.md\n");
}

static int check_config(const char *path)
{
    sb_config_t *cfg = NULL;
    char err[512];
    if (sb_config_load(path, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    printf("%s: OK (%zu queues, %zu staff, %zu skills, %zu topics)\n", path, cfg->n_queues,
           cfg->n_staff, cfg->n_skills, cfg->n_topics);
    sb_config_destroy(cfg);
    return 0;
}

/* Reads one line; without echo when stdin is a terminal. Returns its length or -1. */
static int read_secret(const char *prompt, char *buf, size_t len)
{
    bool tty = isatty(0);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(0, &old);
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(0, TCSAFLUSH, &quiet);
    }
    char *r = fgets(buf, (int)len, stdin);
    if (tty) {
        tcsetattr(0, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    if (!r)
        return -1;
    size_t n = strcspn(buf, "\r\n");
    buf[n] = 0;
    return (int)n;
}

static int hash_password(void)
{
    char a[SB_PASSWORD_MAX + 2], b[SB_PASSWORD_MAX + 2], out[256];
    if (sb_token_init() != 0)
        return 1;
    int n = read_secret("Password: ", a, sizeof a);
    if (n <= 0 || n > SB_PASSWORD_MAX) {
        fprintf(stderr, "switchboard: give a password of 1 to %d bytes on stdin\n",
                SB_PASSWORD_MAX);
        return 2;
    }
    if (isatty(0)) {
        if (read_secret("Again: ", b, sizeof b) != n || strcmp(a, b) != 0) {
            fprintf(stderr, "switchboard: the passwords differ\n");
            return 2;
        }
    }
    int rc = sb_password_hash(a, (size_t)n, out, sizeof out);
    sb_secure_wipe(a, sizeof a);
    sb_secure_wipe(b, sizeof b);
    if (rc != 0) {
        fprintf(stderr, "switchboard: hashing failed (out of memory?)\n");
        return 1;
    }
    printf("%s\n", out);
    return 0;
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    bool check = false, test_clock = false, frozen = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("switchboard %s\n", SB_VERSION);
            return 0;
        } else if (strcmp(a, "hash-password") == 0) {
            return hash_password();
        } else if ((strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) && i + 1 < argc) {
            config = argv[++i];
        } else if (strcmp(a, "--check-config") == 0) {
            check = true;
            if (i + 1 < argc && argv[i + 1][0] != '-')
                config = argv[++i];
        } else if (strcmp(a, "--test-clock") == 0) {
            test_clock = true;
        } else if (strcmp(a, "--test-clock-frozen") == 0) {
            test_clock = true;
            frozen = true;
        } else {
            fprintf(stderr, "switchboard: unknown argument '%s'\n\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!config) {
        fprintf(stderr, "switchboard: --config FILE is required\n\n");
        usage(stderr);
        return 2;
    }
    if (check)
        return check_config(config);

    uv_loop_t loop;
    uv_loop_init(&loop);
    sb_app_t app;
    sb_app_options_t opt = {
        .config_path = config, .test_clock = test_clock, .frozen_clock = frozen};
    int rc = sb_app_start(&app, &loop, &opt);
    if (rc != 0 && app.net_broken) {
        /* the listener could not bind: lws has unloaded its libuv plugin, and running the loop
         * would call into it. Nothing was started after the listener; leave at once. */
        sb_app_dispose(&app);
        return 1;
    }
    if (rc != 0) {
        sb_app_abort(&app);
        uv_run(&loop, UV_RUN_DEFAULT);
        sb_app_dispose(&app);
        uv_loop_close(&loop);
        return rc == -11 /* SB_E_CONFIG */ ? 2 : 1;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    sb_app_dispose(&app);
    int closed = uv_loop_close(&loop);
    if (closed != 0)
        fprintf(stderr, "switchboard: handles left open at exit\n");
    return app.exit_code;
}
