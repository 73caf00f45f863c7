/* Configuration: queues (channels, skills, service level, overflow, relaxation) and the widget's
 * topics that lead to them. Hours of operation are in config_hours.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_yaml.h"
#include "util/err.h"

#define Q(f)              offsetof(sb_cfg_queue_t, f)
#define SB_CFG_MAX_WAIT_S (30u * 86400) /* tasks may wait for days; a month is the ceiling */

static const char *const overflow_names[] = {"none", "queue", "message", "callback", NULL};
static const char *const key_skill[] = {"skill", NULL};

/* ------------------------------------------------------------------------------------------------
 * Parts of a queue
 * ---------------------------------------------------------------------------------------------- */

static const sb_cfg_field_t req_fields[] = {
    {SB_CFG_F("skill", SB_CFGK_ID, SB_CFGF_REQUIRED | SB_CFGF_REF_SKILL,
              offsetof(sb_cfg_skill_req_t, skill))},
    {SB_CFG_F("min", SB_CFGK_U8, 0, offsetof(sb_cfg_skill_req_t, min)), .min = 1, .max = 5,
     .def = 1},
};

static int parse_req(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    return sb_cfg_parse_map(ctx, node, req_fields, SB_CFG_NFIELDS(req_fields), dst);
}

static int parse_channels(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    static const sb_cfg_field_t chan = {
        .key = "", .kind = SB_CFGK_ENUM, .names = sb_cfg_channel_names};
    sb_cfg_queue_t *q = dst;
    if (node->type != YAML_SEQUENCE_NODE || !sb_cfg_seq_item(ctx, node, 0))
        return sb_cfg_fail(ctx, node, "must be a non-empty list of chat, voice, video, task");
    yaml_node_t *item;
    for (size_t i = 0; (item = sb_cfg_seq_item(ctx, node, i)); i++) {
        int c = 0;
        size_t saved = sb_cfg_push_index(ctx, i);
        int rc = sb_cfg_read_value(ctx, item, &chan, &c);
        if (!rc && q->channels[c])
            rc = sb_cfg_fail(ctx, item, "'%s' is repeated", sb_cfg_channel_names[c]);
        sb_cfg_pop(ctx, saved);
        if (rc)
            return rc;
        q->channels[c] = true;
    }
    /* Tasks are ordered by due time and never interrupt a live contact; a queue mixing them with
     * live channels would have no single ordering key. */
    bool live =
        q->channels[SB_CHAN_CHAT] || q->channels[SB_CHAN_VOICE] || q->channels[SB_CHAN_VIDEO];
    if (live && q->channels[SB_CHAN_TASK])
        return sb_cfg_fail(ctx, node,
                           "task cannot share a queue with chat, voice or video "
                           "(tasks are ordered by due time); use a separate queue");
    return 0;
}

static const sb_cfg_field_t service_level_fields[] = {
    {SB_CFG_F("percent", SB_CFGK_U8, 0, Q(sl_percent)), .min = 1, .max = 100, .def = 80},
    {SB_CFG_F("threshold_s", SB_CFGK_U32, 0, Q(sl_threshold_s)), .min = 1, .max = SB_CFG_MAX_WAIT_S,
     .def = 60},
};

static int parse_service_level(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    return sb_cfg_parse_map(ctx, node, service_level_fields, SB_CFG_NFIELDS(service_level_fields),
                            dst);
}

static const sb_cfg_field_t overflow_fields[] = {
    {SB_CFG_F("kind", SB_CFGK_ENUM, 0, Q(overflow)), .def = SB_OVERFLOW_NONE,
     .names = overflow_names},
    {SB_CFG_F("queue", SB_CFGK_ID, 0, Q(overflow_queue))},
};

static int parse_overflow(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    /* Whether the target exists is checked once every queue is read (sb_cfg_check_queues). */
    sb_cfg_queue_t *q = dst;
    int rc = sb_cfg_parse_map(ctx, node, overflow_fields, SB_CFG_NFIELDS(overflow_fields), dst);
    if (rc)
        return rc;
    if (q->overflow == SB_OVERFLOW_QUEUE && !q->overflow_queue)
        return sb_cfg_fail_key(ctx, node, "queue", "is required when kind is queue");
    if (q->overflow != SB_OVERFLOW_QUEUE && q->overflow_queue)
        return sb_cfg_fail_key(ctx, node, "queue", "only applies when kind is queue");
    if (q->overflow_queue && !strcmp(q->overflow_queue, q->id))
        return sb_cfg_fail_key(ctx, node, "queue", "a queue cannot overflow into itself");
    return 0;
}

