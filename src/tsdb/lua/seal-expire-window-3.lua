-- seal-expire-window-3.lua: drops the aged-out tiers of one sealed window. The raw tier is the `t` field,
-- every `r:<id>` field and every pack of small raw columns `R:<group>`; the 1m tier every `m:<id>` field
-- and every pack `M:<group>`. A HASH left with no fields vanishes.
-- Idempotent: a second call finds nothing to delete.
-- KEYS[1]  window HASH
-- KEYS[2]  idx:raw ZSET
-- KEYS[3]  idx:1m ZSET
-- ARGV[1]  window start (index member)
-- ARGV[2]  '1' to drop the raw tier, else '0'
-- ARGV[3]  '1' to drop the 1m tier, else '0'
-- Returns  number of fields deleted
local dropRaw = ARGV[2] == '1'
local dropMinute = ARGV[3] == '1'
local doomed = {}
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  local kind = string.sub(field, 1, 2)
  if (dropRaw and (field == 't' or kind == 'r:' or kind == 'R:')) or (dropMinute and (kind == 'm:' or kind == 'M:')) then
    doomed[#doomed + 1] = field
  end
end
local deleted = 0
local step = 512
for i = 1, #doomed, step do
  deleted = deleted + redis.call('HDEL', KEYS[1], unpack(doomed, i, math.min(i + step - 1, #doomed)))
end
if dropRaw then redis.call('ZREM', KEYS[2], ARGV[1]) end
if dropMinute then redis.call('ZREM', KEYS[3], ARGV[1]) end
return deleted
