/* sb_loadgen: the load generator of the Switchboard benchmarks (shared PERF.md). This file holds
 * what the four modes share: the options, the open-files limit, the libuv loop with the
 * libwebsockets client context on it, signals, the usage readings of the server and Redis over a
 * measured window, the common parts of the report, and the orderly shutdown.
 *
 * Exit status: 0 when the run completed and reported, 1 when it failed (no chat could be set up,
 * nothing measured, a file could not be read), 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "modes.h"
#include "util.h"

/* File descriptors kept back from the customers' share of the limit: the loop, lws' own pipes,
 * the timerfd, HTTP logins, /proc reads, stdio. */
#define FD_RESERVE 64

static struct {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    uv_timer_t stop;
    lg_opts_t o;
    int exit_code;
    bool stopping;
    int signals;
    void (*interrupt)(void);
} M = {.exit_code = 1};

/* ------------------------------------------------------------------------------------------------
 * Options
 * ---------------------------------------------------------------------------------------------- */

enum {
    O_URL = 256,
    O_ORIGIN,
    O_WIDGET_ORIGIN,
    O_AGENTS,
    O_AGENT_PREFIX,
    O_AGENT_FIRST,
    O_PASSWORD,
    O_CUSTOMERS,
    O_RATE,
    O_SATURATE,
    O_INFLIGHT,
    O_DURATION,
    O_WARMUP,
    O_DRAIN,
    O_TEXT_BYTES,
    O_HOLD,
    O_SRC_ADDRS,
    O_CONNECT_RATE,
    O_CONNECT_CONC,
    O_LOGIN_CONC,
    O_SETUP_TIMEOUT,
    O_POOL,
    O_SAVE,
    O_RESUME,
    O_JITTER,
    O_TIMEOUT,
    O_BACKOFF,
    O_BACKOFF_MAX,
    O_SERVER_PID,
    O_REDIS_PID,
    O_JSON,
    O_QUIET,
    O_NO_CLEANUP,
    O_SEED,
    O_TOPIC,
    O_CHANNEL,
    O_DISPOSITION,
    O_CLIENT,
    O_CUSTOMER_PATH,
    O_STAFF_PATH,
    O_LOGIN_PATH,
    O_SUBPROTOCOL,
    O_LWS_LOG,
};

