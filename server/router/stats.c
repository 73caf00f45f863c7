/* Routing commits as contact-center statistics (stats/stats.h, DESIGN.md "Metric
 * definitions"). Called for every announced commit, so only what Redis accepted is counted. */
#include <stdio.h>
#include <string.h>

#include "router/router_internal.h"
#include "stats/stats.h"

static const char *queue_id(const sb_router_t *R, uint32_t q)
{
    return q < R->n_queue_ids ? R->queue_ids[q] : NULL;
}

static const char *agent_id(const sb_router_t *R, uint32_t ai)
{
    return ai < R->n_agent_ids ? R->agent_ids[ai] : NULL;
}

static bool is_conversation(sb_channel_t ch)
{
    return ch != SB_CHAN_TASK;
}

/* Concurrency is counted once per conversation: +1 when answered, -1 when it stops (ended,
 * re-queued); `counted` keeps a reload or a repeated commit from counting twice. */
static void concurrency(sb_router_t *R, cside_t *cs, const char *queue, const char *agent,
                        sb_channel_t ch, bool on)
{
    sb_stats_t *st = R->app->stats;
    if (!st || !cs || !is_conversation(ch) || cs->counted == on)
        return;
    cs->counted = on;
    if (on) {
        snprintf(cs->counted_queue, sizeof cs->counted_queue, "%s", queue ? queue : "");
        snprintf(cs->counted_agent, sizeof cs->counted_agent, "%s", agent ? agent : "");
        sb_stats_concurrency(st, queue, agent, +1);
    } else {
        sb_stats_concurrency(st, cs->counted_queue[0] ? cs->counted_queue : NULL,
                             cs->counted_agent[0] ? cs->counted_agent : NULL, -1);
    }
}

void rtr_stats_commit(sb_router_t *R, cside_t *cs, const sb_rcommit_t *cm)
{
    sb_stats_t *st = R->app->stats;
    if (!st)
        return;
    const sb_config_t *cfg = R->app->cfg;
    const char *q = queue_id(R, cm->queue), *a = agent_id(R, cm->agent);
    uint64_t now = cm->now_ms;
    switch (cm->kind) {
    case SB_COMMIT_CREATE:
        if (cm->offer_with_create)
            sb_stats_offer(st, q, a, SB_OFFER_OFFERED, now);
        break;
    case SB_COMMIT_OFFER:
        sb_stats_offer(st, q, a, SB_OFFER_OFFERED, now);
        break;
    case SB_COMMIT_ACCEPT: {
        sb_stats_offer(st, q, a, SB_OFFER_ACCEPTED, now);
        const sb_cfg_queue_t *cq = rtr_queue_cfg(R, cm->queue);
        uint64_t since = cm->segment_ms ? cm->segment_ms : now;
        uint64_t wait = now > since ? now - since : 0;
        sb_stats_answered(st, q, a, cm->channel, wait,
                          cq ? (uint64_t)cq->sl_threshold_s * 1000u : 60000u, now);
        concurrency(R, cs, q, a, cm->channel, true);
        break;
    }
    case SB_COMMIT_RETURN:
        if (cm->return_reason == 0)
            sb_stats_offer(st, q, a, SB_OFFER_DECLINED, now);
        else if (cm->return_reason == 1)
            sb_stats_offer(st, q, a, SB_OFFER_TIMED_OUT, now);
        if (cm->agent_to_away && a)
            sb_stats_agent_status_begin(st, a, "away", cfg->routing.missed_offers_reason, now);
        break;
    case SB_COMMIT_CANCEL:
        /* only a customer who left is an abandon: not an overflow, a removed queue, a
         * declined transfer */
        if (cm->cancel == SB_CANCEL_ABANDONED || cm->cancel == SB_CANCEL_CUSTOMER_DISCONNECTED) {
            uint64_t since = cm->segment_ms ? cm->segment_ms : now;
            sb_stats_abandoned(st, q, cm->channel, now > since ? now - since : 0,
                               (uint64_t)cfg->routing.short_abandon_s * 1000u, now);
        }
        break;
    case SB_COMMIT_REQUEUE:
        concurrency(R, cs, q, a, cm->channel, false);
        break;
    case SB_COMMIT_END:
        if (cs && cs->customer_gone)
            sb_stats_customer_disconnected(st, q, a, now);
        concurrency(R, cs, q, a, cm->channel, false);
        break;
    case SB_COMMIT_COMPLETE:
        if (cm->assigned_ms && cm->wrap_started_ms) {
            uint64_t talk =
                cm->wrap_started_ms > cm->assigned_ms ? cm->wrap_started_ms - cm->assigned_ms : 0;
            uint64_t wrap = now > cm->wrap_started_ms ? now - cm->wrap_started_ms : 0;
            sb_stats_handled(st, q, a, cm->channel, talk, wrap, cm->flagged, now);
        }
        break;
    case SB_COMMIT_AGENT:
        if (a)
            sb_stats_agent_status_begin(st, a, sb_agent_status_name(cm->status),
                                        cm->status == SB_AGENT_AWAY &&
                                                cm->reason < cfg->n_away_reasons
                                            ? cfg->away_reasons[cm->reason]
                                            : NULL,
                                        now);
        break;
    default:
        break;
    }
}

void rtr_stats_reloaded(sb_router_t *R, cside_t *cs, const sb_rcontact_t *c)
{
    if (!cs)
        return;
    bool held = c->state == SB_CSTATE_ASSIGNED;
    concurrency(R, cs, queue_id(R, c->queue), agent_id(R, c->agent), c->channel, held);
}

void rtr_stats_agents_loaded(sb_router_t *R, uint64_t now)
{
    sb_stats_t *st = R->app->stats;
    const sb_config_t *cfg = R->app->cfg;
    for (uint32_t ai = 0; st && ai < R->n_agent_ids; ai++) {
        sb_ragent_view_t v;
        if (!sb_route_agent_view(R->eng, ai, &v))
            continue;
        sb_stats_agent_status_begin(st, R->agent_ids[ai], sb_agent_status_name(v.status),
                                    v.status == SB_AGENT_AWAY && v.reason < cfg->n_away_reasons
                                        ? cfg->away_reasons[v.reason]
                                        : NULL,
                                    now);
    }
}
