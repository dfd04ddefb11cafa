-- budget-take-1.lua: n requests against a budget of requests per minute, spread evenly (GCRA: the
-- "theoretical arrival time" of the next request is kept; a burst of up to `burst` requests may come
-- at once, after that one request per `interval`). The time is Redis' own, shared by every process.
-- A process counts the requests that arrived while its previous call was in flight in one call.
-- KEYS[1]  the budget's state (one org): the theoretical arrival time, in ms
-- ARGV[1]  interval: ms per request at the sustained rate (60000 / requests per minute)
-- ARGV[2]  burst: requests that may come at once
-- ARGV[3]  n: requests to count
-- Returns  0 when all n are within the budget (counted), else the ms to wait before one more is (as
--          many of the n as fit are counted, the rest are not)
local interval = tonumber(ARGV[1])
local window = interval * tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local fit = math.floor((now + window - tat) / interval)
if fit > n then fit = n end
if fit > 0 then
  tat = tat + fit * interval
  redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil(tat - now) + 1000)
end
if fit >= n then return 0 end
return math.ceil(tat + interval - now - window)
