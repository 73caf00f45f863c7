/* Configuration: staff (agents, supervisors, admins) and canned responses. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_yaml.h"
#include "util/err.h"

#define S(f) offsetof(sb_cfg_staff_t, f)

static const char *const role_names[] = {"agent", "supervisor", "admin", NULL};

/* ------------------------------------------------------------------------------------------------
 * Parts of a staff member
 * ---------------------------------------------------------------------------------------------- */

/* skills: {ui-claims: 4, resea: 3}; a mapping because a person holds each skill once. */
static int read_skill_level(sb_cfg_ctx_t *ctx, yaml_node_t *key, yaml_node_t *val,
                            sb_cfg_skill_level_t *out)
{
    static const sb_cfg_field_t skill = {
        SB_CFG_F("", SB_CFGK_ID, SB_CFGF_REF_SKILL, offsetof(sb_cfg_skill_level_t, skill))};
    static const sb_cfg_field_t level = {
        SB_CFG_F("", SB_CFGK_U8, 0, offsetof(sb_cfg_skill_level_t, level)), .min = 1, .max = 5};
    char show[64];
    if (key->type != YAML_SCALAR_NODE)
        return sb_cfg_fail(ctx, key, "keys must be skill ids");
    size_t saved =
        sb_cfg_push_key(ctx, sb_cfg_show((const char *)key->data.scalar.value, show, sizeof show));
    int rc = sb_cfg_read_value(ctx, key, &skill, out);
    if (!rc && sb_cfg_is_null(val))
        rc = sb_cfg_fail(ctx, val, "needs a proficiency level from 1 to 5");
    if (!rc)
        rc = sb_cfg_read_value(ctx, val, &level, out);
    sb_cfg_pop(ctx, saved);
    return rc;
}

static int parse_staff_skills(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_staff_t *s = dst;
    if (!node)
        return 0;
    if (node->type != YAML_MAPPING_NODE)
        return sb_cfg_fail(ctx, node, "must be a mapping of skill: level, such as {ui-claims: 4}");
    yaml_node_pair_t *start = node->data.mapping.pairs.start, *top = node->data.mapping.pairs.top;
    size_t n = (size_t)(top - start);
    if (n == 0)
        return 0;
    if (!(s->skills = calloc(n, sizeof *s->skills)))
        return sb_cfg_nomem(ctx);
    s->n_skills = n;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *key = yaml_document_get_node(ctx->doc, start[i].key);
        int rc = read_skill_level(ctx, key, yaml_document_get_node(ctx->doc, start[i].value),
                                  &s->skills[i]);
        for (size_t j = 0; !rc && j < i; j++)
            if (!strcmp(s->skills[j].skill, s->skills[i].skill))
                rc = sb_cfg_fail(ctx, key, "skill '%s' is repeated", s->skills[i].skill);
        if (rc)
            return rc;
    }
    return 0;
}

typedef struct {
    uint8_t chat, call, task;
} sb_cfg_capacity_t;

#define CAP(f) offsetof(sb_cfg_capacity_t, f)

static const sb_cfg_field_t capacity_fields[] = {
    {SB_CFG_F("chat", SB_CFGK_U8, 0, CAP(chat)), .min = 0, .max = 10, .def = 3},
    {SB_CFG_F("call", SB_CFGK_U8, 0, CAP(call)), .min = 0, .max = 1, .def = 1},
    {SB_CFG_F("task", SB_CFGK_U8, 0, CAP(task)), .min = 0, .max = 10, .def = 1},
};

static int parse_capacity(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    uint8_t *cap = dst;
    sb_cfg_capacity_t c;
    int rc = sb_cfg_parse_map(ctx, node, capacity_fields, SB_CFG_NFIELDS(capacity_fields), &c);
    if (rc)
        return rc;
    /* Voice and video share one call slot: both entries carry it (config.h). */
    cap[SB_CHAN_CHAT] = c.chat;
    cap[SB_CHAN_VOICE] = cap[SB_CHAN_VIDEO] = c.call;
    cap[SB_CHAN_TASK] = c.task;
    return 0;
}

static int check_password_hash(sb_cfg_ctx_t *ctx, yaml_node_t *node, const char *hash)
{
    /* needs_rehash returns -1 exactly when libsodium cannot decode the string, i.e. a login
     * with it could never succeed. */
    if (!strncmp(hash, "$argon2id$", 10) &&
        crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_INTERACTIVE) >= 0)
        return 0;
    return sb_cfg_fail_key(ctx, node, "password_hash",
                           "must be an Argon2id hash ($argon2id$v=19$m=...); generate one with "
                           "`switchboard hash-password`");
}

