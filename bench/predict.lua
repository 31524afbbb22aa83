-- wrk script of bench/load.sh: POSTs the valid case sample to /predict and prints one
-- machine-readable RESULT line (requests/s, p50 and p99 in ms, failed requests).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"ph":7.0,"Hardness":200.0,"Solids":20000.0,"Chloramines":7.5,"Sulfate":350.0,' ..
  '"Conductivity":400.0,"Organic_carbon":14.0,"Trihalomethanes":70.0,"Turbidity":4.0}'

function done(summary, latency, requests)
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %d %.1f %.3f %.3f %d\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, failed))
end
