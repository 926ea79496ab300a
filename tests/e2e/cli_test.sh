#!/usr/bin/env bash
# The client verbs of the real binary against a real server: every verb, every exit code
# (0 ok, 1 error, 2 usage, 3 not found, 4 conflict), SHA-256 verification on push (each
# file is read once, hashed while it is sent, and checked against the server's digest) and
# on pull (a corrupted blob is refused and leaves no file), progress bars only on a
# terminal, and a large push and pull streamed in bounded client memory.
# usage: cli_test.sh MODELVAULT [BIG_BYTES] [MAX_CLIENT_RSS_KIB (0: no bound)]
MODELVAULT=$1
BIG_BYTES=${2:-$((150 << 20))}
MAX_CLIENT_RSS_KIB=${3:-65536}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

DATA="$WORK/data"
start_server "$DATA" --quiet
export MODELVAULT_URL="$BASE"
cd "$WORK"

# cli WANT_EXIT ARGS...: runs the CLI, checks its exit code; stdout in $WORK/out, stderr in
# $WORK/err.
cli() {
  local want=$1 rc=0; shift
  "$MODELVAULT" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
  [ "$rc" = "$want" ] ||
    fail "modelvault $*: want exit $want, got $rc; stdout: $(head -c 400 out); stderr: $(head -c 400 err)"
}
# out_has TEXT / err_has TEXT: the last run's stdout / stderr contains TEXT.
out_has() { grep -qF -- "$1" out || fail "stdout lacks '$1': $(head -c 600 out)"; }
err_has() { grep -qF -- "$1" err || fail "stderr lacks '$1': $(head -c 600 err)"; }
api() { curl -sS "$BASE$1" >"$WORK/body"; }  # GET into $WORK/body
sha() { sha256sum "$1" | cut -d' ' -f1; }
blob_of() { echo "$DATA/blobs/sha256/${1:0:2}/${1:2:2}/$1"; }

# random bytes behind a text header, with neutral names, so that no inspector sees a
# pickle, a zip or a broken ONNX file (those are refused production)
# Random bytes behind a '#' line: '#' is no pickle opcode, so content sniffing can never take
# a fixture for a protocol-0 pickle ("cli ..." began with GLOBAL's 'c', and one run in
# thousands walked far enough to be quarantined, which refused the promotion below).
randfile() { { echo "# cli e2e $1"; head -c "$2" /dev/urandom; } >"$1"; }
randfile model.bin 300000
randfile weights.bin 120000
randfile v2.bin 50000
cat >meta.json <<'EOF'
{"description":"first export","tags":{"team":"vision"},"metrics":{"top1":0.71},
 "lineage":{"run":"r-42","dataset":"sha256:d5e7","commit":"9f1c2e7"},
 "parity":{"skip":"opaque test bytes: no ONNX model to check parity on"}}
EOF
echo '{"parity":{"skip":"opaque test bytes"}}' >skip.json

# --- push -------------------------------------------------------------------------------
cli 0 push resnet model.bin w.bin=weights.bin --meta meta.json
[ "$(cat out)" = 1 ] || fail "push printed '$(cat out)', want the version number 1"
api /api/v1/models/resnet/versions/1
[ "$(json 'd["state"]' body)" = sealed ] || fail "pushed version is not sealed"
[ "$(json 'd["meta"]["lineage"]["run"]' body)" = r-42 ] || fail "meta was not sent"
[ "$(json '{a["name"]: a["sha256"] for a in d["artifacts"]}["w.bin"]' body)" = "$(sha weights.bin)" ] ||
  fail "NAME=FILE did not store weights.bin as w.bin"
