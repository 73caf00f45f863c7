-- Tops up a benchmark's Redis with copies of real state, for the restart benchmark (bench/run).
-- The template is a chat that Switchboard itself created and an agent answered, through the
-- protocol (the load generator's storm --save), so every field is one the server wrote; only ids
-- and the agent change. Copies are numbered from ARGV[4]; run it repeatedly in chunks so that
-- Redis is never blocked for long.
--
-- KEYS: none (the key prefix is ARGV[1]; a benchmark Redis holds nothing else)
-- ARGV[1] key prefix ("sb:{bench}:"), ARGV[2] template contact id, ARGV[3] template agent
-- ARGV[4] first copy number, ARGV[5] copies, ARGV[6] agent username prefix,
-- ARGV[7] first agent number for assigned copies, ARGV[8] agents to spread them over,
-- ARGV[9] chats per agent (assigned copies beyond agents x chats stay queued)
-- Returns the number of copies written.
local P, tpl, tagent = ARGV[1], ARGV[2], ARGV[3]
local first, n = tonumber(ARGV[4]), tonumber(ARGV[5])
local aprefix, afirst, nagents, per = ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])

local function hash(key)
  local flat = redis.call("HGETALL", key)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end
local function put(key, t)
  local flat = {}
  for k, v in pairs(t) do
    flat[#flat + 1] = k
    flat[#flat + 1] = v
  end
  redis.call("HSET", key, unpack(flat))
end

local c0 = hash(P .. "c:" .. tpl)
if not c0.conv or c0.conv == "" then return redis.error_reply("template contact has no conversation") end
local v0 = hash(P .. "v:" .. c0.conv)
local log0 = redis.call("XRANGE", P .. "v:" .. c0.conv .. ":log", "-", "+")
local a0 = hash(P .. "a:" .. tagent)

for k = first, first + n - 1 do
  local cid, vid = string.format("seedc%07d", k), string.format("seedv%07d", k)
  local c, v = {}, {}
  for f, x in pairs(c0) do c[f] = x end
  for f, x in pairs(v0) do v[f] = x end
  c.id, c.conv, c.customer, c.rtok = cid, vid, string.format("seedu%07d", k), ""
  v.contact, v.segments, v.customer = cid, cid, c.customer
  -- copy k goes to agent (k-1) mod nagents while that agent has a free slot, else it waits
  local slot = math.floor((k - 1) / nagents)
  if nagents > 0 and slot < per then
    local agent = aprefix .. tostring(afirst + (k - 1) % nagents)
    c.agent, v.agent = agent, agent
    local a = P .. "a:" .. agent
    if redis.call("EXISTS", a) == 0 then
      local t = {}
      for f, x in pairs(a0) do t[f] = x end
      t.load_chat, t.offer = "0", ""
      put(a, t)
    end
    redis.call("HINCRBY", a, "load_chat", 1)
  else
    c.state, c.agent, c.offer_id, c.offer_deadline_ms, c.assigned_ms = "queued", "", "", "", ""
    v.agent, v.accepted_ms, v.queue = "", "", c.queue
  end
  put(P .. "c:" .. cid, c)
  put(P .. "v:" .. vid, v)
  local log = P .. "v:" .. vid .. ":log"
  for _, e in ipairs(log0) do redis.call("XADD", log, e[1], unpack(e[2])) end
  redis.call("SADD", P .. "live", cid)
end
return n
