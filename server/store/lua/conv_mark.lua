-- High-water marks of a participant (delivered and read), never lowered, and the same marks as
-- the other side numbers the log. A customer counts only the entries it can see (the public
-- numbers of conv_append.lua), staff count every entry; so a customer's marks are stored as public
-- numbers and told to staff as the seq of that entry, and staff marks are stored as seqs and told
-- to the customer as the public number of the last entry the customer could see at or before
-- them: a mark on a private note reads, for the customer, as a mark on the message before it.
-- KEYS[1] v:<id>, KEYS[2] v:<id>:log, KEYS[3] v:<id>:pub
-- ARGV[1] field prefix ("customer" or "agent"), ARGV[2] delivered, ARGV[3] read ("" leaves one
-- alone), in the marking participant's numbering.
-- Returns {delivered, read, changed} in the other side's numbering, changed 1 when either moved
-- as the other side sees it; {-1, -1, 0} when the conversation is gone.
local v, log, pub = KEYS[1], KEYS[2], KEYS[3]
local who = ARGV[1]
if redis.call("EXISTS", v) == 0 then return {-1, -1, 0} end

local function get(f) return tonumber(redis.call("HGET", v, f) or "0") end

-- the other side's number for one of ours
local function other(n)
  if n <= 0 then return 0 end
  if who == "customer" then return tonumber(redis.call("HGET", pub, n) or "0") end
  local e = redis.call("XRANGE", log, "0-" .. n, "0-" .. n)
  if #e ~= 1 then return 0 end
  local f = e[1][2]
  for i = 1, #f, 2 do
    if f[i] == "ps" then return tonumber(f[i + 1]) end
  end
  return 0
end

local last = get(who == "customer" and "pub" or "seq")
local out, changed = {}, 0
for i, f in ipairs({"dl:" .. who, "rd:" .. who}) do
  local cur = get(f)
  local want = ARGV[i + 1]
  local n = cur
  if want ~= "" then
    n = math.min(tonumber(want), last)
    if n > cur then redis.call("HSET", v, f, n) else n = cur end
  end
  out[i] = other(n)
  if n ~= cur and other(cur) ~= out[i] then changed = 1 end
end
out[3] = changed
return out
