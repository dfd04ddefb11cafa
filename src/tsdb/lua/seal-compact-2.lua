-- seal-compact-2.lua: replaces the first bytes of an open window's head (its records as they were
-- read) with one compacted block, keeping whatever writers appended since. Fenced twice: the seal lock
-- must still be ours, and the head must still start with exactly the bytes that were read (a SHA-1 of
-- them), so a replayed or late call changes nothing.
-- KEYS[1]  head STRING of the window
-- KEYS[2]  the host's seal lock
-- ARGV[1]  lock token
-- ARGV[2]  head length when it was read
-- ARGV[3]  SHA-1 (hex) of those bytes
-- ARGV[4]  the compacted block
-- Returns  1 compacted; 0 the head changed otherwise than by appends (nothing written); -1 the lock
--          is held by someone else (nothing written)
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return -1
end
local length = tonumber(ARGV[2])
if length <= 0 or redis.call('STRLEN', KEYS[1]) < length then
  return 0
end
if redis.sha1hex(redis.call('GETRANGE', KEYS[1], 0, length - 1)) ~= ARGV[3] then
  return 0
end
local tail = redis.call('GETRANGE', KEYS[1], length, -1)
redis.call('SET', KEYS[1], ARGV[4] .. tail, 'KEEPTTL')
return 1
