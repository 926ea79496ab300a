#!/usr/bin/env bash
# The real binary: the first start's admin token, --auth off, --anonymous-read, the CLI's
# token verbs through the server and offline, and `audit verify` (offline and HTTP) finding
# an edited, a deleted and an inserted row.
# usage: security_cli_test.sh MODELVAULT
MODELVAULT=$1
source "$(dirname "$0")/../e2e/lib.sh"
cd "$WORK"

# --- first start: an admin token in <data-dir>/admin-token, mode 0600, its path logged ---
DATA="$WORK/data"
start_server "$DATA" --quiet
[ -n "$MODELVAULT_TOKEN" ] || fail "no admin-token after the first start"
[ "$(stat -c %a "$DATA/admin-token")" = 600 ] || fail "admin-token mode $(stat -c %a "$DATA/admin-token")"
grep -q "admin token, written to $DATA/admin-token" "$WORK/server.err" ||
  fail "the first start did not log the token's path: $(cat "$WORK/server.err")"
first=$MODELVAULT_TOKEN
[ "$(command curl -sS -o body -w '%{http_code}' -X POST "$BASE/api/v1/models" -d '{"name":"m"}')" = 401 ] ||
  fail "anonymous write: $(cat body)"
command curl -sS -D headers -o /dev/null "$BASE/api/v1/models"
grep -qi '^WWW-Authenticate: Bearer' headers || fail "no WWW-Authenticate: $(cat headers)"
expect_status 201 POST "$BASE/api/v1/models" -d '{"name":"m"}'
expect_status 201 POST "$BASE/api/v1/models/m/versions" -F a.bin=@headers
stop_server
start_server "$DATA" --quiet
[ "$MODELVAULT_TOKEN" = "$first" ] || fail "a restart replaced the admin token"
grep -q "the admin token is in $DATA/admin-token" "$WORK/server.err" || fail "restart did not say where the token is"
ok "first start writes a 0600 admin token and logs where; anonymous writes get 401 + WWW-Authenticate"

# --- tokens through the CLI, against the server -------------------------------------------
export MODELVAULT_URL="$BASE"
"$MODELVAULT" token create ci --scopes read,write --models 'm*' >secret 2>/dev/null || fail "token create"
ci=$(cat secret)
MODELVAULT_TOKEN=$ci "$MODELVAULT" get m >/dev/null || fail "get with the ci token"
expect_status 403 POST "$BASE/api/v1/models/m/versions/1/stage" --oauth2-bearer "$ci" -d '{"stage":"staging"}'
expect_json_error permission_denied
"$MODELVAULT" token revoke ci >/dev/null || fail "token revoke"
expect_status 401 GET "$BASE/api/v1/models/m" --oauth2-bearer "$ci"
ok "token create/revoke through the server; a revoked token gets 401 at once"

# --- offline recovery: a new admin token with the server running ---------------------------
"$MODELVAULT" token create rescue --scopes admin --data-dir "$DATA" >rescue.json || fail "offline create"
rescue=$(json 'd["token"]' rescue.json)
expect_status 200 GET "$BASE/api/v1/tokens" --oauth2-bearer "$rescue"
"$MODELVAULT" token list --data-dir "$DATA" >list.json || fail "offline list"
[ "$(json '[t["name"] for t in d["tokens"]]' list.json)" = "['admin', 'ci', 'rescue']" ] ||
  fail "offline list: $(cat list.json)"
grep -q mvt_ list.json && fail "offline list shows a secret"
ok "offline token create (recovery) works against a running server's data dir"

