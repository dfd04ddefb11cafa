-- seal-forget-6.lua: deletes a host's latest values once it has no stored data left:
-- no head and no window or day in any tier index. Checked and done atomically, so a head a writer
-- appends meanwhile keeps the host. The series ids (the names string, or the series HASH KEYS[5] of a
-- host registered before it) are kept: server processes cache them for ever, so a host that reports
-- again must get the same ids back.
-- KEYS[1]  heads ZSET        KEYS[4]  idx:1h ZSET
-- KEYS[2]  idx:raw ZSET      KEYS[5]  series HASH
-- KEYS[3]  idx:1m ZSET       KEYS[6]  latest HASH
-- Returns  1 forgotten, 0 the host still has data (nothing changed)
for i = 1, 4 do
  if redis.call('ZCARD', KEYS[i]) > 0 then return 0 end
end
redis.call('DEL', KEYS[6])
return 1
