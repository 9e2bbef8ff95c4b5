-- Prints one line that benchmarks/side_by_side.py reads: the number of requests, the run's
-- length and the latency percentiles (wrk --latency prints p50/p75/p90/p99, not p95).
done = function(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d status_errors=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d wrapped=0\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
