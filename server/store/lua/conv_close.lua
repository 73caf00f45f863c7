-- The end of a conversation: marks it closed, appends the finished interaction to the export
-- stream (for downstream case systems: transcript, every segment with its codes and timings) and
-- sets every key of the conversation to expire after the retention period. Runs once: a second
-- call finds the conversation closed and does nothing.
-- KEYS[1] v:<id>   KEYS[2] v:<id>:log   KEYS[3] v:<id>:dedup   KEYS[4] v:<id>:pub   KEYS[5] export
-- ARGV[1] conversation id, ARGV[2] outcome, ARGV[3] now ms, ARGV[4] retention seconds,
-- ARGV[5] key prefix (segment hashes c:<contact> are read by name), ARGV[6] export stream length
-- Returns 1 when exported, 0 when already closed or gone.
--! include retained.lua
local v, log, dedup, pub, export = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, outcome, now, keep, prefix = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
if redis.call("EXISTS", v) == 0 then return 0 end
if redis.call("HGET", v, "state") == "closed" then return 0 end
redis.call("HSET", v, "state", "closed", "closed_ms", now, "outcome", outcome)

local function hash(key)
  local f = redis.call("HGETALL", key)
  local m = {}
  for i = 1, #f, 2 do m[f[i]] = f[i + 1] end
  return m
end

local function num(s)
  if s == nil or s == "" then return cjson.null end
  return tonumber(s) or cjson.null
end

local function str(s)
  if s == nil or s == "" then return cjson.null end
  return s
end

local conv = hash(v)
local segments = {}
for seg in string.gmatch(conv.segments or "", "[^,]+") do
  local c = hash(prefix .. "c:" .. seg)
  local services = {}
  for code in string.gmatch(c.services or "", "[^,]+") do services[#services + 1] = code end
  segments[#segments + 1] = {
    contact_id = seg,
    queue = str(c.queue),
    channel = str(c.channel),
    language = str(c.lang),
    agent = str(c.agent),
    state = str(c.state),
    cancel_reason = str(c.cancel),
    enqueued_ms = num(c.enq_ms),
    segment_started_ms = num(c.seg_ms),
    answered_ms = num(c.assigned_ms),
    wrapup_started_ms = num(c.wrap_ms),
    ended_ms = num(c.ended_ms),
    disposition = str(c.disposition),
    service_codes = services,
    wrapup_notes = str(c.wrap_notes),
    wrapup_by_time_limit = c.flagged == "1",
  }
end

local transcript = {}
for _, e in ipairs(redis.call("XRANGE", log, "-", "+")) do
  local m = {}
  local f = e[2]
  for i = 1, #f, 2 do m[f[i]] = f[i + 1] end
  transcript[#transcript + 1] = {
    seq = tonumber(string.match(e[1], "%-(%d+)$")),
    kind = m.k,
    from_role = m.r,
    from_name = str(m.n),
    text = m.t,
    ts_ms = tonumber(m.ts),
    system = str(m.s),
    private = m.k == "note",
  }
end

local record = {
  type = "conversation",
  conversation_id = id,
  customer_id = conv.customer,
  customer_name = conv.name,
  topic = str(conv.topic),
  language = str(conv.lang),
  claim_ref = str(conv.claim_ref),
  identity_verified = str(conv.verified),
  created_ms = num(conv.created_ms),
  closed_ms = tonumber(now),
  outcome = outcome,
  segments = segments,
  transcript = transcript,
}
-- Redis' cjson writes an empty table as {}: lists are lists even when empty (a quote inside a
-- string is escaped, so these patterns only meet the structure)
local json = cjson.encode(record)
for _, k in ipairs({"segments", "service_codes", "transcript"}) do
  json = string.gsub(json, '"' .. k .. '":{}', '"' .. k .. '":[]')
end
append_retained(export, now, keep * 1000, ARGV[6], "type", "conversation", "conversation_id", id,
                "json", json)

redis.call("EXPIRE", v, keep)
redis.call("EXPIRE", log, keep)
redis.call("EXPIRE", dedup, keep)
redis.call("EXPIRE", pub, keep)
return 1
