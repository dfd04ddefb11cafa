-- seal-8.lua: commits one sealed window of one host atomically: the window HASH, its tier indexes and
-- its hourly rollups are written and the head is deleted in one step, or nothing changes. Replaying the
-- same call is harmless (the head is gone, so the length check fails and it returns 0 or 2).
-- KEYS[1]  head STRING of the window            KEYS[5]  idx:1m ZSET
-- KEYS[2]  window HASH                          KEYS[6]  hourly HASH of the window's day
-- KEYS[3]  heads ZSET                           KEYS[7]  idx:1h ZSET
-- KEYS[4]  idx:raw ZSET                         KEYS[8]  the host's seal lock
-- ARGV[1]  head length when it was read (0 = absent)
-- ARGV[2]  window start (ms): index member and score, hourly field name
-- ARGV[3]  day start (ms): idx:1h member and score
-- ARGV[4]  lock token, or '' to skip the fencing check
-- ARGV[5]  hourly field value ('' with no pairs: only clear the head)
-- ARGV[6..] window field, value, field, value, ... (replaces the whole window HASH)
-- Returns  1 sealed; 2 head cleared without writing; 0 head changed since it was read (re-read and
--          retry); -1 the lock is held by someone else (nothing written)
if ARGV[4] ~= '' and redis.call('GET', KEYS[8]) ~= ARGV[4] then
  return -1
end
if redis.call('STRLEN', KEYS[1]) ~= tonumber(ARGV[1]) then
  return 0
end
local written = 2
if #ARGV > 5 then
  redis.call('DEL', KEYS[2])
  -- In slices: unpack() of thousands of arguments would overflow Lua's C stack.
  local step = 512
  for i = 6, #ARGV, step do
    redis.call('HSET', KEYS[2], unpack(ARGV, i, math.min(i + step - 1, #ARGV)))
  end
  redis.call('ZADD', KEYS[4], ARGV[2], ARGV[2])
  redis.call('ZADD', KEYS[5], ARGV[2], ARGV[2])
  redis.call('HSET', KEYS[6], ARGV[2], ARGV[5])
  redis.call('ZADD', KEYS[7], ARGV[3], ARGV[3])
  written = 1
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[2])
return written
