-- events-append-2.lua: appends one packed batch of one org's events of one type and hour window, and
-- counts it in the type's stats hash, once: a batch already applied (same process, sequence number not
-- above the process' mark) is skipped, so a replayed or retried batch never duplicates anything.
-- KEYS[1]  the type's stats HASH: c:<window> count, e:<window> errors, last, lastErrAt, lastErrMsg,
--          p:<process> "<last sequence applied>:<when (ms)>"
-- KEYS[2]  the window's block STRING (binary batches, see src/events/codec.ts)
-- ARGV     process id, sequence, now (ms), retention (ms), window start, window length (ms),
--          events, errors, newest event time, newest error time ('' if none), its message, batch bytes
-- Returns  1 appended, 0 already applied
local stats, block = KEYS[1], KEYS[2]
local proc, seq, now, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ws, wms = tonumber(ARGV[5]), tonumber(ARGV[6])

local mark = redis.call('HGET', stats, 'p:' .. proc)
if mark then
  local last = tonumber(string.match(mark, '^(%d+)'))
  if last and last >= seq then return 0 end
end

redis.call('APPEND', block, ARGV[12])
redis.call('PEXPIREAT', block, ws + wms + keep)
redis.call('HINCRBY', stats, 'c:' .. ARGV[5], ARGV[7])
if tonumber(ARGV[8]) > 0 then redis.call('HINCRBY', stats, 'e:' .. ARGV[5], ARGV[8]) end
local last = tonumber(redis.call('HGET', stats, 'last') or '0')
if tonumber(ARGV[9]) > last then redis.call('HSET', stats, 'last', ARGV[9]) end
if ARGV[10] ~= '' then
  local lastErr = redis.call('HGET', stats, 'lastErrAt')
  if not lastErr or tonumber(ARGV[10]) > tonumber(lastErr) then
    redis.call('HSET', stats, 'lastErrAt', ARGV[10], 'lastErrMsg', ARGV[11])
  end
end
redis.call('HSET', stats, 'p:' .. proc, ARGV[2] .. ':' .. ARGV[3])

-- Retention: counts of windows wholly older than it, and marks of processes silent for as long, go.
local fields = redis.call('HGETALL', stats)
for i = 1, #fields, 2 do
  local kind, rest = string.match(fields[i], '^(%a):(.+)$')
  if (kind == 'c' or kind == 'e') and tonumber(rest) + wms <= now - keep then
    redis.call('HDEL', stats, fields[i])
  elseif kind == 'p' then
    local at = tonumber(string.match(fields[i + 1], ':(%d+)$'))
    if at and at < now - keep then redis.call('HDEL', stats, fields[i]) end
  end
end
redis.call('PEXPIRE', stats, keep + wms)
return 1
