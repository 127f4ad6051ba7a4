-- Sends each token of $TOKENS_FILE exactly once (one per line), GET $REQ_PATH, then stops; counts answers by status.
-- Use with -t1 (one file reader). done() prints one RESULT line.
local tokens_file = os.getenv("TOKENS_FILE")
local path = os.getenv("REQ_PATH") or "/"
local file
local last
statuses = {}
sent = 0

function init(args)
  file = assert(io.open(tokens_file, "r"))
end

function request()
  local line = file:read("*l")
  if line == nil then
    wrk.thread:stop()
    line = last
  else
    sent = sent + 1
  end
  last = line
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. line })
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests_)
  local parts = {}
  local total_sent = 0
  for _, t in ipairs(threads) do
    total_sent = total_sent + (t:get("sent") or 0)
    for code, n in pairs(t:get("statuses") or {}) do
      parts[#parts + 1] = "status_" .. code .. "=" .. n
    end
  end
  local e = summary.errors
  io.write(string.format("RESULT sent=%d requests=%d duration_us=%d rps=%.1f p99_us=%d socket_errors=%d %s\n",
    total_sent, summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, table.concat(parts, " ")))
end
