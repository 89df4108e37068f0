-- wrk script for bench/run.py: method, headers and body from the environment; a body may
-- contain %d, replaced by a per-thread counter so that every write really changes something.
-- Responses other than BENCH_EXPECT count as errors; done() prints one JSON line.
local method = os.getenv("BENCH_METHOD") or "GET"
local body_template = os.getenv("BENCH_BODY") or ""
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local headers = {}
for key, value in string.gmatch(os.getenv("BENCH_HEADERS") or "{}", '"([^"]+)"%s*:%s*"([^"]*)"') do
  headers[key] = value
end

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  errors = 0
  counter = id * 1000000
end

function request()
  local body = nil
  if body_template ~= "" then
    counter = counter + 1
    body = string.gsub(body_template, "%%d", tostring(counter))
  end
  return wrk.format(method, nil, headers, body)
end

function response(status, hdrs, body)
  if status ~= expect then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("errors")
  end
  io.write(string.format(
    '{"requests": %d, "rps": %.2f, "p50": %.2f, "p95": %.2f, "p99": %.2f, "max": %.2f, "errors": %d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, failed))
end
