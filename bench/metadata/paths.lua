-- wrk script of bench/metadata_bench.sh: every request is one GET of the kind MV_KIND names,
-- its keys drawn at random over the loaded data set (MV_MODELS models x MV_PER versions,
-- see bench/lineage_bench.cc). done() prints one machine-readable "WRK ..." line.
local kind = os.getenv("MV_KIND") or "version"
local models = tonumber(os.getenv("MV_MODELS") or "1000")
local per = tonumber(os.getenv("MV_PER") or "100")

-- Auth is on: send the token bench/lib.sh's start_server exported (none with --auth off).
local token = os.getenv("MODELVAULT_TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end

local threads = 0
function setup(thread)
  thread:set("seed", 4242 + threads)
  threads = threads + 1
end

function init(args)
  math.randomseed(seed or 4242)
end

local function model(k)
  return string.format("m%04d", k)
end

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

-- A model that is not a family root (k % 10 ~= 0): its version 1 has a parent.
local function derived()
  if models < 2 then return 0 end
  local k
  repeat k = math.random(0, models - 1) until k % 10 ~= 0
  return k
end

local paths = {
  file = function() return "/1k.bin" end,
  version = function()
    return "/api/v1/models/" .. model(math.random(0, models - 1)) .. "/versions/" ..
        math.random(1, per)
  end,
  list = function()
    return "/api/v1/models/" .. model(math.random(0, models - 1)) .. "/versions"
  end,
  search = function()
    local f = string.format("tags.team = 'vision' AND metrics.top1 >= %.3f",
                            0.5 + 0.39 * math.random())
    return "/api/v1/versions?filter=" .. encode(f)
  end,
  lineage = function()
    return "/api/v1/lineage?transitive=true&parent=" .. model(derived()) .. ":" ..
        math.random(1, per)
  end,
  dataset = function()
    return "/api/v1/lineage?dataset=sha256:train-" .. math.random(0, math.min(models, 200) - 1)
  end,
}
local path = paths[kind]
if path == nil then error("MV_KIND must be one of file, version, list, search, lineage, dataset") end

function request()
  return wrk.format("GET", path())
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
      "WRK requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
      "p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
      summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
