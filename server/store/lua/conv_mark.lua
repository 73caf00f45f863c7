-- High-water marks of a participant (delivered and read), never lowered.
-- KEYS[1] v:<id>; ARGV[1] field prefix ("customer" or "agent"), ARGV[2] delivered seq,
-- ARGV[3] read seq ("" leaves one alone). Returns {delivered, read} after the update.
local function raise(f, val)
  if val == "" then return tonumber(redis.call("HGET", KEYS[1], f) or "0") end
  local cur = tonumber(redis.call("HGET", KEYS[1], f) or "0")
  local n = tonumber(val)
  if n > cur then redis.call("HSET", KEYS[1], f, n); return n end
  return cur
end
if redis.call("EXISTS", KEYS[1]) == 0 then return {-1, -1} end
local last = tonumber(redis.call("HGET", KEYS[1], "seq") or "0")
local d, r = ARGV[2], ARGV[3]
if d ~= "" and tonumber(d) > last then d = tostring(last) end
if r ~= "" and tonumber(r) > last then r = tostring(last) end
return {raise("dl:" .. ARGV[1], d), raise("rd:" .. ARGV[1], r)}