/* auto_accept: [chat, voice, video, task] */
static int parse_auto_accept(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    static const sb_cfg_field_t chan = {
        .key = "", .kind = SB_CFGK_ENUM, .names = sb_cfg_channel_names};
    sb_cfg_staff_t *st = dst;
    if (!node || sb_cfg_is_null(node))
        return 0;
    if (node->type != YAML_SEQUENCE_NODE)
        return sb_cfg_fail(ctx, node, "must be a list of chat, voice, video, task");
    yaml_node_t *item;
    for (size_t i = 0; (item = sb_cfg_seq_item(ctx, node, i)); i++) {
        int c = 0;
        size_t saved = sb_cfg_push_index(ctx, i);
        int rc = sb_cfg_read_value(ctx, item, &chan, &c);
        if (!rc && st->auto_accept[c])
            rc = sb_cfg_fail(ctx, item, "'%s' is repeated", sb_cfg_channel_names[c]);
        sb_cfg_pop(ctx, saved);
        if (rc)
            return rc;
        st->auto_accept[c] = true;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * A staff member
 * ---------------------------------------------------------------------------------------------- */

static const sb_cfg_field_t staff_fields[] = {
    {SB_CFG_F("username", SB_CFGK_ID, SB_CFGF_REQUIRED, S(username))},
    {SB_CFG_F("display_name", SB_CFGK_TEXT, 0, S(display_name))},
    {SB_CFG_F("role", SB_CFGK_ENUM, 0, S(role)), .min = SB_STAFF_AGENT, .def = SB_STAFF_AGENT,
     .names = role_names},
    /* Refused before password_hash is required, so the operator reads the helpful message. */
    {SB_CFG_F("password", SB_CFGK_REFUSE, 0, 0),
     .def_str = "plain-text passwords are not accepted; put an Argon2id hash in password_hash "
                "(generate one with `switchboard hash-password`)"},
    {SB_CFG_F("password_hash", SB_CFGK_TEXT, SB_CFGF_REQUIRED, S(password_hash)), .max = 256},
    {SB_CFG_F("skills", SB_CFGK_CUSTOM, 0, 0), .parse = parse_staff_skills},
    {SB_CFG_F("languages", SB_CFGK_LANGS, SB_CFGF_UNIQUE | SB_CFGF_REF_LANG, S(languages)),
     .n_off = S(n_languages)},
    {SB_CFG_F("queues", SB_CFGK_IDS, SB_CFGF_UNIQUE | SB_CFGF_REF_QUEUE, S(queues)),
     .n_off = S(n_queues)},
    {SB_CFG_F("capacity", SB_CFGK_CUSTOM, 0, S(capacity)), .parse = parse_capacity},
    {SB_CFG_F("auto_accept", SB_CFGK_CUSTOM, 0, 0), .parse = parse_auto_accept},
};

int sb_cfg_parse_staff(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_staff_t *s = dst;
    int rc = sb_cfg_parse_map(ctx, node, staff_fields, SB_CFG_NFIELDS(staff_fields), dst);
    if (!rc)
        rc = check_password_hash(ctx, node, s->password_hash);
    /* Routing matches on language; an agent without one could never be offered anything. */
    if (!rc && s->role == SB_STAFF_AGENT && s->n_languages == 0)
        rc = sb_cfg_fail_key(ctx, node, "languages", "an agent needs at least one language");
    if (!rc && !s->display_name && !(s->display_name = sb_cfg_strdup(ctx, s->username)))
        rc = SB_E_NOMEM;
    return rc;
}

void sb_cfg_staff_dispose(sb_cfg_staff_t *s)
{
    free(s->username);
    free(s->display_name);
    free(s->password_hash);
    for (size_t i = 0; s->skills && i < s->n_skills; i++)
        free(s->skills[i].skill);
    free(s->skills);
    sb_cfg_free_strs(s->languages, s->n_languages);
    sb_cfg_free_strs(s->queues, s->n_queues);
}

/* ------------------------------------------------------------------------------------------------
 * Canned responses
 * ---------------------------------------------------------------------------------------------- */

#define C(f) offsetof(sb_cfg_canned_t, f)

static const sb_cfg_field_t canned_fields[] = {
    {SB_CFG_F("id", SB_CFGK_ID, SB_CFGF_REQUIRED, C(id))},
    {SB_CFG_F("title", SB_CFGK_TEXT, SB_CFGF_REQUIRED, C(title))},
    {SB_CFG_F("language", SB_CFGK_LANG, SB_CFGF_REF_LANG, C(language))},
    {SB_CFG_F("text", SB_CFGK_TEXT, SB_CFGF_REQUIRED | SB_CFGF_MULTILINE, C(text)), .max = 4096},
};

/* A misspelt placeholder would reach the customer verbatim ("Hello {custmer_name}"). */
static int check_placeholders(sb_cfg_ctx_t *ctx, yaml_node_t *node, const char *text)
{
    static const char *const known[] = {"{customer_name}", "{agent_name}", "{queue_name}"};
    char show[64];
    for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
        size_t i = 0;
        while (i < 3 && strncmp(p, known[i], strlen(known[i])) != 0)
            i++;
        if (i < 3)
            continue;
        const char *end = strchr(p, '}');
        size_t n = end ? (size_t)(end - p + 1) : strlen(p);
        char word[48];
        snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word - 1 ? n : sizeof word - 1), p);
        return sb_cfg_fail_key(ctx, node, "text",
                               "unknown placeholder '%s'; use {customer_name}, {agent_name} or "
                               "{queue_name}",
                               sb_cfg_show(word, show, sizeof show));
    }
    return 0;
}

int sb_cfg_parse_canned(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_canned_t *c = dst;
    int rc = sb_cfg_parse_map(ctx, node, canned_fields, SB_CFG_NFIELDS(canned_fields), dst);
    if (!rc)
        rc = check_placeholders(ctx, node, c->text);
    /* Without a language the response is in the deployment's default (first) language. */
    if (!rc && !c->language && !(c->language = sb_cfg_strdup(ctx, ctx->cfg->languages[0])))
        rc = SB_E_NOMEM;
    return rc;
}
