-- Revokes sessions of one user.
-- KEYS[1] user_sess:<username>, KEYS[2..] sess:<hash> keys to delete
-- ARGV[1..] the matching session hashes (to remove from the set)
-- Returns how many sessions existed and were deleted.
local n = 0
for i = 2, #KEYS do
  n = n + redis.call("DEL", KEYS[i])
end
if #ARGV > 0 then redis.call("SREM", KEYS[1], unpack(ARGV)) end
return n
