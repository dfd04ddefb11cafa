-- seal-extend-1.lua: pushes back the expiry of a host's seal lock if this sealer still owns it, so a long
-- run (an import sealing many windows) keeps the lock without a TTL long enough to block a crashed run.
-- KEYS[1]  the seal lock (STRING holding the owner's random token)
-- ARGV[1]  the owner's token
-- ARGV[2]  new time to live, ms
-- Returns  1 extended, 0 not held by this token
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