static const struct option g_longopts[] = {
    {"mode", required_argument, NULL, 'm'},
    {"url", required_argument, NULL, O_URL},
    {"origin", required_argument, NULL, O_ORIGIN},
    {"widget-origin", required_argument, NULL, O_WIDGET_ORIGIN},
    {"agents", required_argument, NULL, O_AGENTS},
    {"agent-prefix", required_argument, NULL, O_AGENT_PREFIX},
    {"agent-first", required_argument, NULL, O_AGENT_FIRST},
    {"password", required_argument, NULL, O_PASSWORD},
    {"customers", required_argument, NULL, O_CUSTOMERS},
    {"rate", required_argument, NULL, O_RATE},
    {"saturate", no_argument, NULL, O_SATURATE},
    {"inflight", required_argument, NULL, O_INFLIGHT},
    {"duration", required_argument, NULL, O_DURATION},
    {"warmup", required_argument, NULL, O_WARMUP},
    {"drain", required_argument, NULL, O_DRAIN},
    {"text-bytes", required_argument, NULL, O_TEXT_BYTES},
    {"hold", required_argument, NULL, O_HOLD},
    {"src-addrs", required_argument, NULL, O_SRC_ADDRS},
    {"connect-rate", required_argument, NULL, O_CONNECT_RATE},
    {"connect-concurrency", required_argument, NULL, O_CONNECT_CONC},
    {"login-concurrency", required_argument, NULL, O_LOGIN_CONC},
    {"setup-timeout", required_argument, NULL, O_SETUP_TIMEOUT},
    {"pool", required_argument, NULL, O_POOL},
    {"save", required_argument, NULL, O_SAVE},
    {"resume", required_argument, NULL, O_RESUME},
    {"jitter", required_argument, NULL, O_JITTER},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"backoff-ms", required_argument, NULL, O_BACKOFF},
    {"backoff-max-ms", required_argument, NULL, O_BACKOFF_MAX},
    {"server-pid", required_argument, NULL, O_SERVER_PID},
    {"redis-pid", required_argument, NULL, O_REDIS_PID},
    {"json", no_argument, NULL, O_JSON},
    {"quiet", no_argument, NULL, O_QUIET},
    {"no-cleanup", no_argument, NULL, O_NO_CLEANUP},
    {"seed", required_argument, NULL, O_SEED},
    {"topic", required_argument, NULL, O_TOPIC},
    {"channel", required_argument, NULL, O_CHANNEL},
    {"disposition", required_argument, NULL, O_DISPOSITION},
    {"client", required_argument, NULL, O_CLIENT},
    {"customer-path", required_argument, NULL, O_CUSTOMER_PATH},
    {"staff-path", required_argument, NULL, O_STAFF_PATH},
    {"login-path", required_argument, NULL, O_LOGIN_PATH},
    {"subprotocol", required_argument, NULL, O_SUBPROTOCOL},
    {"lws-log", required_argument, NULL, O_LWS_LOG},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
    fputs(
        "Usage: sb_loadgen --mode relay|idle|offer|storm [options]\n"
        "\n"
        "Modes (bench/loadgen/README.md):\n"
        "  relay  customers in answered chats send messages; latency to the agent, CPU per "
        "message\n"
        "  idle   customer connections held open through the server's pings; memory per "
        "connection\n"
        "  offer  contacts arrive open loop; latency from arrival to the offer at an agent\n"
        "  storm  --save FILE: set up chats and save resume tokens; --resume FILE: reconnect them\n"
        "         all (after a server restart) and time until every one has resumed\n"
        "\n"
        "Server:\n"
        "  --url ws://HOST:PORT        the server (default ws://127.0.0.1:8080)\n"
        "  --origin ORIGIN             Origin header of logins and staff sockets\n"
        "                              (default http://HOST:PORT)\n"
        "  --widget-origin ORIGIN      Origin header of customer sockets (default: --origin)\n"
        "  --customer-path, --staff-path, --login-path PATH\n"
        "                              (default /ws/customer, /ws/staff, /api/login)\n"
        "  --subprotocol NAME          (default switchboard.v1)\n"
        "  --topic ID --channel C      contact.request fields (default t1, chat: "
        "bench/mkconfig.py)\n"
        "  --disposition CODE          wrap-up disposition (default resolved)\n"
        "  --client NAME               hello.client (default sb_loadgen)\n"
        "\n"
        "People:\n"
        "  --agents N                  agents to log in (default 20; idle uses none)\n"
        "  --agent-prefix P            usernames P<first>..P<first+N-1> (default agent)\n"
        "  --agent-first K             (default 1)\n"
        "  --password PW               the agents' shared password (or $SB_LOADGEN_PASSWORD)\n"
        "  --customers N               customers (default 200; idle: connections, default 2000)\n"
        "  --pool N                    offer: connected customers waiting to arrive (default 200)\n"
        "  --login-concurrency N       logins in flight (default 8)\n"
        "  --connect-rate R            new WebSockets per second (default 1500)\n"
        "  --connect-concurrency N     handshakes in flight (default 256)\n"
        "  --src-addrs N               spread customer sockets over 127.0.0.1..127.0.0.N\n"
        "                              (default 0: let the kernel choose the source address)\n"
        "  --setup-timeout S           give up waiting for setup after S s (default 60)\n"
        "\n"
        "Load and timing:\n"
        "  --rate R                    relay: messages/s (open loop, default 2000; 0 = saturate);\n"
        "                              offer: contacts/s (default 200)\n"
        "  --saturate                  relay: closed loop, --inflight per customer\n"
        "  --inflight N                relay --saturate: messages in flight per customer (default "
        "4)\n"
        "  --text-bytes N              relay: chat text length (default 64)\n"
        "  --warmup S                  seconds before the measured window (default 2)\n"
        "  --duration S                measured window (default 10)\n"
        "  --drain S                   wait at most S s for replies after the last send (default "
        "5)\n"
        "  --hold S                    idle: hold the connections S s (default 45)\n"
        "  --jitter S                  storm: reconnects spread over S s (default 5)\n"
        "  --timeout S                 storm: give up after S s (default 60)\n"
        "  --backoff-ms MS             storm: first retry delay, doubled per retry (default 250)\n"
        "  --backoff-max-ms MS         storm: retry delay cap (default 5000)\n"
        "  --save FILE | --resume FILE storm phase\n"
        "  --no-cleanup                relay: leave the chats open at the end\n"
        "  --seed N                    PRNG seed (default 1)\n"
        "\n"
        "Measurement and output:\n"
        "  --server-pid PID            read the server's CPU time and memory from /proc\n"
        "  --redis-pid PID             the same for Redis\n"
        "  --json                      one JSON object on stdout (the text report goes to stderr)\n"
        "  --quiet                     no progress lines\n"
        "  --lws-log MASK              libwebsockets log mask (default 1: errors)\n"
        "  --help\n"
        "\n"
        "Exit status: 0 run completed and reported, 1 failed, 2 bad usage.\n",
        f);
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool parse_dbl(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < 0)
        return false;
    *out = v;
    return true;
}

