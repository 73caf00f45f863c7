-- A customer's resume token (stored by its hash) and what it is bound to.
-- KEYS[1] rtok:<hash>
-- ARGV[1] mode: "new" | "resume" | "touch"; ARGV[2] ttl s;
-- new:    ARGV[3] customer id, ARGV[4] created ms, ARGV[5] language -> 1, or 0 if the hash exists
-- resume: -> {customer id, language, open contact id or ""} and the TTL restarts, or nil when
--         unknown or expired
-- touch:  restarts the TTL -> 1, or 0 when gone
local mode = ARGV[1]
if mode == "new" then
  if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
  redis.call("HSET", KEYS[1], "customer_id", ARGV[3], "created_ms", ARGV[4], "lang", ARGV[5])
  redis.call("EXPIRE", KEYS[1], ARGV[2])
  return 1
elseif mode == "resume" then
  local v = redis.call("HMGET", KEYS[1], "customer_id", "lang", "contact")
  if not v[1] then return nil end
  redis.call("EXPIRE", KEYS[1], ARGV[2])
  return {v[1], v[2] or "", v[3] or ""}
elseif mode == "touch" then
  return redis.call("EXPIRE", KEYS[1], ARGV[2])
end
return redis.error_reply("ERR customer_token: unknown mode")