static const sb_cfg_field_t relax_fields[] = {
    {SB_CFG_F("after_s", SB_CFGK_U32, SB_CFGF_REQUIRED, offsetof(sb_cfg_relax_step_t, after_s)),
     .min = 1, .max = SB_CFG_MAX_WAIT_S},
    {SB_CFG_F("skills", SB_CFGK_LIST, SB_CFGF_REQUIRED | SB_CFGF_UNIQUE,
              offsetof(sb_cfg_relax_step_t, skills)),
     .n_off = offsetof(sb_cfg_relax_step_t, n_skills), .names = key_skill,
     .elem_size = sizeof(sb_cfg_skill_req_t), .parse = parse_req},
};

static int parse_relax_step(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    return sb_cfg_parse_map(ctx, node, relax_fields, SB_CFG_NFIELDS(relax_fields), dst);
}

/* ------------------------------------------------------------------------------------------------
 * A queue
 * ---------------------------------------------------------------------------------------------- */

static const sb_cfg_field_t queue_fields[] = {
    {SB_CFG_F("id", SB_CFGK_ID, SB_CFGF_REQUIRED, Q(id))},
    {SB_CFG_F("name", SB_CFGK_TEXT, 0, Q(name))},
    {SB_CFG_F("channels", SB_CFGK_CUSTOM, SB_CFGF_REQUIRED, 0), .parse = parse_channels},
    {SB_CFG_F("skills", SB_CFGK_LIST, SB_CFGF_UNIQUE, Q(skills)), .n_off = Q(n_skills),
     .names = key_skill, .elem_size = sizeof(sb_cfg_skill_req_t), .parse = parse_req},
    {SB_CFG_F("languages", SB_CFGK_LANGS,
              SB_CFGF_REQUIRED | SB_CFGF_NONEMPTY | SB_CFGF_UNIQUE | SB_CFGF_REF_LANG,
              Q(languages)),
     .n_off = Q(n_languages)},
    {SB_CFG_F("priority", SB_CFGK_U8, 0, Q(priority)), .min = 1, .max = 10, .def = 5},
    {SB_CFG_F("service_level", SB_CFGK_CUSTOM, 0, 0), .parse = parse_service_level},
    {SB_CFG_F("offer_timeout_s", SB_CFGK_U32, 0, Q(offer_timeout_s)), .min = 5, .max = 600,
     .def = 30},
    {SB_CFG_F("strategy", SB_CFGK_ENUM, 0, Q(strategy)), .def = SB_STRATEGY_LONGEST_IDLE,
     .names = sb_cfg_strategy_names},
    {SB_CFG_F("wrapup_limit_s", SB_CFGK_U32, 0, Q(wrapup_limit_s)), .min = 0, .max = 3600,
     .def = 120},
    {SB_CFG_F("max_wait_s", SB_CFGK_U32, 0, Q(max_wait_s)), .min = 0, .max = SB_CFG_MAX_WAIT_S},
    {SB_CFG_F("overflow", SB_CFGK_CUSTOM, 0, 0), .parse = parse_overflow},
    {SB_CFG_F("relax", SB_CFGK_LIST, 0, Q(relax)), .n_off = Q(n_relax),
     .elem_size = sizeof(sb_cfg_relax_step_t), .parse = parse_relax_step},
    {SB_CFG_F("hours", SB_CFGK_CUSTOM, 0, 0), .parse = sb_cfg_parse_hours},
};

static const sb_cfg_skill_req_t *find_req(const sb_cfg_skill_req_t *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].skill, id))
            return &v[i];
    return NULL;
}

