/* The four modes. Each sets up its people through the fleet, runs on the loop, prints its report
 * and calls lg_done(). lg_<mode>_interrupt() is called on the first SIGINT/SIGTERM: report what
 * was measured so far. */
#ifndef LG_MODES_H
#define LG_MODES_H

#include "lg.h"
#include "report.h"

extern const lg_hooks_t lg_relay_hooks, lg_idle_hooks, lg_offer_hooks, lg_storm_hooks;

int lg_relay_run(void);
void lg_relay_interrupt(void);
int lg_idle_run(void);
void lg_idle_interrupt(void);
int lg_offer_run(void);
void lg_offer_interrupt(void);
/* Reads --resume FILE (sets o->customers to its lines, o->agents to 0); before lg_fleet_init().
 * 0 or -1 (reported). */
int lg_storm_prepare(lg_opts_t *o);
int lg_storm_run(void);
void lg_storm_interrupt(void);

/* main.c: shared parts of the reports. u0 NULL: no measured window. work: units done in the
 * window (messages, contacts) for the CPU cost per unit. */
void lg_report_usage(lg_json_t *j, const lg_usage_t *u0, const lg_usage_t *u1, uint64_t work,
                     const char *unit);
void lg_print_usage(const lg_usage_t *u0, const lg_usage_t *u1, uint64_t work, const char *unit);
/* errors by code, network counters, the open-files limit */
void lg_report_common(lg_json_t *j);

#endif
