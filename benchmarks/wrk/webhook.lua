-- POSTs signed Facebook webhook events from a pool written by benchmarks/side_by_side.py:
-- one line per event, "sha256=<hex signature>\t<JSON body>". Each thread sends its own share
-- of the pool in order, so no event is sent twice unless the pool runs out ("wrapped").
local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  local pool = args[1]
  local nthreads = tonumber(args[2])
  bodies, signatures = {}, {}
  local line_no = 0
  for line in io.lines(pool) do
    if line_no % nthreads == id then
      local tab = line:find("\t", 1, true)
      signatures[#signatures + 1] = line:sub(1, tab - 1)
      bodies[#bodies + 1] = line:sub(tab + 1)
    end
    line_no = line_no + 1
  end
  position = 0
  wrapped = 0
end

function request()
  position = position + 1
  if position > #bodies then
    position = 1
    wrapped = wrapped + 1
  end
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Hub-Signature-256"] = signatures[position],
  }, bodies[position])
end

done = function(summary, latency, requests)
  local wraps = 0
  for _, thread in ipairs(threads) do
    wraps = wraps + (thread:get("wrapped") or 0)
  end
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d status_errors=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d wrapped=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, wraps))
end