/* ws://HOST:PORT[/...]: host and port into o, the address resolved (IPv4) for the HTTP login. */
static bool parse_url(lg_opts_t *o)
{
    const char *p = o->url;
    if (strncmp(p, "ws://", 5)) {
        fprintf(stderr, "sb_loadgen: --url must start with ws:// (TLS is not supported)\n");
        return false;
    }
    p += 5;
    size_t hl = strcspn(p, ":/");
    if (!hl || hl >= sizeof o->host) {
        fprintf(stderr, "sb_loadgen: --url has no host\n");
        return false;
    }
    memcpy(o->host, p, hl);
    o->host[hl] = 0;
    p += hl;
    o->port = 80;
    if (*p == ':') {
        char *end;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port <= 0 || port > 65535 || (*end && *end != '/')) {
            fprintf(stderr, "sb_loadgen: bad port in --url\n");
            return false;
        }
        o->port = (int)port;
    }
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(o->host, NULL, &hints, &res);
    if (rc || !res) {
        fprintf(stderr, "sb_loadgen: cannot resolve %s: %s\n", o->host, gai_strerror(rc));
        return false;
    }
    memcpy(&o->addr, res->ai_addr, sizeof o->addr);
    o->addr.sin_port = htons((uint16_t)o->port);
    freeaddrinfo(res);
    return true;
}

