-- The load script wrk runs for `make bench` (server/benches/load.rs sets the variables).
--
-- BENCH_METHOD GET:  the same request every time (the trivial authenticated endpoint, a static
--                    file, the relay's stand-in API called directly).
-- BENCH_METHOD POST: the token endpoint for a random seeded user, so every request reads a
--                    different row and the table's size shows.
-- BENCH_RELAY_USERS=1 (with GET): a relayed call for a random seeded user per request, named in
--                    X-Relay-User-Id (the path is the relay's, BENCH_API_KEY Plumb's key). A
--                    direct call to the stand-in API leaves it unset and sends the same request
--                    with a token in BENCH_API_KEY instead.
-- BENCH_INTERVAL_MS: when set, each connection sends one request per interval (a paced run at a
--                    chosen rate); the fractional part is carried over so the average holds.
-- done() writes the summary and the latency distribution to BENCH_OUT as JSON.

local method = os.getenv("BENCH_METHOD")
local path = os.getenv("BENCH_PATH")
local accounts = tonumber(os.getenv("BENCH_ACCOUNTS") or "") or 1
local interval = tonumber(os.getenv("BENCH_INTERVAL_MS") or "") or 0
local out = os.getenv("BENCH_OUT")
local relay_users = os.getenv("BENCH_RELAY_USERS") == "1"

wrk.method = method
wrk.path = path
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_API_KEY")
if method == "POST" then
  wrk.headers["Content-Type"] = "application/json"
end

math.randomseed(os.time())

request = function()
  if method == "POST" then
    local body = string.format('{"user_id":"user_%d"}', math.random(0, accounts - 1))
    return wrk.format(nil, nil, nil, body)
  end
  if relay_users then
    wrk.headers["X-Relay-User-Id"] = string.format("user_%d", math.random(0, accounts - 1))
  end
  return wrk.format()
end

if interval > 0 then
  local carried = math.random()
  delay = function()
    carried = carried + interval
    local whole = math.floor(carried)
    carried = carried - whole
    return whole
  end
end

-- Percentiles for the table and, densely towards the tail, for the plot.
local points = { 0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.75, 99.9, 99.95, 99.975, 99.99, 100 }

done = function(summary, latency, requests)
  local f = assert(io.open(out, "w"))
  local e = summary.errors
  f:write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"mean_us":%.1f,"max_us":%d,"percentiles":[',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency.mean, latency.max))
  for i, p in ipairs(points) do
    if i > 1 then f:write(",") end
    local v = (p == 100) and latency.max or latency:percentile(p)
    f:write(string.format("[%g,%d]", p, v))
  end
  f:write("]}")
  f:close()
end
