-- One entry of a conversation's log: de-duplicated by (sender, client message id), numbered, and
-- appended, in one step, so a retried send is stored once and any process may write.
-- KEYS[1] v:<id>   KEYS[2] v:<id>:log (a stream whose entry ids are 0-<seq>)   KEYS[3] v:<id>:dedup
-- ARGV[1] sender ("c:<customer>", "a:<username>"; "" for the system), ARGV[2] client message id
-- ("" for none), ARGV[3] kind (message|note|system), ARGV[4] role, ARGV[5] name, ARGV[6] text,
-- ARGV[7] now ms, ARGV[8] system code ("" for none), ARGV[9] most entries a conversation may hold,
-- ARGV[10] retention seconds (the log and the de-duplication table expire with the conversation)
-- Returns {new (1) or duplicate (0), seq, prev public seq, ts ms, text}, or {-1, why}.
local v, log, dedup = KEYS[1], KEYS[2], KEYS[3]
local sender, cmid, kind = ARGV[1], ARGV[2], ARGV[3]
if redis.call("EXISTS", v) == 0 then return {-1, "gone"} end
local dkey = sender .. "|" .. cmid
if cmid ~= "" then
  local seen = redis.call("HGET", dedup, dkey)
  if seen then
    local e = redis.call("XRANGE", log, "0-" .. seen, "0-" .. seen)
    if #e == 1 then
      local f = e[1][2]
      local m = {}
      for i = 1, #f, 2 do m[f[i]] = f[i + 1] end
      return {0, tonumber(seen), tonumber(m.pp or "0"), tonumber(m.ts or "0"), m.t or ""}
    end
  end
end
local seq = tonumber(redis.call("HGET", v, "seq") or "0")
if seq >= tonumber(ARGV[9]) then return {-1, "full"} end
seq = redis.call("HINCRBY", v, "seq", 1)
local pp = tonumber(redis.call("HGET", v, "last_pub") or "0")
if kind ~= "note" then redis.call("HSET", v, "last_pub", seq) end
redis.call("XADD", log, "0-" .. seq, "k", kind, "r", ARGV[4], "n", ARGV[5], "t", ARGV[6],
           "ts", ARGV[7], "m", cmid, "s", ARGV[8], "pp", pp)
if cmid ~= "" then
  redis.call("HSET", dedup, dkey, seq)
  redis.call("EXPIRE", dedup, ARGV[10])
end
if seq == 1 then redis.call("EXPIRE", log, ARGV[10]) end
return {1, seq, pp, tonumber(ARGV[7]), ARGV[6]}
