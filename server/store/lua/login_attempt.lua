-- Failed-login counters per account and per address, in one round trip.
-- KEYS[1] account counter, KEYS[2] address counter
-- ARGV[1] mode: "check" | "fail" | "ok"; ARGV[2] window seconds;
-- ARGV[3] account limit; ARGV[4] address limit
-- check -> {0, 0} when allowed, {1, ms} when the account is locked for ms, {2, ms} for the address
-- fail  -> {account failures, address failures}
-- ok    -> {0, 0} (the account counter is cleared; the address counter is kept)
local mode = ARGV[1]
if mode == "check" then
  local a = tonumber(redis.call("GET", KEYS[1]) or "0")
  if a >= tonumber(ARGV[3]) then return {1, redis.call("PTTL", KEYS[1])} end
  local b = tonumber(redis.call("GET", KEYS[2]) or "0")
  if b >= tonumber(ARGV[4]) then return {2, redis.call("PTTL", KEYS[2])} end
  return {0, 0}
elseif mode == "fail" then
  local a = redis.call("INCR", KEYS[1])
  if a == 1 then redis.call("EXPIRE", KEYS[1], ARGV[2]) end
  local b = redis.call("INCR", KEYS[2])
  if b == 1 then redis.call("EXPIRE", KEYS[2], ARGV[2]) end
  return {a, b}
elseif mode == "ok" then
  redis.call("DEL", KEYS[1])
  return {0, 0}
end
return redis.error_reply("ERR login_attempt: unknown mode")
