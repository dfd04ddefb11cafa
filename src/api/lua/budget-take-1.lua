-- budget-take-1.lua: one request against a budget of requests per minute, spread evenly (GCRA: the
-- "theoretical arrival time" of the next request is kept; a burst of up to `burst` requests may come
-- at once, after that one request per `interval`). The time is Redis' own, shared by every process.
-- KEYS[1]  the budget's state (one org): the theoretical arrival time, in ms
-- ARGV[1]  interval: ms per request at the sustained rate (60000 / requests per minute)
-- ARGV[2]  burst: requests that may come at once
-- Returns  0 when the request is within the budget (counted), or the ms to wait before one is (not counted)
local interval = tonumber(ARGV[1])
local window = interval * tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local after = tat + interval - now - window
if after > 0 then return math.ceil(after) end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil(tat + interval - now) + 1000)
return 0
