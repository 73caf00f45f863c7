-- One batch of statistics into one bucket hash (server/stats/stats.c, docs/redis-keys.md
-- "Statistics"), applied at most once: a batch number already recorded is not applied again.
-- KEYS[1] bucket hash; ARGV[1] marker field "_w:<instance>", ARGV[2] batch number (grows within a
-- process), ARGV[3] expiry in seconds, ARGV[4] number of increments, then field/increment pairs,
-- then field/value pairs to set. The marker is the first write: a write refused for memory (OOM
-- is checked at a script's first write) changes nothing. pcall keeps one corrupted field from
-- leaving the batch half applied. Returns {1, fields refused} or {0, 0} for a batch already
-- applied.
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') or 0
if last >= tonumber(ARGV[2]) then
  return {0, 0}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local bad = 0
local i = 5
for _ = 1, tonumber(ARGV[4]) do
  if not pcall(redis.call, 'HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) then
    bad = bad + 1
  end
  i = i + 2
end
while i < #ARGV do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, bad}