/* 0 to run, 1 for --help (exit 0), -1 for bad usage (exit 2). */
static int parse_options(lg_opts_t *o, int argc, char **argv)
{
    *o = (lg_opts_t){
        .url = "ws://127.0.0.1:8080",
        .customer_path = "/ws/customer",
        .staff_path = "/ws/staff",
        .login_path = "/api/login",
        .subprotocol = "switchboard.v1",
        .topic = "t1",
        .channel = "chat",
        .disposition = "resolved",
        .client_name = "sb_loadgen",
        .agents = 20,
        .agent_first = 1,
        .agent_prefix = "agent",
        .password = getenv("SB_LOADGEN_PASSWORD"),
        .customers = 0, /* per mode, below */
        .rate = -1,     /* per mode, below */
        .inflight = 4,
        .duration = 10,
        .warmup = 2,
        .drain = 5,
        .text_bytes = 64,
        .hold = 45,
        .connect_rate = 1500,
        .connect_concurrency = 256,
        .login_concurrency = 8,
        .setup_timeout = 60,
        .pool = 200,
        .jitter = 5,
        .timeout = 60,
        .backoff_ms = 250,
        .backoff_max_ms = 5000,
        .cleanup = true,
        .seed = 1,
        .lws_log = 1,
    };
    bool agents_set = false, customers_set = false;
    int ch;
    while ((ch = getopt_long(argc, argv, "m:h", g_longopts, NULL)) != -1) {
        bool ok = true;
        switch (ch) {
        case 'm':
            o->mode = optarg;
            break;
        case 'h':
            return 1;
        case O_URL:
            o->url = optarg;
            break;
        case O_ORIGIN:
            o->origin = optarg;
            break;
        case O_WIDGET_ORIGIN:
            o->widget_origin = optarg;
            break;
        case O_AGENTS:
            ok = parse_u32(optarg, &o->agents), agents_set = true;
            break;
        case O_AGENT_PREFIX:
            o->agent_prefix = optarg;
            break;
        case O_AGENT_FIRST:
            ok = parse_u32(optarg, &o->agent_first);
            break;
        case O_PASSWORD:
            o->password = optarg;
            break;
        case O_CUSTOMERS:
            ok = parse_u32(optarg, &o->customers), customers_set = true;
            break;
        case O_RATE:
            ok = parse_dbl(optarg, &o->rate);
            break;
        case O_SATURATE:
            o->saturate = true;
            break;
        case O_INFLIGHT:
            ok = parse_u32(optarg, &o->inflight) && o->inflight > 0;
            break;
        case O_DURATION:
            ok = parse_dbl(optarg, &o->duration) && o->duration > 0;
            break;
        case O_WARMUP:
            ok = parse_dbl(optarg, &o->warmup);
            break;
        case O_DRAIN:
            ok = parse_dbl(optarg, &o->drain);
            break;
        case O_TEXT_BYTES:
            ok = parse_u32(optarg, &o->text_bytes) && o->text_bytes <= 4096;
            break;
        case O_HOLD:
            ok = parse_dbl(optarg, &o->hold);
            break;
        case O_SRC_ADDRS:
            ok = parse_u32(optarg, &o->src_addrs) && o->src_addrs <= 65000;
            break;
        case O_CONNECT_RATE:
            ok = parse_dbl(optarg, &o->connect_rate) && o->connect_rate > 0;
            break;
        case O_CONNECT_CONC:
            ok = parse_u32(optarg, &o->connect_concurrency) && o->connect_concurrency > 0;
            break;
        case O_LOGIN_CONC:
            ok = parse_u32(optarg, &o->login_concurrency) && o->login_concurrency > 0;
            break;
        case O_SETUP_TIMEOUT:
            ok = parse_dbl(optarg, &o->setup_timeout);
            break;
        case O_POOL:
            ok = parse_u32(optarg, &o->pool) && o->pool > 0;
            break;
        case O_SAVE:
            o->save = optarg;
            break;
        case O_RESUME:
            o->resume = optarg;
            break;
        case O_JITTER:
            ok = parse_dbl(optarg, &o->jitter);
            break;
        case O_TIMEOUT:
            ok = parse_dbl(optarg, &o->timeout) && o->timeout > 0;
            break;
        case O_BACKOFF:
            ok = parse_dbl(optarg, &o->backoff_ms) && o->backoff_ms >= 1;
            break;
        case O_BACKOFF_MAX:
            ok = parse_dbl(optarg, &o->backoff_max_ms);
            break;
        case O_SERVER_PID:
            ok = (o->server_pid = atoi(optarg)) > 0;
            break;
        case O_REDIS_PID:
            ok = (o->redis_pid = atoi(optarg)) > 0;
            break;
        case O_JSON:
            o->json = true;
            break;
        case O_QUIET:
            o->quiet = true;
            break;
        case O_NO_CLEANUP:
            o->cleanup = false;
            break;
        case O_SEED: {
            char *end;
            o->seed = strtoull(optarg, &end, 0);
            ok = end != optarg && !*end;
            break;
        }
        case O_TOPIC:
            o->topic = optarg;
            break;
        case O_CHANNEL:
            o->channel = optarg;
            break;
        case O_DISPOSITION:
            o->disposition = optarg;
            break;
        case O_CLIENT:
            o->client_name = optarg;
            break;
        case O_CUSTOMER_PATH:
            o->customer_path = optarg;
            break;
        case O_STAFF_PATH:
            o->staff_path = optarg;
            break;
        case O_LOGIN_PATH:
            o->login_path = optarg;
            break;
        case O_SUBPROTOCOL:
            o->subprotocol = optarg;
            break;
        case O_LWS_LOG:
            o->lws_log = atoi(optarg);
            break;
        default:
            return -1;
        }
        if (!ok) {
            for (const struct option *lo = g_longopts; lo->name; lo++)
                if (lo->val == ch) {
                    fprintf(stderr, "sb_loadgen: bad value for --%s: %s\n", lo->name, optarg);
                    break;
                }
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sb_loadgen: unexpected argument %s\n", argv[optind]);
        return -1;
    }
    if (!o->mode) {
        fprintf(stderr, "sb_loadgen: --mode is required\n");
        return -1;
    }
    if (!parse_url(o))
        return -1;
    if (!o->origin) {
        snprintf(o->origin_buf, sizeof o->origin_buf, "http://%s:%d", o->host, o->port);
        o->origin = o->origin_buf;
    }
    if (!o->widget_origin)
        o->widget_origin = o->origin;
    if (o->backoff_max_ms < o->backoff_ms)
        o->backoff_max_ms = o->backoff_ms;

    /* per-mode defaults and checks */
    if (!strcmp(o->mode, "relay")) {
        if (!customers_set)
            o->customers = 200;
        if (o->rate < 0)
            o->rate = 2000;
        if (!o->customers || !o->agents) {
            fprintf(stderr, "sb_loadgen: relay needs --customers and --agents above 0\n");
            return -1;
        }
    } else if (!strcmp(o->mode, "idle")) {
        if (!customers_set)
            o->customers = 2000;
        if (!agents_set)
            o->agents = 0;
    } else if (!strcmp(o->mode, "offer")) {
        if (o->rate < 0)
            o->rate = 200;
        if (o->rate <= 0 || !o->agents) {
            fprintf(stderr, "sb_loadgen: offer needs --rate and --agents above 0\n");
            return -1;
        }
        o->customers = o->pool;
    } else if (!strcmp(o->mode, "storm")) {
        if (!customers_set)
            o->customers = 200;
        if (!o->save == !o->resume) {
            fprintf(stderr, "sb_loadgen: storm needs exactly one of --save FILE, --resume FILE\n");
            return -1;
        }
    } else {
        fprintf(stderr, "sb_loadgen: unknown --mode %s (relay, idle, offer or storm)\n", o->mode);
        return -1;
    }
    if (o->agents && !o->password && !o->resume) {
        fprintf(stderr,
                "sb_loadgen: --password (or SB_LOADGEN_PASSWORD) is required with agents\n");
        return -1;
    }
    return 0;
}

/* The soft open-files limit raised to the hard one (the server does the same). */
static void raise_fd_limit(lg_opts_t *o)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        o->fd_limit = rl.rlim_cur > 1000000 ? 1000000 : (uint32_t)rl.rlim_cur;
        o->fd_hard = rl.rlim_max > UINT32_MAX ? UINT32_MAX : (uint32_t)rl.rlim_max;
    } else {
        o->fd_limit = o->fd_hard = 1024;
    }
}

