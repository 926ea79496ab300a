-- wrk script: POSTs one request body over and over and prints one machine-readable line.
-- env: MV_BODY          file holding the body (OIP JSON, OIP binary or .npy)
--      MODELVAULT_TOKEN sent as Authorization: Bearer when set
--      MV_CONTENT_TYPE  its Content-Type
--      MV_HEADER_LENGTH Inference-Header-Content-Length (OIP binary only)
-- Output (tab-separated, times in microseconds):
--   MV requests duration_us p50 p90 p99 mean non2xx socket_errors
local f = assert(io.open(assert(os.getenv("MV_BODY"), "MV_BODY unset"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = assert(os.getenv("MV_CONTENT_TYPE"), "MV_CONTENT_TYPE unset")
-- Auth is on: inference_bench.sh exports the server's admin token.
local token = os.getenv("MODELVAULT_TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
local header_length = os.getenv("MV_HEADER_LENGTH")
if header_length and header_length ~= "" then
  wrk.headers["Inference-Header-Content-Length"] = header_length
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("MV\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\n", summary.requests,
                         summary.duration, latency:percentile(50), latency:percentile(90),
                         latency:percentile(99), latency.mean, e.status,
                         e.connect + e.read + e.write + e.timeout))
end