/* Relaxation only widens: each step may lower or drop what the previous one required. */
static int check_step_skills(sb_cfg_ctx_t *ctx, yaml_node_t *step_node,
                             const sb_cfg_relax_step_t *step, const sb_cfg_skill_req_t *prev,
                             size_t n_prev)
{
    yaml_node_t *list = sb_cfg_map_get(ctx, step_node, "skills");
    int rc = 0;
    for (size_t j = 0; j < step->n_skills && !rc; j++) {
        const sb_cfg_skill_req_t *r = &step->skills[j], *p = find_req(prev, n_prev, r->skill);
        size_t saved = sb_cfg_push_key(ctx, "skills");
        sb_cfg_push_index(ctx, j);
        yaml_node_t *item = sb_cfg_seq_item(ctx, list, j);
        if (!p)
            rc = sb_cfg_fail_key(ctx, item, "skill",
                                 "'%s' was not required before this step; relaxing can only "
                                 "lower or drop requirements",
                                 r->skill);
        else if (r->min > p->min)
            rc = sb_cfg_fail_key(ctx, item, "min",
                                 "must not be above the previous requirement (%u), got %u; "
                                 "relaxing can only lower requirements",
                                 p->min, r->min);
        sb_cfg_pop(ctx, saved);
    }
    return rc;
}

static int check_relax(sb_cfg_ctx_t *ctx, yaml_node_t *qnode, const sb_cfg_queue_t *q)
{
    yaml_node_t *list = sb_cfg_map_get(ctx, qnode, "relax");
    int rc = 0;
    for (size_t k = 0; k < q->n_relax && !rc; k++) {
        const sb_cfg_relax_step_t *s = &q->relax[k], *prev = k ? &q->relax[k - 1] : NULL;
        yaml_node_t *node = sb_cfg_seq_item(ctx, list, k);
        size_t saved = sb_cfg_push_key(ctx, "relax");
        sb_cfg_push_index(ctx, k);
        if (prev && s->after_s <= prev->after_s)
            rc = sb_cfg_fail_key(ctx, node, "after_s",
                                 "must be greater than the previous step's (%u), got %u",
                                 prev->after_s, s->after_s);
        else if (q->max_wait_s && s->after_s >= q->max_wait_s)
            rc = sb_cfg_fail_key(ctx, node, "after_s",
                                 "must be below max_wait_s (%u), got %u; the step would never "
                                 "apply",
                                 q->max_wait_s, s->after_s);
        else
            rc = check_step_skills(ctx, node, s, prev ? prev->skills : q->skills,
                                   prev ? prev->n_skills : q->n_skills);
        sb_cfg_pop(ctx, saved);
    }
    return rc;
}

