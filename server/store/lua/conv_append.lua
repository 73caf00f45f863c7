-- One entry of a conversation's log: de-duplicated by (sender, client message id), numbered, and
-- appended, in one step, so a retried send is stored once and any process may write.
-- Two numberings: `seq` counts every entry (what staff see); `ps` counts only the entries a
-- customer may see (everything but private notes), so the numbers a customer holds are 1, 2, 3...
-- with no gap where a note was written (DESIGN.md principle 4: a note must neither look like loss
-- nor be inferable). v:<id>:pub maps each public number to its seq, for the customer's sync and
-- receipts. A note records in `ps` the public number before it.
-- KEYS[1] v:<id>   KEYS[2] v:<id>:log (a stream whose entry ids are 0-<seq>)   KEYS[3] v:<id>:dedup
-- KEYS[4] v:<id>:pub (public number -> seq)
-- ARGV[1] sender ("c:<customer>", "a:<username>"; "" for the system), ARGV[2] client message id
-- ("" for none), ARGV[3] kind (message|note|system), ARGV[4] role, ARGV[5] name, ARGV[6] text,
-- ARGV[7] now ms, ARGV[8] system code ("" for none), ARGV[9] most entries a conversation may hold,
-- ARGV[10] retention seconds (the log and the de-duplication table expire with the conversation)
-- Returns {new (1) or duplicate (0), seq, public number, ts ms, text}, or {-1, why}.
local v, log, dedup, pub = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
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
      return {0, tonumber(seen), tonumber(m.ps or "0"), tonumber(m.ts or "0"), m.t or ""}
    end
  end
end
local seq = tonumber(redis.call("HGET", v, "seq") or "0")
if seq >= tonumber(ARGV[9]) then return {-1, "full"} end
seq = redis.call("HINCRBY", v, "seq", 1)
local ps
if kind == "note" then
  ps = tonumber(redis.call("HGET", v, "pub") or "0")
else
  ps = redis.call("HINCRBY", v, "pub", 1)
  redis.call("HSET", pub, ps, seq)
end
redis.call("XADD", log, "0-" .. seq, "k", kind, "r", ARGV[4], "n", ARGV[5], "t", ARGV[6],
           "ts", ARGV[7], "m", cmid, "s", ARGV[8], "ps", ps)
if cmid ~= "" then
  redis.call("HSET", dedup, dkey, seq)
  redis.call("EXPIRE", dedup, ARGV[10])
end
if seq == 1 then redis.call("EXPIRE", log, ARGV[10]) end
if ps == 1 and kind ~= "note" then redis.call("EXPIRE", pub, ARGV[10]) end
return {1, seq, ps, tonumber(ARGV[7]), ARGV[6]}
