-- Round-robin over a pool of bearer tokens (one per line in $TOKENS_FILE), GET $REQ_PATH.
-- CHECK=1 also counts answers by status (slower: wrk then parses every response); done() prints one RESULT line.
local tokens_file = os.getenv("TOKENS_FILE")
local path = os.getenv("REQ_PATH") or "/"
local check = os.getenv("CHECK") == "1"
local requests = {}
local next_index = 0
statuses = {}

function init(args)
  for line in io.lines(tokens_file) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. line })
    end
  end
  if #requests == 0 then
    error("no tokens in " .. tostring(tokens_file))
  end
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

if check then
  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests_)
  local counts = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses") or {}
    for code, n in pairs(s) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    parts[#parts + 1] = "status_" .. code .. "=" .. n
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d non2xx=%d socket_errors=%d %s\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout, table.concat(parts, " ")))
end
