-- zscores-each.lua: the scores of several sorted sets over score ranges, each as one string. A host's
-- window indexes are read this way for every query: four ZRANGEBYSCOREs of ~360 entries each (a 30-day
-- aggregate) came back as ~2,900 strings for the client to parse; four strings cost it a fraction.
-- KEYS     the ZSETs: one host's indexes, so one slot on Cluster
-- ARGV[1]  the highest score wanted (as ZRANGEBYSCORE takes it: a number or +inf)
-- ARGV[1+i] the lowest score wanted of KEYS[i] (a number or -inf)
-- Returns  per key, its scores in the range in ascending order, joined by ',' ('' for none)
local out = {}
for i = 1, #KEYS do
  local flat = redis.call('ZRANGEBYSCORE', KEYS[i], ARGV[i + 1], ARGV[1], 'WITHSCORES')
  local scores = {}
  for j = 2, #flat, 2 do
    scores[#scores + 1] = flat[j]
  end
  out[i] = table.concat(scores, ',')
end
return out
