#include "store/limit_store.h"

#include <stdio.h>
#include <string.h>

#include "store/keys.h"
#include "store/reply.h"
#include "util/err.h"

static int login_keys(const char *prefix, const char *username, const char *address,
                      char acct[SB_KEY_MAX], char addr[SB_KEY_MAX])
{
    return sb_key_login_account(prefix, username, acct, SB_KEY_MAX) < 0 ||
                   sb_key_login_address(prefix, address && address[0] ? address : "-", addr,
                                        SB_KEY_MAX) < 0
               ? SB_E_INVAL
               : 0;
}

/* reserve: {0, 0} granted, {1, ms} the account is at its limit, {2, ms} the address */
static void reserved_adapter(sb_store_t *s, const redisReply *r, sb_store_fn done, void *priv)
{
    (void)s;
    sb_ls_reserved_cb cb = (sb_ls_reserved_cb)done;
    int st = sb_store_reply_status(r);
    long long by = -1, ms = 0;
    if (st == 0 && sb_reply_ints(r, 2)) {
        by = r->element[0]->integer;
        ms = r->element[1]->integer;
    }
    if (st == 0 && (by < 0 || by > 2))
        st = SB_E_IO;
    sb_ls_verdict_t v = by == 1   ? SB_LS_ACCOUNT_LIMITED
                        : by == 2 ? SB_LS_ADDRESS_LIMITED
                                  : SB_LS_GRANTED;
    cb(st, v, st == 0 && by > 0 && ms > 0 ? (uint64_t)ms : 0, priv);
}

int sb_ls_login_reserve(sb_store_t *s, const char *prefix, const char *username,
                        const char *address, uint32_t window_s, uint32_t max_account,
                        uint32_t max_address, sb_ls_reserved_cb cb, void *priv)
{
    char ka[SB_KEY_MAX], kd[SB_KEY_MAX], win[16], la[16], lb[16];
    if (login_keys(prefix, username, address, ka, kd) != 0)
        return SB_E_INVAL;
    snprintf(win, sizeof win, "%u", (unsigned)window_s);
    snprintf(la, sizeof la, "%u", (unsigned)max_account);
    snprintf(lb, sizeof lb, "%u", (unsigned)max_address);
    const char *argv[] = {ka, kd, "reserve", win, la, lb};
    size_t lens[6];
    for (int i = 0; i < 6; i++)
        lens[i] = strlen(argv[i]);
    return sb_store_eval_as(s, &sb_lua_login_attempt, reserved_adapter, (sb_store_fn)cb, priv, 2, 6,
                            argv, lens);
}

int sb_ls_login_settle(sb_store_t *s, const char *prefix, const char *username, const char *address,
                       uint32_t window_s, sb_ls_outcome_t outcome)
{
    static const char *const names[] = {
        [SB_LS_OK] = "ok", [SB_LS_FAIL] = "fail", [SB_LS_SKIP] = "skip"};
    char ka[SB_KEY_MAX], kd[SB_KEY_MAX], win[16];
    if (login_keys(prefix, username, address, ka, kd) != 0)
        return SB_E_INVAL;
    snprintf(win, sizeof win, "%u", (unsigned)window_s);
    const char *argv[] = {ka, kd, "done", win, names[outcome]};
    size_t lens[5];
    for (int i = 0; i < 5; i++)
        lens[i] = strlen(argv[i]);
    return sb_store_eval_as(s, &sb_lua_login_attempt, sb_store_ignore, NULL, NULL, 2, 5, argv,
                            lens);
}