for pair in model.bin:model.bin w.bin:weights.bin; do
  name=${pair%%:*} src=${pair#*:}
  digest=$(json "{a['name']: a['sha256'] for a in d['artifacts']}['$name']" body)
  [ "$digest" = "$(sha "$src")" ] || fail "$name: server digest $digest, sha256sum $(sha "$src")"
  cmp -s "$src" "$(blob_of "$digest")" || fail "$name: the stored blob differs from $src"
done
cli 0 push resnet v2.bin --meta skip.json --stage staging --json
[ "$(json 'd["version"]' out)" = 2 ] || fail "push --json: $(cat out)"
[ "$(json 'd["stage"]' out)" = staging ] || fail "push --stage did not stage: $(cat out)"
ok "push creates the model, uploads with digests, commits, stages; NAME=FILE renames"

before=$(curl -sS "$BASE/api/v1/models/resnet" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["version_count"])')
cli 1 push resnet model.bin missing.bin
err_has missing.bin
after=$(curl -sS "$BASE/api/v1/models/resnet" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["version_count"])')
[ "$before" = "$after" ] || fail "a push with a missing file opened a version"
cli 2 push resnet model.bin x=weights.bin x=v2.bin
err_has "rename one"
cli 1 push resnet v2.bin --stage bogus
err_has "but could not move it to bogus"
cli 1 push resnet v2.bin --meta weights.bin
err_has "not a JSON object"
cli 1 push 'bad name!' v2.bin
ok "push refuses missing files, duplicate names, bad meta and bad stages"

# --- push reads each file once and checks the server's digest -----------------------------
randfile once.bin $((5 << 20))
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
  # -y prints each descriptor's path: add up the bytes every read of once.bin returned.
  # LeakSanitizer cannot run under ptrace: in the sanitizer pass this one push goes without
  # the leak check (every other push in this file keeps it).
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -y -e trace=read,pread64,readv,preadv,preadv2,mmap -o push.strace \
    "$MODELVAULT" push once once.bin >out 2>err </dev/null || fail "push under strace: $(cat err)"
  read_bytes=$(awk '/once\.bin>/ && !/ mmap\(/ && match($0, /= [0-9]+$/) {
    s += substr($0, RSTART + 2) } END { print s + 0 }' push.strace)
  [ "$read_bytes" = "$(stat -c %s once.bin)" ] ||
    fail "push read $read_bytes bytes of once.bin, want each of its $(stat -c %s once.bin) once"
  awk '/once\.bin>/ && / mmap\(/ { found = 1 } END { exit !found }' push.strace &&
    fail "push mapped once.bin: $(grep -F 'once.bin>' push.strace | grep -F mmap)"
  ok "push reads each file exactly once (strace: $read_bytes bytes)"
else
  echo "skip - strace is not available: the read-once count is not checked"
  cli 0 push once once.bin
fi
api /api/v1/models/once/versions/1
[ "$(json 'd["artifacts"][0]["sha256"]' body)" = "$(sha once.bin)" ] || fail "once.bin digest"
: >empty.bin
cli 0 push once empty.bin
api /api/v1/models/once/versions/2
[ "$(json 'd["artifacts"][0]["sha256"]' body)" = "$(sha empty.bin)" ] || fail "empty.bin digest"

# A proxy flips a byte of every PUT body: the server stores other bytes and says so with
# their digest; push must fail, take the artifact out of the draft and not commit.
"$PY" "$HERE/corrupting_proxy.py" "$PORT" "$WORK/proxy.port" 2>"$WORK/proxy.err" &
PROXY_PID=$!
SERVER_PIDS+=("$PROXY_PID")
for _ in $(seq 1 100); do [ -s "$WORK/proxy.port" ] && break; sleep 0.05; done
[ -s "$WORK/proxy.port" ] || fail "the corrupting proxy did not start: $(cat "$WORK/proxy.err")"
PROXY="http://127.0.0.1:$(cat "$WORK/proxy.port")"
cli 1 push flipped model.bin --server "$PROXY"
err_has "the server stored model.bin with SHA-256"
err_has "$(sha model.bin)"
err_has "removed from the draft"
err_has "flipped version 1 is left as an uncommitted draft"
api /api/v1/models/flipped/versions/1
[ "$(json 'd["state"]' body)" = draft ] || fail "the corrupted push was committed: $(cat body)"
[ "$(json 'len(d["artifacts"])' body)" = 0 ] || fail "the corrupted artifact was kept: $(cat body)"
api /api/v1/models/flipped
[ "$(json 'd["version_count"]' body)" = 0 ] || fail "flipped has a visible version: $(cat body)"
kill "$PROXY_PID"
wait "$PROXY_PID" 2>/dev/null || true
ok "a push whose stored digest differs fails with DataLoss and commits nothing"

# --- pull and get -------------------------------------------------------------------------
cli 0 pull resnet:1 -o got1
cmp -s model.bin got1/model.bin && cmp -s weights.bin got1/w.bin || fail "pull bytes differ"
[ -z "$(find got1 -name '*.part')" ] || fail "pull left .part files"
out_has "got1/model.bin"
# versions now: 1 (model.bin, w.bin), 2 (v2.bin, staging), 3 (v2.bin, the push whose stage
# was refused)
cli 3 pull resnet w.bin --output=got-none
err_has "no artifact 'w.bin'"
cli 3 pull resnet:1 nope.bin -o got-none
cli 0 pull resnet v2.bin --output=got-latest --json
cmp -s v2.bin got-latest/v2.bin || fail "pull of latest differs"
[ "$(json 'd["version"]' out)" = 3 ] || fail "pull --json printed $(head -c 200 out)"
cli 0 pull resnet:staging -o got-staging
cmp -s v2.bin got-staging/v2.bin || fail "pull resnet:staging differs"
cli 3 pull resnet:99 -o got-none
cli 3 pull nosuchmodel -o got-none
[ ! -e got-none ] || [ -z "$(ls -A got-none)" ] || fail "a failed pull left files"
ok "pull downloads by number, latest, stage, one artifact; 404s exit 3"

cli 0 get resnet
out_has "resnet"
out_has "versions"
cli 0 get resnet:1
out_has "w.bin"
out_has "$(sha weights.bin)"
cli 0 get resnet --json
[ "$(json 'd["name"]' out)" = resnet ] || fail "get --json: $(cat out)"
cli 3 get nosuchmodel
err_has "HTTP 404"
cli 3 get resnet:42
ok "get prints models and versions; 404 exits 3"

# --- a corrupted blob is refused by pull --------------------------------------------------
blob=$(blob_of "$(sha model.bin)")
[ -f "$blob" ] || fail "blob not found at $blob"
chmod u+w "$blob"
printf '\x00\x01\x02\x03' | dd of="$blob" bs=1 seek=1000 conv=notrunc status=none
cli 1 pull resnet:1 model.bin -o corrupt
err_has "do not match"
[ ! -e corrupt/model.bin ] && [ ! -e corrupt/model.bin.part ] ||
  fail "a corrupted download was kept: $(ls -la corrupt)"
truncate -s 100000 "$blob"  # shorter than recorded: the server cuts the stream
cli 1 pull resnet:1 model.bin -o corrupt
[ -z "$(ls -A corrupt)" ] || fail "a cut download was kept: $(ls -la corrupt)"
ok "pull verifies SHA-256: corrupted or cut bytes exit 1 and leave no file"

# --- promote ------------------------------------------------------------------------------
cli 0 promote resnet 1 production --comment "first release"
out_has "resnet version 1: production"
cli 0 promote resnet 2 production --json
[ "$(json 'd["stage"]' out)" = production ] || fail "promote --json: $(cat out)"
api /api/v1/models/resnet/versions/1
[ "$(json 'd["stage"]' body)" = archived ] || fail "the previous production was not archived"
cli 0 promote resnet 1 production --keep-previous --force
api /api/v1/models/resnet/versions/2
[ "$(json 'd["stage"]' body)" = staging ] || fail "--keep-previous did not keep version 2 in staging"
cli 4 promote resnet 1 none
err_has "HTTP 409"
# refused by policy: a pickle that imports os.system is quarantined and never promoted
"$PY" -c 'import os, pickle, sys; sys.stdout.buffer.write(pickle.dumps(os.system))' >evil.pkl
cli 0 push evil evil.pkl
cli 4 promote evil 1 production
err_has "quarantined"
cli 4 push evil evil.pkl --stage production
err_has "pushed evil version 2 but could not move it to production"
cli 3 promote resnet 77 staging
cli 1 promote resnet 2 nirvana
cli 2 promote resnet 2
ok "promote moves stages, archives or keeps the previous; illegal or refused moves exit 4"

# --- alias ------------------------------------------------------------------------------
cli 0 alias resnet champion 1
out_has "resnet@champion -> 1"
cli 0 alias resnet @candidate staging --json
[ "$(json 'd["version"]' out)" = 2 ] || fail "alias by stage ref: $(cat out)"
cli 0 alias resnet champion
out_has "-> 1"
cli 0 pull resnet@champion w.bin -o got-champion
cmp -s weights.bin got-champion/w.bin || fail "pull MODEL@ALIAS differs"
cli 0 get resnet:@candidate --json
[ "$(json 'd["version"]' out)" = 2 ] || fail "get MODEL:@ALIAS: $(head -c 200 out)"
cli 0 alias resnet candidate --delete
out_has "deleted resnet@candidate"
cli 3 alias resnet candidate
cli 3 alias resnet champion 99
cli 2 alias resnet champion 1 --delete
ok "alias sets, shows, resolves in pull/get and deletes"

# --- history ------------------------------------------------------------------------------
cli 0 history resnet
out_has "VERSION"
[ "$(grep -c '^[12] ' out)" -ge 3 ] || fail "history timeline: $(cat out)"
grep -q '^1 .* now$' out || fail "version 1 should hold production now: $(cat out)"
cli 0 history resnet --stage production --json
[ "$(json 'len(d["timeline"])' out)" -ge 3 ] || fail "history --json: $(cat out)"
cli 0 history resnet --at "$(date -u +%Y-%m-%dT%H:%M:%S.999Z -d '+1 minute')"
out_has "version 1"
cli 0 history resnet --at 2000-01-01T00:00:00Z --json
[ "$(json 'd["version"]' out)" = None ] || fail "history --at before any version: $(cat out)"
cli 0 history resnet --stage staging --at 2000-01-01T00:00:00+02:00
out_has ": none"
cli 1 history resnet --at yesterday
cli 3 history nosuchmodel
ok "history shows the timeline and the holder at an instant"

# --- lineage ------------------------------------------------------------------------------
echo '{"lineage":{"parents":[{"model":"resnet","version":1,"relation":"quantized-from"}]}}' >child.json
cli 0 push resnet-int8 w.bin=weights.bin --meta child.json
echo '{"lineage":{"parents":[{"model":"resnet-int8","version":1,"relation":"converted-from"}]}}' >grand.json
cli 0 push resnet-onnx v2.bin --meta grand.json
cli 0 lineage --run r-42
out_has "resnet"
cli 0 lineage --dataset sha256:d5e7 --json
[ "$(json '[v["model"] + ":" + str(v["version"]) for v in d["versions"]]' out)" = "['resnet:1']" ] ||
  fail "lineage --dataset: $(cat out)"
cli 0 lineage --commit 9f1c2e7
out_has "resnet"
cli 0 lineage --parent resnet:1 --json
[ "$(json 'sorted(v["model"] for v in d["versions"])' out)" = "['resnet-int8']" ] ||
  fail "lineage --parent: $(cat out)"
cli 0 lineage --parent resnet:1 --transitive --json
[ "$(json 'sorted(v["model"] for v in d["versions"])' out)" = "['resnet-int8', 'resnet-onnx']" ] ||
  fail "lineage --parent --transitive: $(cat out)"
cli 0 lineage resnet-onnx:1 --direction up
out_has "converted-from"
out_has "resnet:1"
cli 0 lineage resnet-onnx:1 --direction up --depth 1 --json
[ "$(json '"resnet-int8" in [n["model"] for n in d["nodes"]]' out)" = True ] ||
  fail "lineage graph --json lacks the parent: $(cat out)"
[ "$(json '"resnet" in [n["model"] for n in d["nodes"]]' out)" = False ] ||
  fail "--depth 1 reached the grandparent: $(cat out)"
cli 0 lineage resnet:1 --direction down
out_has "resnet-int8:1"
cli 2 lineage
cli 2 lineage --run r-42 --commit c
cli 2 lineage resnet:1 --transitive
cli 2 lineage resnet:1 --direction sideways
cli 3 lineage nosuchmodel:1
ok "lineage answers by run, dataset, commit, parent (transitive) and as a graph"

# --- search -------------------------------------------------------------------------------
cli 0 search "name = 'resnet'"
[ "$(grep -c '^resnet ' out)" = 3 ] || fail "search rows: $(cat out)"
cli 0 search "name LIKE 'resnet%'" --page-size 1 --json
[ "$(json 'len(d["versions"])' out)" = 5 ] || fail "search did not follow pages: $(cat out)"
cli 0 search "name LIKE 'resnet%'" --page-size 1 --limit 3 --json
[ "$(json 'len(d["versions"])' out)" = 3 ] || fail "search --limit: $(cat out)"
cli 0 search stage = "'production'" --json
[ "$(json '[v["model"] + ":" + str(v["version"]) for v in d["versions"]]' out)" = "['resnet:1']" ] ||
  fail "search stage: $(cat out)"
cli 0 search "metrics.top1 > 0.7"
out_has "resnet"
cli 1 search "name = "
err_has "HTTP 400"
cli 2 search x --limit 0
ok "search follows next_page_token to the end or --limit; bad filters exit 1"

# --- usage and connection errors ----------------------------------------------------------
cli 2 frobnicate
cli 2 push
cli 2 pull
cli 2 get resnet --bogus
cli 2 get resnet --server ftp://example.com
cli 2 get resnet:
cli 0 push --help
out_has "usage: modelvault push"
cli 0 help
out_has "promote MODEL VERSION STAGE"
cli 1 get resnet --server http://127.0.0.1:1
err_has "cannot connect to the modelvault server at http://127.0.0.1:1"
MODELVAULT_URL=http://127.0.0.1:1 cli 1 pull resnet -o nowhere
cli 0 get resnet --server "$BASE/"
ok "usage errors exit 2; an unreachable server exits 1 with a clear message"

# --- tokens: MODELVAULT_TOKEN, --token, token create|list|revoke, audit verify ----------
MODELVAULT_TOKEN= cli 1 get resnet
err_has "HTTP 401"
err_has "set MODELVAULT_TOKEN or pass --token"
cli 0 token create ci-reader --scopes read --models 'res*'
reader=$(cat out)
[ "${reader:0:4}" = mvt_ ] || fail "token create printed $(cat out)"
err_has "shown only now"
MODELVAULT_TOKEN= cli 0 get resnet --token "$reader"
MODELVAULT_TOKEN="$reader" cli 0 get resnet
MODELVAULT_TOKEN="$reader" cli 1 promote resnet 1 staging
err_has "HTTP 403"
MODELVAULT_TOKEN="$reader" cli 1 token list
cli 0 token list
out_has "ci-reader"
out_has "res*"
grep -qF "$reader" out && fail "token list shows a secret"
cli 0 token revoke ci-reader
MODELVAULT_TOKEN="$reader" cli 1 get resnet
err_has "revoked"
cli 0 audit verify
out_has "audit chain intact"
cli 0 audit verify --json
out_has '"intact": true'
cli 2 token create nameless
cli 2 token bogus
ok "MODELVAULT_TOKEN and --token authenticate; token create/list/revoke; audit verify"

# --- progress bars: on a terminal only ----------------------------------------------------
cli 0 push resnet v2.bin
grep -q '\[' err && fail "a progress bar was drawn without a terminal: $(cat err)"
script -qec "'$MODELVAULT' pull resnet:1 w.bin -o got-tty" /dev/null >tty.out </dev/null ||
  fail "pull on a terminal failed: $(cat tty.out)"
grep -q 'pulling w.bin \[#*\] 100%' tty.out || fail "no progress bar on a terminal: $(cat -v tty.out)"
cmp -s weights.bin got-tty/w.bin || fail "pull on a terminal differs"
script -qec "'$MODELVAULT' push resnet v2.bin" /dev/null >tty.out </dev/null ||
  fail "push on a terminal failed: $(cat tty.out)"
grep -q 'pushing v2.bin \[#*\] 100%' tty.out || fail "no push progress bar: $(cat -v tty.out)"
grep -q 'hashing' tty.out && fail "push drew a separate hashing bar: $(cat -v tty.out)"
ok "progress bars are drawn on a terminal and not in pipes"

# --- a large push and pull stream in bounded client memory --------------------------------
randfile big.bin "$BIG_BYTES"
/usr/bin/time -f %M -o push.rss "$MODELVAULT" push big big.bin >out 2>err ||
  fail "big push: $(cat err)"
[ "$(cat out)" = 1 ] || fail "big push printed $(cat out)"
/usr/bin/time -f %M -o pull.rss "$MODELVAULT" pull big:1 -o got-big >out 2>err ||
  fail "big pull: $(cat err)"
[ "$(sha got-big/big.bin)" = "$(sha big.bin)" ] || fail "big pull differs"
echo "client peak RSS for $BIG_BYTES bytes: push $(tail -1 push.rss) KiB, pull $(tail -1 pull.rss) KiB"
if [ "$MAX_CLIENT_RSS_KIB" -gt 0 ]; then
  [ "$(tail -1 push.rss)" -lt "$MAX_CLIENT_RSS_KIB" ] || fail "push RSS $(tail -1 push.rss) KiB"
  [ "$(tail -1 pull.rss)" -lt "$MAX_CLIENT_RSS_KIB" ] || fail "pull RSS $(tail -1 pull.rss) KiB"
fi
ok "a $((BIG_BYTES >> 20)) MiB push and pull stream in bounded memory"

stop_server
ok "cli e2e passed"
