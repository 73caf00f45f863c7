-- Shared by the scripts that write copies of records (included by embed_lua.py).
-- Appends to a stream that keeps copies of records (export, audit) under the retention rule: the
-- id is taken from Switchboard's clock (ARGV now), so age is measured on the one clock the
-- retention period is counted on (a stream top ahead of it, e.g. written by a process whose clock
-- is ahead, makes Redis pick the next id instead); about `maxlen` entries are kept, and none
-- older than `keep_ms` (exact MINID trim: a record must not outlive the retention period).
local function append_retained(key, now, keep_ms, maxlen, ...)
  local r = redis.pcall("XADD", key, "MAXLEN", "~", maxlen, now .. "-*", ...)
  if type(r) == "table" and r.err then
    redis.call("XADD", key, "MAXLEN", "~", maxlen, "*", ...)
  end
  if keep_ms > 0 and tonumber(now) > keep_ms then
    redis.call("XTRIM", key, "MINID", tonumber(now) - keep_ms)
  end
end
