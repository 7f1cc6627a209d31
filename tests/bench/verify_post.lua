-- verify_post.lua - wrk script for tests/bench/http.sh: POST /v1/verify with the standard
-- presentation (CBOR body, transcript_hex in the query) on keep-alive connections.
--
-- Environment (set by http.sh):
--   MDLG_BENCH_BODY   file with the DeviceResponse (raw CBOR)
--   MDLG_BENCH_TH     SessionTranscript, hex
--   MDLG_BENCH_KEY    API key
--   MDLG_BENCH_PACE   0 (default): each connection sends its next request as soon as the
--                     answer is in (closed loop, the maximum rate); N > 0: each connection
--                     waits a random 0..2N ms (mean N) before each request, to run below
--                     the maximum rate (wrk2's open loop is not in Debian)
-- Every answer must be 200 with "valid": true; done() prints one machine-readable line
--   MDLG requests=N invalid=N p50_us=N p90_us=N p99_us=N max_us=N duration_us=N
-- with the latency percentiles of wrk's own histogram (send -> complete answer).

local function env(name)
    local v = os.getenv(name)
    if v == nil or v == "" then error(name .. " is not set") end
    return v
end

local f = assert(io.open(env("MDLG_BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.path = "/v1/verify?transcript_hex=" .. env("MDLG_BENCH_TH")
wrk.headers["Content-Type"] = "application/cbor"
wrk.headers["Authorization"] = "Bearer " .. env("MDLG_BENCH_KEY")

local pace = tonumber(os.getenv("MDLG_BENCH_PACE") or "0") or 0
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    invalid = 0
    math.randomseed(os.time() + #threads)
end

if pace > 0 then
    function delay()
        return math.random(0, 2 * pace)
    end
end

function response(status, headers, body)
    if status ~= 200 or body:sub(1, 13) ~= '{"valid":true' then
        invalid = invalid + 1
    end
end

function done(summary, latency, requests)
    local bad = 0
    for _, t in ipairs(threads) do
        bad = bad + t:get("invalid")
    end
    io.write(string.format(
        "MDLG requests=%d invalid=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d duration_us=%d " ..
        "socket_errors=%d\n",
        summary.requests, bad, latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency.max, summary.duration,
        summary.errors.connect + summary.errors.read + summary.errors.write +
        summary.errors.timeout + summary.errors.status))
end
