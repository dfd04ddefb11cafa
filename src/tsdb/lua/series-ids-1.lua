-- series-ids-1.lua: hands out stable small integer ids for the series of one host, atomically, so
-- several server processes agree on them.
-- KEYS[1]  the host's series HASH (`n:<seriesKey>` -> id, `i:<id>` -> seriesKey, `next` -> last id)
-- ARGV     series keys
-- Returns  an array of ids, in the order of ARGV (existing ids are returned unchanged)
local out = {}
for i, name in ipairs(ARGV) do
  local id = redis.call('HGET', KEYS[1], 'n:' .. name)
  if not id then
    id = redis.call('HINCRBY', KEYS[1], 'next', 1)
    redis.call('HSET', KEYS[1], 'n:' .. name, id, 'i:' .. id, name)
  end
  out[i] = tonumber(id)
end
return out
