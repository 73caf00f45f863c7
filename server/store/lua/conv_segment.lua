-- The conversation continues in a new segment (a transfer, an overflow): it becomes the current
-- contact and joins the list the export reads; a transfer's note is kept for the next agent.
-- KEYS[1] v:<id>; ARGV[1] contact id, ARGV[2] transfer note ("" leaves the last one).
-- Returns 1, or 0 when the conversation is gone.
if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
local segs = redis.call("HGET", KEYS[1], "segments") or ""
local present = false
for s in string.gmatch(segs, "[^,]+") do
  if s == ARGV[1] then present = true end
end
if not present then
  redis.call("HSET", KEYS[1], "segments", segs == "" and ARGV[1] or (segs .. "," .. ARGV[1]))
end
redis.call("HSET", KEYS[1], "contact", ARGV[1])
if ARGV[2] ~= "" then redis.call("HSET", KEYS[1], "transfer_note", ARGV[2]) end
return 1
