-- seal-unlock-1.lua: releases a host's seal lock only if this sealer still owns it (compare and delete),
-- so a sealer whose lock expired never frees the lock a newer sealer took meanwhile.
-- KEYS[1]  the seal lock (STRING holding the owner's random token)
-- ARGV[1]  the owner's token
-- Returns  1 released, 0 not held by this token (expired or taken over)
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
