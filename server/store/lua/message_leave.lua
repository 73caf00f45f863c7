-- A message left for a team (contact.message), or a request to be called back (a reference "cb-..."
-- instead of "m-...": the record's type is then "callback", and reply_to the number to call):
-- counted against the address limit for new chats, then recorded in the export stream for the
-- team's case system.
-- KEYS[1] rl:conv:<address>, KEYS[2] export; ARGV[1] limit, ARGV[2] window seconds, ARGV[3]
-- reference, ARGV[4] customer id, ARGV[5] topic, ARGV[6] queue, ARGV[7] language, ARGV[8] name,
-- ARGV[9] text, ARGV[10] reply_to, ARGV[11] claim ref, ARGV[12] now ms, ARGV[13] stream length,
-- ARGV[14] retention seconds.
-- Returns 1 when recorded, -2 past the address limit.
--! include retained.lua
local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("EXPIRE", KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then return -2 end
local function opt(s) if s == "" then return cjson.null end return s end
local kind = "message"
if string.sub(ARGV[3], 1, 3) == "cb-" then kind = "callback" end
local record = {
  type = kind,
  reference = ARGV[3],
  customer_id = ARGV[4],
  topic = ARGV[5],
  queue = ARGV[6],
  language = ARGV[7],
  customer_name = ARGV[8],
  text = ARGV[9],
  reply_to = opt(ARGV[10]),
  claim_ref = opt(ARGV[11]),
  ts_ms = tonumber(ARGV[12]),
}
append_retained(KEYS[2], ARGV[12], tonumber(ARGV[14]) * 1000, ARGV[13], "type", kind,
                "reference", ARGV[3], "json", cjson.encode(record))
return 1