/* ------------------------------------------------------------------------------------------------
 * Usage readings and the shared parts of the report
 * ---------------------------------------------------------------------------------------------- */

void lg_usage_read(lg_usage_t *u)
{
    memset(u, 0, sizeof *u);
    u->t_ns = lg_now_ns();
    u->self_cpu_ns = lg_self_cpu_ns();
    if (M.o.server_pid > 0)
        u->have_server = lg_proc_cpu_ns(M.o.server_pid, &u->server_cpu_ns) == 0;
    if (M.o.redis_pid > 0)
        u->have_redis = lg_proc_cpu_ns(M.o.redis_pid, &u->redis_cpu_ns) == 0;
}

typedef struct {
    double window_s;
    bool server, redis;
    double server_s, redis_s, self_s;
    uint64_t server_rss_kb, redis_rss_kb;
    bool have_server_rss, have_redis_rss;
} usage_fig_t;

static usage_fig_t usage_figures(const lg_usage_t *u0, const lg_usage_t *u1)
{
    usage_fig_t f = {0};
    if (u0 && u1) {
        f.window_s = (double)(u1->t_ns - u0->t_ns) / 1e9;
        f.server = u0->have_server && u1->have_server;
        f.redis = u0->have_redis && u1->have_redis;
        f.server_s = (double)(u1->server_cpu_ns - u0->server_cpu_ns) / 1e9;
        f.redis_s = (double)(u1->redis_cpu_ns - u0->redis_cpu_ns) / 1e9;
        f.self_s = (double)(u1->self_cpu_ns - u0->self_cpu_ns) / 1e9;
    }
    if (M.o.server_pid > 0)
        f.have_server_rss = lg_proc_rss_kb(M.o.server_pid, &f.server_rss_kb) == 0;
    if (M.o.redis_pid > 0)
        f.have_redis_rss = lg_proc_rss_kb(M.o.redis_pid, &f.redis_rss_kb) == 0;
    return f;
}

