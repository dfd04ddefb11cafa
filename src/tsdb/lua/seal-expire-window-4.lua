-- seal-expire-window-4.lua: drops the aged-out tiers of one sealed window. The raw tier is the `t` field,
-- every `r:<id>` field and every pack of small raw columns `R:<group>`; the 1m tier every `m:<id>` field,
-- every pack `M:<group>` and the shared counts `M:c`. A HASH left with no fields vanishes.
-- While a window keeps its raw columns its 1-minute blocks are lean (sum and count): before the raw
-- tier goes, the caller computes them whole from raw and passes them here, and they replace every field
-- of the 1m tier in the same step, so no moment leaves min, max or last in neither tier.
-- Idempotent: a second call finds nothing to delete, and writes no blocks once `t` is gone.
-- KEYS[1]  window HASH
-- KEYS[2]  idx:raw ZSET
-- KEYS[3]  idx:1m ZSET
-- ARGV[1]  window start (index member)
-- ARGV[2]  '1' to drop the raw tier, else '0'
-- ARGV[3]  '1' to drop the 1m tier, else '0'
-- ARGV[4…] field, value pairs: the whole 1m tier, written only when the raw tier is dropped here, the
--          1m tier is not, the window still has `t` and is still in idx:1m
-- Returns  number of fields deleted
local dropRaw = ARGV[2] == '1'
local dropMinute = ARGV[3] == '1'
local whole = dropRaw and not dropMinute and #ARGV > 3
  and redis.call('HEXISTS', KEYS[1], 't') == 1
  and redis.call('ZSCORE', KEYS[3], ARGV[1])
local doomed = {}
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  local kind = string.sub(field, 1, 2)
  local raw = field == 't' or kind == 'r:' or kind == 'R:'
  local minute = kind == 'm:' or kind == 'M:'
  if (dropRaw and raw) or ((dropMinute or whole) and minute) then
    doomed[#doomed + 1] = field
  end
end
local deleted = 0
local step = 512
for i = 1, #doomed, step do
  deleted = deleted + redis.call('HDEL', KEYS[1], unpack(doomed, i, math.min(i + step - 1, #doomed)))
end
if whole then
  for i = 4, #ARGV, 2 * step do
    redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 2 * step - 1, #ARGV)))
  end
end
if dropRaw then redis.call('ZREM', KEYS[2], ARGV[1]) end
if dropMinute then redis.call('ZREM', KEYS[3], ARGV[1]) end
return deleted
