#!/usr/bin/env bash
# GET /metrics passes `promtool check metrics` and counts what happened; request logs are
# one JSON object per line with the documented fields (or text with --log-format text);
# X-Request-Id is adopted when sane and lands in the audit log; the OpenAPI document is
# served.
# usage: metrics_logs_test.sh MODELVAULT
MODELVAULT=$1
source "$(dirname "$0")/../e2e/lib.sh"

start_server "$WORK/data" --log-format json
AUTH=()
[ -f "$WORK/data/admin-token" ] && AUTH=(-H "Authorization: Bearer $(cat "$WORK/data/admin-token")")

expect_status 201 POST "$BASE/api/v1/models" "${AUTH[@]}" -H 'X-Request-Id: ci-run-42.step:1' \
  -d '{"name":"m1"}'
expect_status 201 POST "$BASE/api/v1/models/m1/versions?draft=true" "${AUTH[@]}" -d '{}'
expect_status 201 PUT "$BASE/api/v1/models/m1/versions/1/artifacts/w.bin" "${AUTH[@]}" \
  --data-binary 'some weights'
expect_status 200 POST "$BASE/api/v1/models/m1/versions/1/commit" "${AUTH[@]}"
expect_status 200 GET "$BASE/api/v1/models/m1/versions/1/artifacts/w.bin" "${AUTH[@]}"
expect_status 404 GET "$BASE/api/v1/models/nope" "${AUTH[@]}"
expect_status 404 GET "$BASE/no/such/route" "${AUTH[@]}"

# Request ids: adopted when sane, replaced otherwise, recorded in the audit.
id=$(curl -sS -D - -o /dev/null "${AUTH[@]}" -H 'X-Request-Id: bad id with spaces' \
  "$BASE/api/v1/models" | tr -d '\r' | sed -n 's/^X-Request-Id: //Ip')
[ -n "$id" ] && [ "$id" != "bad id with spaces" ] || fail "an insane X-Request-Id was adopted: '$id'"
expect_status 200 GET "$BASE/api/v1/audit?action=model.create" "${AUTH[@]}"
[ "$(json 'd["events"][0]["request_id"]' "$WORK/body")" = "ci-run-42.step:1" ] ||
  fail "the audit row lacks the request id: $(cat "$WORK/body")"
ok "X-Request-Id adopted when sane and written into the audit row"

expect_status 200 GET "$BASE/metrics" "${AUTH[@]}"
cp "$WORK/body" "$WORK/metrics.txt"
promtool check metrics <"$WORK/metrics.txt" || fail "promtool check metrics failed"
grep -q '^modelvault_http_requests_total{method="POST",route="/api/v1/models",status="2xx"} 1$' \
  "$WORK/metrics.txt" || fail "no request count for POST /api/v1/models"
grep -q '^modelvault_http_requests_total{method="",route="unmatched",status="4xx"} 1$' \
  "$WORK/metrics.txt" || fail "no count for the unmatched route"
# 2 bytes of the draft's JSON body and the 12 of the artifact.
grep -q '^modelvault_uploaded_bytes_total 14$' "$WORK/metrics.txt" || fail "uploaded bytes"
grep -q '^modelvault_downloaded_bytes_total 12$' "$WORK/metrics.txt" || fail "downloaded bytes"
grep -q '^modelvault_inspections_total{kind=".*",safety=".*"} 1$' "$WORK/metrics.txt" ||
  fail "no inspection count"
for m in modelvault_http_request_duration_seconds_bucket modelvault_session_cache_hits_total \
         modelvault_sqlite_pool_waits_total modelvault_http_open_connections \
         modelvault_http_busy_workers process_resident_memory_bytes process_open_fds; do
  grep -q "^$m" "$WORK/metrics.txt" || fail "metric $m missing"
done
if grep -q 'w.bin\|nope' "$WORK/metrics.txt"; then fail "a path or artifact name in a label"; fi
ok "GET /metrics passes promtool check metrics ($(grep -vc '^#' "$WORK/metrics.txt") samples)"

expect_status 200 GET "$BASE/api/v1/openapi.yaml"
head -1 "$WORK/body" | grep -q '^#' && grep -q '^openapi: 3.1' "$WORK/body" || fail "openapi.yaml"
ok "GET /api/v1/openapi.yaml serves the document"

stop_server
"$PY" - "$WORK/server.err" <<'PY' || fail "the JSON request log"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
recs = [json.loads(l) for l in lines]
want = {"time", "request_id", "method", "route", "status", "bytes_in", "bytes_out", "duration_ms", "actor"}
assert recs and all(set(r) == want for r in recs), recs[:2]
first = recs[0]
assert first["request_id"] == "ci-run-42.step:1" and first["route"] == "/api/v1/models", first
assert any(r["route"] == "/api/v1/models/{m}/versions/{v}/artifacts/{name}" and r["bytes_out"] == 12 for r in recs)
assert any(r["route"] == "unmatched" and r["status"] == 404 for r in recs)
print("ok - %d JSON log lines with every field" % len(recs))
PY

: >"$WORK/server.err"
start_server "$WORK/data" --log-format text
expect_status 200 GET "$BASE/healthz" -H 'X-Request-Id: text-1'
stop_server
grep -q ' GET /healthz 200 .*ms in=0 out=.* id=text-1 actor=' "$WORK/server.err" ||
  fail "text log line: $(grep healthz "$WORK/server.err")"
ok "--log-format text writes one readable line per request"
echo PASS