static double per_unit_us(double cpu_s, uint64_t work)
{
    return work ? cpu_s * 1e6 / (double)work : NAN;
}

static double pct(double cpu_s, double win)
{
    return win > 0 ? 100.0 * cpu_s / win : NAN;
}

void lg_report_usage(lg_json_t *j, const lg_usage_t *u0, const lg_usage_t *u1, uint64_t work,
                     const char *unit)
{
    usage_fig_t f = usage_figures(u0, u1);
    char key[64];
    snprintf(key, sizeof key, "cpu_us_per_%s", unit);
    lg_json_obj(j, "usage");
    lg_json_u64(j, "work", work);
    lg_json_str(j, "unit", unit);
    if (u0 && u1)
        lg_json_num(j, "window_s", f.window_s);
    if (u0 && u1 && f.server) {
        lg_json_obj(j, "server");
        lg_json_i64(j, "pid", M.o.server_pid);
        lg_json_num(j, "cpu_s", f.server_s);
        lg_json_num(j, "cpu_pct", pct(f.server_s, f.window_s));
        lg_json_num(j, key, per_unit_us(f.server_s, work));
        if (f.have_server_rss)
            lg_json_u64(j, "rss_kb", f.server_rss_kb);
        lg_json_end(j);
    }
    if (u0 && u1 && f.redis) {
        lg_json_obj(j, "redis");
        lg_json_i64(j, "pid", M.o.redis_pid);
        lg_json_num(j, "cpu_s", f.redis_s);
        lg_json_num(j, "cpu_pct", pct(f.redis_s, f.window_s));
        lg_json_num(j, key, per_unit_us(f.redis_s, work));
        if (f.have_redis_rss)
            lg_json_u64(j, "rss_kb", f.redis_rss_kb);
        lg_json_end(j);
    }
    if (u0 && u1) {
        lg_json_obj(j, "generator");
        lg_json_num(j, "cpu_s", f.self_s);
        lg_json_num(j, "cpu_pct", pct(f.self_s, f.window_s));
        lg_json_num(j, key, per_unit_us(f.self_s, work));
        lg_json_end(j);
    }
    lg_json_end(j);
}

