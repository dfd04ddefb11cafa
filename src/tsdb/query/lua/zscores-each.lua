-- zscores-each.lua: the window (or day) starts in several sorted sets over score ranges, each as one
-- string. A host's window indexes are read this way for every query: four ZRANGEBYSCOREs of ~360
-- entries each (a 30-day aggregate) came back as ~2,900 strings for the client to parse; four strings
-- cost it a fraction. Every member of these indexes is its own score written out (String(start): the
-- sealer and the writer add them so), so the members are the starts and no score is asked for:
-- WITHSCORES made Redis format every score as a string for Lua, ~1.3 of 1.6 ms per call at ~360
-- entries an index (measured on this machine, 2026-12-07).
-- KEYS     the ZSETs: one host's indexes, so one slot on Cluster
-- ARGV[1]  the highest score wanted (as ZRANGEBYSCORE takes it: a number or +inf)
-- ARGV[1+i] the lowest score wanted of KEYS[i] (a number or -inf)
-- Returns  per key, its members in the range in ascending order of score, joined by ',' ('' for none)
local out = {}
for i = 1, #KEYS do
  out[i] = table.concat(redis.call('ZRANGEBYSCORE', KEYS[i], ARGV[i + 1], ARGV[1]), ',')
end
return out
