-- wrk done() hook: prints the summary as one JSON line prefixed with TIERED_WRK so the harness
-- can read p50..p99.99 and errors (wrk's own text output rounds and omits p99.9).
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local ps = { 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99 }
  local points = { string.format('{"p":0,"us":%d}', latency.min) }
  for _, p in ipairs(ps) do
    table.insert(points, string.format('{"p":%s,"us":%d}', p, latency:percentile(p)))
  end
  table.insert(points, string.format('{"p":100,"us":%d}', latency.max))
  io.write(string.format('TIERED_WRK {"requests":%d,"duration_us":%d,"errors":%d,"status_errors":%d,"mean_us":%f,"points":[%s]}\n',
    summary.requests, summary.duration, errors, e.status, latency.mean, table.concat(points, ",")))
end