# --- audit verify: offline and HTTP, intact then broken -------------------------------------
"$MODELVAULT" audit verify --data-dir "$DATA" >verify.out || fail "intact chain: $(cat verify.out)"
grep -q "intact" verify.out || fail "verify: $(cat verify.out)"
expect_status 200 GET "$BASE/api/v1/audit/verify"
[ "$(json 'd["intact"]' "$WORK/body")" = True ] || fail "HTTP verify: $(cat "$WORK/body")"
stop_server
# tamper CASE: a copy of the database with one row edited, deleted or inserted
tamper() {
  rm -rf "$WORK/t" && mkdir "$WORK/t" && cp "$DATA"/modelvault.db* "$WORK/t/"
  "$PY" - "$WORK/t/modelvault.db" "$1" <<'PYEOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("DROP TRIGGER IF EXISTS audit_no_update")
c.execute("DROP TRIGGER IF EXISTS audit_no_delete")
case = sys.argv[2]
if case == "edited":
    c.execute("UPDATE audit_events SET actor = 'nobody' WHERE id = 2")
elif case == "deleted":
    c.execute("DELETE FROM audit_events WHERE id = 2")
else:
    c.execute("UPDATE audit_events SET id = id + 100 WHERE id >= 2")
    c.execute("INSERT INTO audit_events(id, at, actor, action, model, version, from_value, "
              "to_value, comment, request_id, prev_hash, hash) SELECT 2, at, 'admin', "
              "'stage', 'm', 1, 'none', 'production', '', '', hash, hash FROM audit_events "
              "WHERE id = 1")
c.commit()
PYEOF
}
# The rows: 1 model.create, 2 version.create, 3-4 the ci token, 5 the rescue token. A
# deletion is named by the first row after the gap.
for case in edited:2 deleted:3 inserted:2; do
  row=${case#*:} case=${case%:*}
  tamper "$case"
  rc=0
  "$MODELVAULT" audit verify --data-dir "$WORK/t" >verify.out || rc=$?
  [ "$rc" = 1 ] || fail "$case: audit verify exit $rc: $(cat verify.out)"
  grep -q "BROKEN at row $row ($case)" verify.out || fail "$case: $(cat verify.out)"
  "$MODELVAULT" audit verify --data-dir "$WORK/t" --json >verify.json || true
  [ "$(json '(d["intact"], d["first_bad_id"], d["problem"])' verify.json)" = "(False, $row, '$case')" ] ||
    fail "$case --json: $(cat verify.json)"
  cp "$DATA/admin-token" "$WORK/t/"
  start_server "$WORK/t" --quiet
  expect_status 200 GET "$BASE/api/v1/audit/verify"
  [ "$(json '(d["intact"], d["first_bad_id"], d["problem"])' "$WORK/body")" = "(False, $row, '$case')" ] ||
    fail "$case over HTTP: $(cat "$WORK/body")"
  stop_server
done
ok "audit verify (offline: exit 1; HTTP) names an edited, a deleted and an inserted row"

# --- --anonymous-read -------------------------------------------------------------------------
start_server "$DATA" --quiet --anonymous-read
[ "$(command curl -sS -o body -w '%{http_code}' "$BASE/api/v1/models/m")" = 200 ] || fail "anonymous read: $(cat body)"
[ "$(command curl -sS -o body -w '%{http_code}' -I "$BASE/api/v1/models/m/versions/1/artifacts/a.bin")" = 200 ] ||
  fail "anonymous HEAD"
[ "$(command curl -sS -o body -w '%{http_code}' -X POST "$BASE/api/v1/models" -d '{"name":"n"}')" = 401 ] ||
  fail "anonymous write under --anonymous-read: $(cat body)"
stop_server
ok "--anonymous-read lets GET/HEAD through, not writes"

# --- --auth off: open, and a warning on every start --------------------------------------------
: >"$WORK/server.err"
start_server "$WORK/open" --quiet --auth off
[ -e "$WORK/open/admin-token" ] && fail "--auth off made an admin token"
[ "$(command curl -sS -o body -w '%{http_code}' -X POST "$BASE/api/v1/models" -d '{"name":"n"}')" = 201 ] ||
  fail "--auth off write: $(cat body)"
stop_server
start_server "$WORK/open" --quiet --auth off
stop_server
[ "$(grep -c 'WARNING: --auth off' "$WORK/server.err")" = 2 ] || fail "--auth off did not warn on each start: $(cat "$WORK/server.err")"
rc=0; "$MODELVAULT" serve --data-dir "$WORK/x" --auth maybe 2>err || rc=$?
[ "$rc" = 2 ] || fail "--auth maybe: exit $rc"
ok "--auth off serves without tokens and warns on every start"
echo "security cli: all checks passed"
