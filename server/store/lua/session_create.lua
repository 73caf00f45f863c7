-- A staff session: its hash and its membership in the user's session set.
-- KEYS[1] sess:<hash>, KEYS[2] user_sess:<username>
-- ARGV[1] username, ARGV[2] role, ARGV[3] created ms, ARGV[4] expires ms, ARGV[5] ttl s,
-- ARGV[6] session hash
redis.call("HSET", KEYS[1], "user", ARGV[1], "role", ARGV[2], "created_ms", ARGV[3],
           "expires_ms", ARGV[4])
redis.call("EXPIRE", KEYS[1], ARGV[5])
redis.call("SADD", KEYS[2], ARGV[6])
-- the set lives as long as its newest session
if redis.call("TTL", KEYS[2]) < tonumber(ARGV[5]) then
  redis.call("EXPIRE", KEYS[2], ARGV[5])
end
return 1
