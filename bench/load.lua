-- wrk script for `npm run bench`: every request carries the next user's token, wrapping around.
-- BENCH_TOKENS    file of "<user id> <jwt>" lines
-- BENCH_REQUESTS  ";"-separated "[weight ]METHOD PATH[ +title][ +key]": {title} in PATH is one of
--                 the user's titles s1..s<BENCH_SESSIONS>; +title sends a new, unique title;
--                 +key a new, unique Idempotency-Key
-- BENCH_PREFIX    makes new titles unique across sides and rounds
-- BENCH_LIMIT     stop after this many responses (0: run for the whole duration)

local sessions = tonumber(os.getenv("BENCH_SESSIONS") or "5")
local prefix = os.getenv("BENCH_PREFIX") or "bench"
local limit = tonumber(os.getenv("BENCH_LIMIT") or "0")

local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  local token = line:match("^%d+ (.+)$")
  if token then tokens[#tokens + 1] = "Bearer " .. token end
end

local mix, total = {}, 0
for entry in os.getenv("BENCH_REQUESTS"):gmatch("[^;]+") do
  local weight, method, path, options = entry:match("^%s*(%d*)%s*(%u+) (%S+)%s*(.*)$")
  total = total + (tonumber(weight) or 1)
  mix[#mix + 1] = {
    upto = total, method = method, path = path,
    title = options:find("+title", 1, true) ~= nil, key = options:find("+key", 1, true) ~= nil,
  }
end

local index, created = 0, 0
wraps = 0
local plain, json = {}, { ["Content-Type"] = "application/json" }

function request()
  local pick = mix[1]
  if #mix > 1 then
    local roll = math.random(1, total)
    for _, candidate in ipairs(mix) do
      if roll <= candidate.upto then pick = candidate break end
    end
  end
  index = index + 1
  if index > #tokens then index, wraps = 1, wraps + 1 end
  local path = (pick.path:gsub("{title}", "s" .. math.random(1, sessions)))
  if not pick.title then
    plain["Authorization"] = tokens[index]
    return wrk.format(pick.method, path, plain)
  end
  created = created + 1
  json["Authorization"] = tokens[index]
  json["Idempotency-Key"] = pick.key and (prefix .. "-" .. created) or nil
  return wrk.format(pick.method, path, json, '{"title":"' .. prefix .. "-" .. created .. '"}')
end

if limit > 0 then
  local responses = 0
  function response()
    responses = responses + 1
    if responses == limit then
      -- wrk sleeps out -d regardless; bench/load.ts answers this line with SIGINT
      io.stdout:write("BENCH_LIMIT_REACHED\n")
      io.stdout:flush()
      wrk.thread:stop()
    end
  end
end

local threads = {}
function setup(thread) threads[#threads + 1] = thread end

function done(summary, latency)
  local total_wraps = 0
  for _, thread in ipairs(threads) do total_wraps = total_wraps + (thread:get("wraps") or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"p99Us":%d,"errors":%d,"tokenWraps":%d}\n',
    summary.requests, summary.duration, latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout, total_wraps))
end
