-- The customer's rating of a finished conversation, once: kept on the conversation and appended
-- to the export stream as a "csat" record (joined to the conversation record by its id).
-- KEYS[1] v:<id>, KEYS[2] export; ARGV[1] conversation id, ARGV[2] score 1-5, ARGV[3] comment
-- (masked), ARGV[4] now ms, ARGV[5] export stream length, ARGV[6] retention seconds.
-- Returns 1 when recorded, 0 when already rated, -1 when the conversation is gone.
--! include retained.lua
if redis.call("EXISTS", KEYS[1]) == 0 then return -1 end
if redis.call("HSETNX", KEYS[1], "csat", ARGV[2]) == 0 then return 0 end
redis.call("HSET", KEYS[1], "csat_comment", ARGV[3], "csat_ms", ARGV[4])
local conv = redis.call("HMGET", KEYS[1], "customer", "contact", "segments")
local record = {
  type = "csat",
  conversation_id = ARGV[1],
  customer_id = conv[1],
  last_contact_id = conv[2],
  score = tonumber(ARGV[2]),
  comment = ARGV[3],
  ts_ms = tonumber(ARGV[4]),
}
append_retained(KEYS[2], ARGV[4], tonumber(ARGV[6]) * 1000, ARGV[5], "type", "csat",
                "conversation_id", ARGV[1], "json", cjson.encode(record))
return 1
