/* Reading replies: the helpers the typed stores (store/<noun>_store.c) parse Redis replies with, so
 * that a reply's shape is checked the same way everywhere. Each takes any reply, NULL included,
 * and answers "absent" for whatever is not the expected shape: an element out of range, nil, or
 * of another type. Strings point into the reply (valid until the callback returns). */
#ifndef SB_STORE_REPLY_H
#define SB_STORE_REPLY_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Element i of an array reply, or NULL. */
const redisReply *sb_reply_elem(const redisReply *r, size_t i);
/* The string of a string reply (NUL-terminated by hiredis), or NULL. */
const char *sb_reply_str(const redisReply *r);
/* Element i as a string, or NULL. */
const char *sb_reply_str_at(const redisReply *r, size_t i);
/* Element i as a decimal string's value, 0 when absent. */
uint64_t sb_reply_u64_at(const redisReply *r, size_t i);
/* True and *v when element i is an integer reply. */
bool sb_reply_int_at(const redisReply *r, size_t i, long long *v);
/* True when r is an array of exactly n integers (a script's tuple of numbers). */
bool sb_reply_ints(const redisReply *r, size_t n);
/* True when an array reply holds at least one string (an HMGET found the hash). */
bool sb_reply_any_str(const redisReply *r);
/* The value of field `name` in a flat field/value array (HGETALL, a stream entry), or NULL. */
const char *sb_reply_field(const redisReply *r, const char *name);
/* True when r is an error reply whose code (its first word) is `code`. */
bool sb_reply_error_is(const redisReply *r, const char *code);

#endif
