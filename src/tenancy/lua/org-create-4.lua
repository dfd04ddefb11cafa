-- org-create-4.lua: creates an org together with its first admin token, or nothing at all: the org
-- record and both token keys are written in one step, and only if the id was never used.
-- KEYS[1]  orgs HASH (org id -> org JSON)
-- KEYS[2]  deleted orgs HASH (ids of deleted orgs stay taken)
-- KEYS[3]  the token's lookup STRING (by its SHA-256)
-- KEYS[4]  the org's tokens HASH (token id -> token JSON)
-- ARGV[1]  org id
-- ARGV[2]  org JSON
-- ARGV[3]  token id
-- ARGV[4]  token JSON
-- Returns  1 created; 0 the org exists; -1 the id belonged to a deleted org; -2 the token hash is taken
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return -1 end
if redis.call('EXISTS', KEYS[3]) == 1 then return -2 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[3], ARGV[4])
redis.call('HSET', KEYS[4], ARGV[3], ARGV[4])
return 1
