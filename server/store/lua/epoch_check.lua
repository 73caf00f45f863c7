-- Detects that Redis restarted (its run id changed) and may have lost its last second of writes:
-- then the data epoch goes up, so clients resync instead of trusting their copies.
-- KEYS[1] epoch, KEYS[2] runid; ARGV[1] this Redis' run id, ARGV[2] now ms.
-- Returns {epoch, changed (1/0)}.
local prev = redis.call("GET", KEYS[2])
local epoch = tonumber(redis.call("GET", KEYS[1]) or "0")
if prev == ARGV[1] then return {epoch, 0} end
redis.call("SET", KEYS[2], ARGV[1])
if prev == false and epoch == 0 then
  -- No epoch at all: a new deployment, or a Redis that lost everything. Start from the clock, so
  -- the epoch differs from any a client may still hold from before.
  redis.call("SET", KEYS[1], ARGV[2])
  return {tonumber(ARGV[2]), 0}
end
epoch = redis.call("INCR", KEYS[1])
return {epoch, 1}
