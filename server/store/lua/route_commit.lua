-- One routing decision, committed only if what it relies on still holds (docs/routing.md,
-- docs/redis-keys.md). Every contact change checks and bumps the contact's version, so a late
-- accept, a second process or a replayed request can never apply twice or double-assign.
--
-- KEYS[1] c:<contact>   KEYS[2] a:<agent>   KEYS[3] live   KEYS[4] rtok:<hash> of the customer
--   KEYS[5] v:<conversation> (create: a chat is created only with its conversation; the server
--   sends conv_create.lua just before this in the same pipeline, so a refused conversation, e.g.
--   a blocked customer, refuses the contact too, in one round trip)
--   KEYS[6] arrivals (create: the counter that numbers contacts in arrival order, so that a
--   restart puts contacts with the same ordering key back in the same order)
--   (unused keys are given as placeholders that are never written)
-- ARGV: 1 kind, 2 expected version, 3 now ms, 4 class (chat|call|task), 5 the agent's capacity in
--   that class, 6 retention seconds for finished contacts, 7 contact id, 8 agent username,
--   9 offer id, 10 offer deadline ms, 11 reason, 12 flag ("1": offer with create / agent to away /
--   flagged), 13 the away reason (agent, return) or the default disposition (complete, flagged),
--   13.. field, value pairs written at create (a direct transfer, direct = "1", is
--   created without the token key: the token leads to it once it is accepted)
-- Returns {1, version} when committed, {0, why} when refused.
local kind, want = ARGV[1], tonumber(ARGV[2])
local now, cls, cap, keep = ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local cid, agent, offer_id, deadline = ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local reason, flag = ARGV[11], ARGV[12] == "1"
local c, a, live, tok = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local load_field = "load_" .. cls

local function refuse(why) return {0, why} end

local function state_is(...)
  local s = redis.call("HGET", c, "state")
  for _, w in ipairs({...}) do if s == w then return true end end
  return false
end

local function version_ok()
  return tonumber(redis.call("HGET", c, "version") or "-1") == want
end

local function bump()
  return {1, redis.call("HINCRBY", c, "version", 1)}
end

-- the agent may take this offer: no other offer pending, a free slot in the class
local function agent_free()
  local o = redis.call("HGET", a, "offer")
  if o and o ~= "" and o ~= cid then return false end
  return tonumber(redis.call("HGET", a, load_field) or "0") < cap
end

local function reserve()
  redis.call("HSET", c, "state", "offered", "agent", agent, "offer_id", offer_id,
             "offer_deadline_ms", deadline, "state_ms", now)
  redis.call("HSET", a, "offer", cid)
end

local function release_offer()
  if redis.call("HGET", a, "offer") == cid then redis.call("HSET", a, "offer", "") end
end

local function unload()
  local n = tonumber(redis.call("HGET", a, load_field) or "0")
  if n > 0 then redis.call("HSET", a, load_field, n - 1) end
end

local function finish(state)
  redis.call("HSET", c, "state", state, "ended_ms", now, "state_ms", now)
  redis.call("SREM", live, cid)
  if redis.call("HGET", tok, "contact") == cid then redis.call("HDEL", tok, "contact") end
  redis.call("EXPIRE", c, keep)
end

if kind == "agent" then
  redis.call("HSET", a, "status", reason, "reason", ARGV[13] or "", "since_ms", now)
  return {1, 0}
end

if kind == "create" then
  if redis.call("EXISTS", c) == 1 then return refuse("exists") end
  for i = 13, #ARGV - 1, 2 do
    if ARGV[i] == "conv" and ARGV[i + 1] ~= "" and redis.call("EXISTS", KEYS[5]) == 0 then
      return refuse("conversation")
    end
  end
  if flag and not agent_free() then return refuse("agent") end
  for i = 13, #ARGV, 2 do redis.call("HSET", c, ARGV[i], ARGV[i + 1]) end
  redis.call("HSET", c, "id", cid, "state", "queued", "version", 1, "created_ms", now,
             "seg_ms", now, "state_ms", now, "arr", redis.call("INCR", KEYS[6]))
  redis.call("SADD", live, cid)
  if redis.call("EXISTS", tok) == 1 then redis.call("HSET", tok, "contact", cid) end
  if flag then reserve() end
  return {1, 1}
end

if not version_ok() then return refuse("version") end

if kind == "offer" then
  if not state_is("queued") then return refuse("state") end
  if not agent_free() then return refuse("agent") end
  reserve()
elseif kind == "accept" then
  if not state_is("offered") then return refuse("state") end
  if redis.call("HGET", c, "agent") ~= agent or redis.call("HGET", c, "offer_id") ~= offer_id then
    return refuse("offer")
  end
  if tonumber(now) >= tonumber(redis.call("HGET", c, "offer_deadline_ms") or "0") then
    return refuse("expired")
  end
  redis.call("HSET", c, "state", "assigned", "assigned_ms", now, "offer_id", "",
             "offer_deadline_ms", "", "state_ms", now)
  release_offer()
  redis.call("HINCRBY", a, load_field, 1)
  redis.call("HSET", a, "missed", 0)
  -- an accepted direct transfer is now the contact the customer's resume token leads to
  if redis.call("HGET", c, "direct") == "1" and redis.call("EXISTS", tok) == 1 then
    redis.call("HSET", tok, "contact", cid)
  end
elseif kind == "return" then
  if not state_is("offered") then return refuse("state") end
  redis.call("HSET", c, "state", "queued", "agent", "", "offer_id", "", "offer_deadline_ms", "",
             "state_ms", now)
  release_offer()
  if reason == "timeout" then redis.call("HINCRBY", a, "missed", 1) end
  if flag then
    redis.call("HSET", a, "status", "away", "reason", ARGV[13] or "", "since_ms", now, "missed", 0)
  end
elseif kind == "requeue" then
  if not state_is("assigned") then return refuse("state") end
  redis.call("HSET", c, "state", "queued", "agent", "", "assigned_ms", "", "seg_ms", now,
             "state_ms", now)
  unload()
elseif kind == "cancel" then
  if not state_is("queued", "offered") then return refuse("state") end
  if redis.call("HGET", c, "state") == "offered" then release_offer() end
  redis.call("HSET", c, "cancel", reason)
  finish("canceled")
elseif kind == "end" then
  if not state_is("assigned") then return refuse("state") end
  redis.call("HSET", c, "state", "wrapping", "wrap_ms", now, "state_ms", now)
elseif kind == "complete" then
  if not state_is("wrapping") then return refuse("state") end
  redis.call("HSET", c, "flagged", flag and 1 or 0)
  -- nobody submitted the wrap-up in time: the configured default disposition, no service codes
  if flag and ARGV[13] and ARGV[13] ~= "" then
    redis.call("HSET", c, "disposition", ARGV[13], "services", "")
  end
  unload()
  redis.call("HSET", a, "last_" .. cls, now)
  finish("completed")
else
  return redis.error_reply("ERR route_commit: unknown kind " .. tostring(kind))
end
return bump()
