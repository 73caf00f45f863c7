-- A customer's chat.sync: the entries after public number ARGV[1] that a customer may see (every
-- entry but private notes), numbered as the customer numbers them (conv_append.lua), at most
-- ARGV[2] of them. Staff read the log directly (XRANGE): they see every entry by its seq.
-- KEYS[1] v:<id>:log, KEYS[2] v:<id>:pub (public number -> seq)
-- Returns XRANGE's shape, {{"0-<public number>", {field, value, ...}}, ...}, notes left out.
local log, pub = KEYS[1], KEYS[2]
local after, want = tonumber(ARGV[1]), tonumber(ARGV[2])
local first = redis.call("HGET", pub, after + 1)
if not first then return {} end
-- up to the entry with the last wanted public number, or to the end when there are fewer
local last = redis.call("HGET", pub, after + want)
local out = {}
for _, e in ipairs(redis.call("XRANGE", log, "0-" .. first, last and ("0-" .. last) or "+")) do
  local f = e[2]
  local kind, ps
  for i = 1, #f, 2 do
    if f[i] == "k" then kind = f[i + 1] elseif f[i] == "ps" then ps = f[i + 1] end
  end
  if kind ~= "note" and ps then out[#out + 1] = {"0-" .. ps, f} end
end
return out
