-- wrk script for `npm run bench`: every request carries the next seeded user's token.
-- BENCH_TOKENS  file of "<user_id> <jwt>" lines, used in order and wrapped around
-- BENCH_MODE    active | list | create | activate | mixed
-- BENCH_SESSIONS  sessions per user, titled s1..sN (activate picks one at random)
-- BENCH_PREFIX  makes created titles unique across runs
-- BENCH_LIMIT   stop after this many responses (0: run for the whole duration)

local mode = os.getenv("BENCH_MODE") or "active"
local sessions = tonumber(os.getenv("BENCH_SESSIONS") or "5")
local prefix = os.getenv("BENCH_PREFIX") or "bench"
local limit = tonumber(os.getenv("BENCH_LIMIT") or "0")

local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  local token = line:match("^%d+ (.+)$")
  if token then
    tokens[#tokens + 1] = "Bearer " .. token
  end
end
local count = #tokens
local index = 0
local created = 0
wraps = 0
local headers = {}
local json = { ["Content-Type"] = "application/json" }

local function next_token()
  index = index + 1
  if index > count then
    index = 1
    wraps = wraps + 1
  end
  return tokens[index]
end

local function get(path)
  headers["Authorization"] = next_token()
  return wrk.format("GET", path, headers)
end

local function create()
  created = created + 1
  json["Authorization"] = next_token()
  return wrk.format("POST", "/api/v1/sessions", json,
    '{"title":"' .. prefix .. "-" .. created .. '"}')
end

local function activate()
  headers["Authorization"] = next_token()
  return wrk.format("POST", "/api/v1/sessions/active/s" .. math.random(1, sessions), headers)
end

local modes = {
  active = function() return get("/api/v1/sessions/active") end,
  list = function() return get("/api/v1/sessions") end,
  create = create,
  activate = activate,
  -- the soak mix: mostly the hot path, some lists, some writes
  mixed = function()
    local roll = math.random(1, 100)
    if roll <= 80 then return get("/api/v1/sessions/active") end
    if roll <= 90 then return get("/api/v1/sessions") end
    if roll <= 97 then return activate() end
    return create()
  end,
}
local build = modes[mode]

function request()
  return build()
end

if limit > 0 then
  local responses = 0
  function response()
    responses = responses + 1
    if responses == limit then
      -- wrk sleeps for -d regardless; the bench answers this line with SIGINT
      io.stdout:write("BENCH_LIMIT_REACHED\n")
      io.stdout:flush()
      wrk.thread:stop()
    end
  end
end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency)
  local total_wraps = 0
  for _, thread in ipairs(threads) do
    total_wraps = total_wraps + (thread:get("wraps") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"p999Us":%d,"meanUs":%.1f,"maxUs":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"tokenWraps":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9), latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, total_wraps))
end
