-- alerts-commit-5.lua: compare-and-set of one org's alert lifecycle. Writes alerts, instance records,
-- the resolved index, history and the notification outbox only if every record the change was computed
-- from is still as read, so two processes (the evaluator and an action, or two evaluators) never both
-- open an alert or both apply one transition, and a committed transition's notification is never lost
-- (it stays in the outbox until it was queued).
-- KEYS[1]  HASH alert id -> alert JSON (state)
-- KEYS[2]  HASH rule#instance -> instance record JSON (inst)
-- KEYS[3]  ZSET resolved alert ids, score = resolvedAt (resolved)
-- KEYS[4]  STREAM transitions (history)
-- KEYS[5]  ZSET notifications to queue (outbox): member notification JSON, score = commit time
-- ARGV     trimBefore (ms; history entries older are dropped, 0 = none), then five counted lists:
--          checks of KEYS[2] (field, expected JSON or '' for absent), checks of KEYS[1] (same),
--          writes of KEYS[2] (field, JSON or '' to delete), writes of KEYS[1] (same),
--          writes of KEYS[3] (member, score or '' to remove), then history entries of 9 values each
--          (at, alertId, seq, action, from, to, host, by, note), then the outbox: its score (ms), its
--          bound (entries kept at most, the oldest dropped beyond it) and a counted list of members.
-- Returns  0 a record changed meanwhile (the caller re-reads and computes again); otherwise written,
--          1 + the number of outbox entries dropped to keep within the bound
local i = 2
local function count()
  local n = tonumber(ARGV[i])
  i = i + 1
  return n
end
for _, key in ipairs({ KEYS[2], KEYS[1] }) do
  for _ = 1, count() do
    local current = redis.call('HGET', key, ARGV[i])
    if (current or '') ~= ARGV[i + 1] then return 0 end
    i = i + 2
  end
end
for _, key in ipairs({ KEYS[2], KEYS[1] }) do
  for _ = 1, count() do
    if ARGV[i + 1] == '' then
      redis.call('HDEL', key, ARGV[i])
    else
      redis.call('HSET', key, ARGV[i], ARGV[i + 1])
    end
    i = i + 2
  end
end
for _ = 1, count() do
  if ARGV[i + 1] == '' then
    redis.call('ZREM', KEYS[3], ARGV[i])
  else
    redis.call('ZADD', KEYS[3], ARGV[i + 1], ARGV[i])
  end
  i = i + 2
end
local entries = count()
if entries > 0 then
  -- Entry ids follow `at`, never going back (a stream id must grow): a late `at` takes the newest ms.
  local last = 0
  if redis.call('EXISTS', KEYS[4]) == 1 then
    local info = redis.call('XINFO', 'STREAM', KEYS[4])
    for k = 1, #info, 2 do
      if info[k] == 'last-generated-id' then last = tonumber(string.match(info[k + 1], '^(%d+)')) end
    end
  end
  for _ = 1, entries do
    local ms = math.max(tonumber(ARGV[i]), last)
    last = ms
    redis.call('XADD', KEYS[4], string.format('%d-*', ms), 'at', ARGV[i], 'a', ARGV[i + 1], 's', ARGV[i + 2],
      'x', ARGV[i + 3], 'f', ARGV[i + 4], 'o', ARGV[i + 5], 'h', ARGV[i + 6], 'b', ARGV[i + 7], 'n', ARGV[i + 8])
    i = i + 9
  end
end
if tonumber(ARGV[1]) > 0 then
  redis.call('XTRIM', KEYS[4], 'MINID', ARGV[1])
end
local score = ARGV[i]
local bound = tonumber(ARGV[i + 1])
i = i + 2
local members = count()
if members == 0 then return 1 end
for _ = 1, members do
  redis.call('ZADD', KEYS[5], score, ARGV[i])
  i = i + 1
end
local over = redis.call('ZCARD', KEYS[5]) - bound
if over > 0 then redis.call('ZREMRANGEBYRANK', KEYS[5], 0, over - 1) end
return 1 + math.max(over, 0)