void lg_print_usage(const lg_usage_t *u0, const lg_usage_t *u1, uint64_t work, const char *unit)
{
    if (!u0 || !u1) {
        lg_err("  CPU: no measured window");
        return;
    }
    usage_fig_t f = usage_figures(u0, u1);
    if (f.server)
        lg_err("  server CPU %.2f s (%.0f%% of a core) = %.1f us per %s over %llu%s", f.server_s,
               pct(f.server_s, f.window_s), per_unit_us(f.server_s, work), unit,
               (unsigned long long)work, f.have_server_rss ? "" : "");
    else if (M.o.server_pid > 0)
        lg_err("  server CPU: cannot read /proc/%d/stat", M.o.server_pid);
    else
        lg_err("  server CPU: not measured (give --server-pid)");
    if (f.have_server_rss)
        lg_err("  server RSS %llu KiB", (unsigned long long)f.server_rss_kb);
    if (f.redis)
        lg_err("  Redis CPU %.2f s (%.0f%%) = %.1f us per %s", f.redis_s,
               pct(f.redis_s, f.window_s), per_unit_us(f.redis_s, work), unit);
    lg_err("  generator CPU %.2f s (%.0f%% of a core) = %.1f us per %s", f.self_s,
           pct(f.self_s, f.window_s), per_unit_us(f.self_s, work), unit);
    if (pct(f.self_s, f.window_s) > 90.0)
        lg_err("  WARNING: the generator used over 90%% of a core: it may be the bottleneck");
}

void lg_report_common(lg_json_t *j)
{
    const char *codes[32];
    uint64_t counts[32];
    uint32_t n = lg_errors_list(codes, counts, 32);
    lg_json_obj(j, "errors_by_code");
    for (uint32_t i = 0; i < n; i++)
        lg_json_u64(j, codes[i], counts[i]);
    lg_json_end(j);
    const lg_net_stats_t *s = lg_net_stats();
    lg_json_obj(j, "net");
    lg_json_u64(j, "frames_out", s->frames_out);
    lg_json_u64(j, "bytes_out", s->bytes_out);
    lg_json_u64(j, "frames_in", s->frames_in);
    lg_json_u64(j, "envelopes_in", s->envs_in);
    lg_json_u64(j, "bytes_in", s->bytes_in);
    lg_json_u64(j, "bad_frames", s->bad_frames);
    lg_json_u64(j, "text_frames", s->text_frames);
    lg_json_end(j);
    lg_json_u64(j, "open_files_limit", M.o.fd_limit);
    lg_json_num(j, "generator_cpu_s_total", (double)lg_self_cpu_ns() / 1e9);

    if (n) {
        char line[512];
        size_t len = 0;
        for (uint32_t i = 0; i < n && len < sizeof line - 48; i++)
            len += (size_t)snprintf(line + len, sizeof line - len, " %s: %llu", codes[i],
                                    (unsigned long long)counts[i]);
        lg_err("  error replies by code:%s", line);
    }
    if (s->bad_frames || s->text_frames)
        lg_err("  undecodable frames %llu, text frames %llu", (unsigned long long)s->bad_frames,
               (unsigned long long)s->text_frames);
}

/* ------------------------------------------------------------------------------------------------
 * Shutdown and signals
 * ---------------------------------------------------------------------------------------------- */

/* Runs outside any lws callback (a mode may call lg_done() from inside one, where destroying the
 * context would pull the connection out from under lws). First phase of the two-phase lws
 * shutdown: the loop then runs until lws' handles are closed. */
static void stop_cb(uv_timer_t *t)
{
    uv_close((uv_handle_t *)t, NULL);
    lg_sched_close();
    lg_tq_close();
    lg_fleet_close_handles();
    lg_net_shutdown();
}

void lg_done(int exit_code)
{
    if (M.stopping)
        return;
    M.stopping = true;
    M.exit_code = exit_code;
    fflush(stdout);
    uv_timer_start(&M.stop, stop_cb, 0, 0);
}

static void signal_cb(uv_signal_t *h, int signum)
{
    (void)h;
    if (++M.signals > 1 || M.stopping) {
        /* a second signal: the user means it */
        fprintf(stderr, "sb_loadgen: %s again, exiting at once\n", strsignal(signum));
        fflush(stdout);
        _exit(1);
    }
    lg_err("%s: stopping; reporting what was measured so far", strsignal(signum));
    M.interrupt();
}

