-- series-ids-1.lua: hands out stable small integer ids for the series of one host, atomically, so
-- several server processes agree on them, and enforces the per-host series limit.
-- KEYS[1]  the host's series HASH (`n:<seriesKey>` -> id, `next` -> last id); readers invert it.
--          Hashes written before format 2 also hold `i:<id>` -> seriesKey, which nothing needs now
-- ARGV[1]  the most series the host may have (0 = no limit)
-- ARGV[2…] series keys
-- Returns  an array: the number of ids newly handed out, then the ids in the order of ARGV[2…]
--          (existing ids are returned unchanged); or the error `SERIESLIMIT <existing> <limit>` when
--          the new series would pass the limit (then nothing is written)
local limit = tonumber(ARGV[1])
local ids = {}
local missing = 0
for i = 2, #ARGV do
  local id = redis.call('HGET', KEYS[1], 'n:' .. ARGV[i])
  if not id then missing = missing + 1 end
  ids[i - 1] = id
end
if missing > 0 and limit > 0 then
  local existing = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
  if existing + missing > limit then
    return redis.error_reply('SERIESLIMIT ' .. existing .. ' ' .. limit)
  end
end
local out = { missing }
for i = 2, #ARGV do
  local id = ids[i - 1]
  if not id then
    id = redis.call('HINCRBY', KEYS[1], 'next', 1)
    redis.call('HSET', KEYS[1], 'n:' .. ARGV[i], id)
  end
  out[i] = tonumber(id)
end
return out
