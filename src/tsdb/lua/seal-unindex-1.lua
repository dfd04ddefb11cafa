-- seal-unindex-1.lua: removes a forgotten host from the global hosts index unless it wrote again since
-- it was found idle (a write raises its score), so an active host is never hidden from maintenance.
-- KEYS[1]  hosts index ZSET (member `org:host`, score = last write ms)
-- ARGV[1]  member
-- ARGV[2]  the score seen when the host was found idle
-- Returns  1 removed, 0 kept (written since, or already gone)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
