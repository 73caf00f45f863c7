/* Setting up answered chats: every agent logged in and available, then every customer connected
 * with a chat request that an agent accepted. Used by relay and by storm's first phase. The mode
 * forwards the fleet hooks below to these functions while lg_setup_active() is true. */
#ifndef LG_SETUP_H
#define LG_SETUP_H

#include "lg.h"

/* ready: customers with an answered chat; failed: the others. */
typedef void (*lg_setup_done_fn)(uint32_t ready, uint32_t failed);

void lg_setup_start(lg_setup_done_fn done);
bool lg_setup_active(void);

void lg_setup_agents_ready(void);
void lg_setup_customer_hello(lg_customer_t *c, const msgpack_object *b, uint64_t now);
void lg_setup_customer_assigned(lg_customer_t *c, uint64_t now);
void lg_setup_customer_refused(lg_customer_t *c, const char *code);
void lg_setup_customer_closed(lg_customer_t *c, int code, const char *why);

#endif
