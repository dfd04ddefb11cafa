-- series-ids-2.lua: hands out stable small integer ids for the series of one host, atomically, so
-- several server processes agree on them, and enforces the per-host series limit.
-- KEYS[1]  the host's series HASH, on hosts registered by series-ids-1.lua: `n:<seriesKey>` -> id,
--          `next` -> last id (and, before codec format 2, `i:<id>` -> seriesKey, unread). A host that
--          has it keeps using it.
-- KEYS[2]  the host's names STRING, on every other host: the series keys in id order, a line each, so
--          id n is line n. A line is `<p> <suffix>\n`: the key is the first p bytes of the key before
--          it (p in decimal) followed by the suffix (front coding: keys of one metric share their
--          name; canonical keys escape newlines). A STRING costs its bytes; a HASH of some hundred
--          fields costs twice the plain keys (a dict entry and two allocations a field).
-- ARGV[1]  the most series the host may have (0 = no limit)
-- ARGV[2…] series keys
-- Returns  an array: the number of ids newly handed out, then the ids in the order of ARGV[2…]
--          (existing ids are returned unchanged); or the error `SERIESLIMIT <existing> <limit>` when
--          the new series would pass the limit (then nothing is written)
local limit = tonumber(ARGV[1])
local ids = {}
local missing = 0

if redis.call('EXISTS', KEYS[1]) == 1 then
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
end

local names = redis.call('GET', KEYS[2]) or ''
local index = {}
local count = 0
local previous = ''
for line in string.gmatch(names, '([^\n]*)\n') do
  local shared, suffix = string.match(line, '^(%d+) (.*)$')
  if not shared then return redis.error_reply('ERR names line ' .. (count + 1) .. ' is not `<p> <suffix>`') end
  previous = string.sub(previous, 1, tonumber(shared)) .. suffix
  count = count + 1
  index[previous] = count
end
local fresh = {}
for i = 2, #ARGV do
  local key = ARGV[i]
  if string.find(key, '\n', 1, true) then
    return redis.error_reply('ERR series key holds a newline: ' .. key)
  end
  local id = index[key]
  if not id then
    missing = missing + 1
    id = count + missing
    index[key] = id
    fresh[missing] = key
  end
  ids[i - 1] = id
end
if missing > 0 then
  if limit > 0 and count + missing > limit then
    return redis.error_reply('SERIESLIMIT ' .. count .. ' ' .. limit)
  end
  local lines = {}
  for i, key in ipairs(fresh) do
    local shared = 0
    local upto = math.min(#key, #previous)
    while shared < upto and string.byte(key, shared + 1) == string.byte(previous, shared + 1) do
      shared = shared + 1
    end
    lines[i] = shared .. ' ' .. string.sub(key, shared + 1) .. '\n'
    previous = key
  end
  redis.call('APPEND', KEYS[2], table.concat(lines))
end
local out = { missing }
for i = 2, #ARGV do out[i] = ids[i - 1] end
return out