/* ------------------------------------------------------------------------------------------------
 */

int main(int argc, char **argv)
{
    lg_opts_t *o = &M.o;
    int rc = parse_options(o, argc, argv);
    if (rc > 0) {
        usage(stdout);
        return 0;
    }
    if (rc < 0) {
        fputs("Try sb_loadgen --help\n", stderr);
        return 2;
    }
    lg_log_start();
    lg_set_quiet(o->quiet);
    lg_seed(o->seed);
    raise_fd_limit(o);
    /* wake-ups of the send schedule's timerfd within microseconds (sched.c) */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

    const lg_hooks_t *hooks;
    int (*run)(void);
    if (!strcmp(o->mode, "relay")) {
        hooks = &lg_relay_hooks, run = lg_relay_run, M.interrupt = lg_relay_interrupt;
    } else if (!strcmp(o->mode, "idle")) {
        hooks = &lg_idle_hooks, run = lg_idle_run, M.interrupt = lg_idle_interrupt;
    } else if (!strcmp(o->mode, "offer")) {
        hooks = &lg_offer_hooks, run = lg_offer_run, M.interrupt = lg_offer_interrupt;
    } else {
        hooks = &lg_storm_hooks, run = lg_storm_run, M.interrupt = lg_storm_interrupt;
        if (lg_storm_prepare(o) < 0)
            return 1;
    }

    /* Customers beyond what the open-files limit allows are not attempted (idle reports it). */
    uint32_t fds = o->fd_limit > FD_RESERVE + o->agents ? o->fd_limit - FD_RESERVE - o->agents : 0;
    uint32_t ncusts = o->customers;
    if (ncusts > fds) {
        lg_err("only %u of %u customer connections fit under the open-files limit (%u, hard %u)",
               fds, o->customers, o->fd_limit, o->fd_hard);
        if (strcmp(o->mode, "idle"))
            return 1;
        ncusts = fds;
    }

    if (uv_loop_init(&M.loop)) {
        lg_err("uv_loop_init failed");
        return 1;
    }
    /* lws first: it must own its descriptors before anyone else opens any (TECH_NOTES) */
    lg_net_cfg_t nc = {
        .host = o->host,
        .port = o->port,
        .subprotocol = o->subprotocol,
        .rx_buffer_size = 8192,
        .fd_limit = o->fd_limit,
        .lws_log_level = o->lws_log,
    };
    if (lg_net_init(&M.loop, &nc) < 0) {
        uv_run(&M.loop, UV_RUN_DEFAULT);
        uv_loop_close(&M.loop);
        return 1;
    }
    uv_timer_init(&M.loop, &M.stop);
    uv_signal_init(&M.loop, &M.sigint);
    uv_signal_init(&M.loop, &M.sigterm);
    uv_signal_start(&M.sigint, signal_cb, SIGINT);
    uv_signal_start(&M.sigterm, signal_cb, SIGTERM);
    /* the signals do not keep the loop alive: the run ends when the mode's handles are closed */
    uv_unref((uv_handle_t *)&M.sigint);
    uv_unref((uv_handle_t *)&M.sigterm);
    lg_tq_init(&M.loop);
    lg_fleet_init(&M.loop, o, hooks, !strcmp(o->mode, "idle") ? 0 : o->agents, ncusts);

    if (run() < 0) {
        M.exit_code = 1;
        M.stopping = true;
        uv_timer_start(&M.stop, stop_cb, 0, 0);
    }
    uv_run(&M.loop, UV_RUN_DEFAULT);
    /* second phase of the lws shutdown, outside the loop */
    lg_net_free();
    lg_fleet_dispose();
    uv_close((uv_handle_t *)&M.sigint, NULL);
    uv_close((uv_handle_t *)&M.sigterm, NULL);
    uv_run(&M.loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&M.loop))
        lg_err("warning: handles left open at exit");
    return M.exit_code;
}
