-- Sign-in attempts per account and per address, counted before the password is checked.
-- KEYS[1] account counter, KEYS[2] address counter: hashes {f = failures, p = attempts being
-- checked now}. A counter lives ARGV[2] seconds from the attempt that created it, and is deleted
-- when both fields are back to 0.
--
-- reserve: ARGV[3] account limit, ARGV[4] address limit
--   -> {0, 0}: reserved (p + 1 on both); {1, ms}: the account is at its limit (failures plus
--   attempts being checked) for ms more; {2, ms}: the same for the address.
--   Because the attempt counts before its check runs, N concurrent wrong passwords can never have
--   more than the limit checked (counting after the check let 6 or 7 of 5 through).
-- done: ARGV[3] the outcome of a reserved attempt -> {0, 0}; p - 1 on both, and
--   "fail": f + 1 on both; "ok": the account's failures are cleared (the address's are kept: they
--   span accounts); "skip": the password was not checked after all (the client went away).
local mode = ARGV[1]
local window = ARGV[2]

local function load(k)
  if redis.call("TYPE", k).ok == "string" then
    -- a plain failure counter, written before attempts were reserved: keep its count and TTL
    local f = redis.call("GET", k)
    local ttl = redis.call("PTTL", k)
    redis.call("DEL", k)
    redis.call("HSET", k, "f", f)
    if ttl > 0 then redis.call("PEXPIRE", k, ttl) else redis.call("EXPIRE", k, window) end
  end
  local v = redis.call("HMGET", k, "f", "p")
  return tonumber(v[1] or "0"), tonumber(v[2] or "0")
end

local function add(k, field, n)
  redis.call("HINCRBY", k, field, n)
  if redis.call("PTTL", k) < 0 then redis.call("EXPIRE", k, window) end
end

if mode == "reserve" then
  local limits = {tonumber(ARGV[3]), tonumber(ARGV[4])}
  for i = 1, 2 do
    local f, p = load(KEYS[i])
    if f + p >= limits[i] then return {i, redis.call("PTTL", KEYS[i])} end
  end
  for i = 1, 2 do add(KEYS[i], "p", 1) end
  return {0, 0}
elseif mode == "done" then
  local outcome = ARGV[3]
  for i = 1, 2 do
    local k = KEYS[i]
    local f, p = load(k)
    -- the counter may have expired meanwhile: never leave a negative count or a key without TTL
    if p > 0 then
      redis.call("HINCRBY", k, "p", -1)
      p = p - 1
    end
    if outcome == "fail" then
      add(k, "f", 1)
      f = f + 1
    elseif outcome == "ok" and i == 1 and f > 0 then
      redis.call("HDEL", k, "f")
      f = 0
    end
    if f <= 0 and p <= 0 then redis.call("DEL", k) end
  end
  return {0, 0}
end
return redis.error_reply("ERR login_attempt: unknown mode")