int sb_cfg_parse_queue(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_queue_t *q = dst;
    int rc = sb_cfg_parse_map(ctx, node, queue_fields, SB_CFG_NFIELDS(queue_fields), dst);
    if (!rc && !q->name && !(q->name = sb_cfg_strdup(ctx, q->id)))
        rc = SB_E_NOMEM;
    if (!rc)
        rc = check_relax(ctx, node, q);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Checks across queues, once all are read
 * ---------------------------------------------------------------------------------------------- */

/* A contact that overflows must be servable there: same channels, same language. */
static int check_overflow_fits(sb_cfg_ctx_t *ctx, yaml_node_t *at, const sb_cfg_queue_t *q,
                               const sb_cfg_queue_t *t)
{
    for (int c = 0; c < SB_CHAN__COUNT; c++)
        if (q->channels[c] && !t->channels[c])
            return sb_cfg_fail(ctx, at, "queue '%s' does not take %s, which this queue takes",
                               t->id, sb_cfg_channel_names[c]);
    for (size_t i = 0; i < q->n_languages; i++)
        if (sb_cfg_find_id((const char *const *)t->languages, t->n_languages, sizeof(char *),
                           q->languages[i]) < 0)
            return sb_cfg_fail(ctx, at,
                               "queue '%s' does not serve language '%s', which this "
                               "queue serves",
                               t->id, q->languages[i]);
    return 0;
}

/* Following overflow targets from `q` must end somewhere other than `q`. */
static int check_overflow_loop(sb_cfg_ctx_t *ctx, yaml_node_t *at, const sb_cfg_queue_t *q)
{
    char chain[256];
    int off = snprintf(chain, sizeof chain, "%s", q->id);
    const sb_cfg_queue_t *t = q;
    for (size_t steps = 0; steps <= ctx->cfg->n_queues; steps++) {
        if (t->overflow != SB_OVERFLOW_QUEUE)
            return 0;
        t = sb_config_find_queue(ctx->cfg, t->overflow_queue);
        if (!t)
            return 0; /* reported for the queue that names it */
        if (off >= 0 && (size_t)off < sizeof chain)
            off += snprintf(chain + off, sizeof chain - (size_t)off, " -> %s", t->id);
        if (t == q)
            return sb_cfg_fail(ctx, at, "overflow comes back to this queue (%s)", chain);
    }
    return 0; /* a loop not through q is reported for the queues on it */
}

static int check_overflow(sb_cfg_ctx_t *ctx, yaml_node_t *qnode, const sb_cfg_queue_t *q)
{
    char show[64];
    yaml_node_t *at = sb_cfg_map_get(ctx, sb_cfg_map_get(ctx, qnode, "overflow"), "queue");
    const sb_cfg_queue_t *t = sb_config_find_queue(ctx->cfg, q->overflow_queue);
    size_t saved = sb_cfg_push_key(ctx, "overflow");
    sb_cfg_push_key(ctx, "queue");
    int rc;
    if (!t)
        rc = sb_cfg_fail(ctx, at, "unknown queue '%s' (not listed under queues)",
                         sb_cfg_show(q->overflow_queue, show, sizeof show));
    else
        rc = check_overflow_fits(ctx, at, q, t);
    if (!rc)
        rc = check_overflow_loop(ctx, at, q);
    sb_cfg_pop(ctx, saved);
    return rc;
}

int sb_cfg_check_queues(sb_cfg_ctx_t *ctx, yaml_node_t *queues)
{
    int rc = 0;
    for (size_t i = 0; i < ctx->cfg->n_queues && !rc; i++) {
        const sb_cfg_queue_t *q = &ctx->cfg->queues[i];
        if (q->overflow != SB_OVERFLOW_QUEUE)
            continue;
        size_t saved = sb_cfg_push_key(ctx, "queues");
        sb_cfg_push_index(ctx, i);
        rc = check_overflow(ctx, sb_cfg_seq_item(ctx, queues, i), q);
        sb_cfg_pop(ctx, saved);
    }
    return rc;
}

void sb_cfg_queue_dispose(sb_cfg_queue_t *q)
{
    free(q->id);
    free(q->name);
    for (size_t i = 0; q->skills && i < q->n_skills; i++)
        free(q->skills[i].skill);
    free(q->skills);
    sb_cfg_free_strs(q->languages, q->n_languages);
    free(q->overflow_queue);
    for (size_t k = 0; q->relax && k < q->n_relax; k++) {
        for (size_t i = 0; q->relax[k].skills && i < q->relax[k].n_skills; i++)
            free(q->relax[k].skills[i].skill);
        free(q->relax[k].skills);
    }
    free(q->relax);
    sb_cfg_hours_dispose(q);
}

/* ------------------------------------------------------------------------------------------------
 * Topics
 * ---------------------------------------------------------------------------------------------- */

#define T(f) offsetof(sb_cfg_topic_t, f)

static const sb_cfg_field_t label_fields[] = {
    {SB_CFG_F("en", SB_CFGK_TEXT, SB_CFGF_REQUIRED, T(label_en))},
    {SB_CFG_F("es", SB_CFGK_TEXT, 0, T(label_es))},
};

static int parse_label(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    return sb_cfg_parse_map(ctx, node, label_fields, SB_CFG_NFIELDS(label_fields), dst);
}

static const sb_cfg_field_t topic_fields[] = {
    {SB_CFG_F("id", SB_CFGK_ID, SB_CFGF_REQUIRED, T(id))},
    {SB_CFG_F("queue", SB_CFGK_ID, SB_CFGF_REQUIRED | SB_CFGF_REF_QUEUE, T(queue))},
    {SB_CFG_F("label", SB_CFGK_CUSTOM, SB_CFGF_REQUIRED, 0), .parse = parse_label},
};

int sb_cfg_parse_topic(sb_cfg_ctx_t *ctx, yaml_node_t *node, void *dst)
{
    sb_cfg_topic_t *t = dst;
    int rc = sb_cfg_parse_map(ctx, node, topic_fields, SB_CFG_NFIELDS(topic_fields), dst);
    if (rc)
        return rc;
    /* Customers pick a topic in the widget; a task-only queue is unreachable from there. */
    const sb_cfg_queue_t *q = sb_config_find_queue(ctx->cfg, t->queue);
    if (!q->channels[SB_CHAN_CHAT] && !q->channels[SB_CHAN_VOICE] && !q->channels[SB_CHAN_VIDEO])
        return sb_cfg_fail_key(ctx, node, "queue",
                               "queue '%s' takes only tasks; a topic needs a queue customers can "
                               "reach by chat, voice or video",
                               t->queue);
    return 0;
}
