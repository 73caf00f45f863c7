-- One record appended to a stream that keeps copies under the retention rule (the audit log).
-- KEYS[1] the stream; ARGV[1] now ms (Switchboard's clock), ARGV[2] retention ms, ARGV[3] most
-- entries kept (about), ARGV[4..] field, value, ...
-- Returns 1.
--! include retained.lua

append_retained(KEYS[1], ARGV[1], tonumber(ARGV[2]), ARGV[3], unpack(ARGV, 4))
return 1
