-- hset-if-1.lua: compare-and-set of one hash field, so a host update computed from one state never
-- overwrites a concurrent update, nor brings back a host deleted meanwhile.
-- KEYS[1]  the hash (one org's hosts)
-- ARGV[1]  the field (host id)
-- ARGV[2]  the value the update was computed from (host JSON as read)
-- ARGV[3]  the new value
-- Returns  1 written, 0 the field changed or is gone (the caller re-reads and retries or answers 404)
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  return 1
end
return 0
