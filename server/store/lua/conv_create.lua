-- A new conversation (the log of one customer's interaction, across its segments), unless the
-- customer is blocked or their address opened too many conversations lately.
-- KEYS[1] v:<id>, KEYS[2] block:<customer>, KEYS[3] rl:conv:<address>
-- ARGV[1] customer id, ARGV[2] name, ARGV[3] topic, ARGV[4] language, ARGV[5] claim ref,
-- ARGV[6] now ms, ARGV[7] contact id (the first segment), ARGV[8] retention seconds,
-- ARGV[9] conversations allowed per address per window, ARGV[10] the window in seconds
-- Returns 1 when created, 0 when the id exists, -1 when blocked, -2 past the address limit.
if redis.call("EXISTS", KEYS[2]) == 1 then return -1 end
local n = redis.call("INCR", KEYS[3])
if n == 1 then redis.call("EXPIRE", KEYS[3], ARGV[10]) end
if n > tonumber(ARGV[9]) then return -2 end
if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
redis.call("HSET", KEYS[1], "customer", ARGV[1], "name", ARGV[2], "topic", ARGV[3],
           "lang", ARGV[4], "claim_ref", ARGV[5], "created_ms", ARGV[6], "contact", ARGV[7],
           "segments", ARGV[7], "seq", 0, "pub", 0, "state", "open")
-- an abandoned creation (the contact never made it) does not stay forever
redis.call("EXPIRE", KEYS[1], ARGV[8])
return 1
