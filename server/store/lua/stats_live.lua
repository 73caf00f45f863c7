-- The live gauges (current conversations), replaced whole so that gauges back at zero disappear.
-- KEYS[1] live gauges hash; ARGV[1] expiry in seconds, then field/value pairs.
redis.call('DEL', KEYS[1])
for i = 2, #ARGV - 1, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
