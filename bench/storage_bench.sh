#!/usr/bin/env bash
# Storage suite of `make bench` (issue 6; bench/README.md has the contract). In one run:
#   upload 1 GiB   curl -T into a draft, and `modelvault push` (inline SHA-256, fsync, rename)
#                  against dd bs=1M conv=fdatasync writing the same bytes to the same disk
#   download 1 GiB curl from modelvault against curl from nginx (sendfile on) serving the
#                  same blob file over loopback, both from a warm page cache
#   upload 4 GiB   curl -T of a sparse file (zeros: no 4 GiB of RAM needed) while the
#                  server's VmRSS is sampled from /proc; VmHWM is reset first (clear_refs)
# Writes $MV_BENCH_OUT/storage.csv and storage.md. Measures; never fails on a slow number;
# fails when something does not work (a server that does not start, a non-2xx answer).
# env: MV_BUILD (default build-bench, built here when unset), MV_BENCH_OUT, MV_BENCH_QUICK=1
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
source "$ROOT/bench/lib.sh"

ensure_build modelvault
BIN="$MV_BUILD/modelvault"
[ -x "$BIN" ] || die "no $BIN (build first)"
OUT="${MV_BENCH_OUT:-$ROOT/bench/results/.last}"
mkdir -p "$OUT"
for tool in curl dd nginx; do command -v "$tool" >/dev/null || die "$tool is not installed"; done

if [ -n "${MV_BENCH_QUICK:-}" ]; then
  BYTES=$((64 << 20)) BIG=$((256 << 20)) RUNS=1
else
  BYTES=$((1 << 30)) BIG=$((4 << 30)) RUNS=3
fi
MIB=$((BYTES >> 20))
SIZE_LABEL=$(size_label "$BYTES") BIG_LABEL=$(size_label "$BIG")

WORK="$(mktemp -d "$ROOT/bench/.work.XXXXXX")" # the disk ./data would live on
SRC_DIR=/dev/shm
[ -w "$SRC_DIR" ] || SRC_DIR="$WORK"
SRC="$SRC_DIR/mv-storage-bench.$$" SPARSE="$SRC_DIR/mv-storage-bench-sparse.$$"
trap 'stop_all; rm -rf "$WORK" "$SRC" "$SPARSE"' EXIT

echo "storage: ${SIZE_LABEL} source in $SRC_DIR, $RUNS run(s) per figure" >&2
head -c "$BYTES" /dev/urandom >"$SRC"
start_server "$WORK/data"
curl_ok 201 -X POST "$BASE/api/v1/models" -d '{"name":"bench"}'

# --- uploads. Each step stamps the source's first bytes (a new digest: nothing is
# deduplicated) and deletes what it wrote. On this kind of VM (virtio-balloon free page
# reporting) memory freed more than ~2 s ago has gone back to the host and each page faults
# there on first touch: writing 1 GiB into such pages costs seconds of CPU, into pages freed
# just before almost nothing. A short writer (dd) finishes inside that window, a longer one
# does not, so every step is timed in both states: "cold" (3 s after the last free, as a
# long-running server mostly finds its memory) and "warm" (right after freeing a file of
# the same size).
prepare() {
  if [ "$1" = warm ]; then
    dd if=/dev/zero of="$WORK/warm" bs=1M count="$MIB" status=none
    rm -f "$WORK/warm"
  else
    sleep 3
  fi
}
cpu_per_gib() { awk -v a="$1" -v b="$2" -v m="$MIB" 'BEGIN {printf "%.2f", (a - b) * 1024 / m}'; }
declare -A RUN CPU # "system state" -> space-separated figures, one per round
step=0
for state in cold warm; do
  for _ in $(seq "$RUNS"); do
    step=$((step + 1))
    printf 'curl %08d' "$step" | dd of="$SRC" conv=notrunc status=none
    v=$(open_draft bench)
    prepare "$state"
    cpu0=$(proc_cpu_s "$PID")
    t=$(curl_time 201 -T "$SRC" "$BASE/api/v1/models/bench/versions/$v/artifacts/blob.bin")
    CPU[curl $state]+="$(cpu_per_gib "$(proc_cpu_s "$PID")" "$cpu0") "
    RUN[curl $state]+="$(rate "$BYTES" "$t") "
    drop_blobs

    printf 'cli  %08d' "$step" | dd of="$SRC" conv=notrunc status=none
    prepare "$state"
    s=$(now)
    "$BIN" push bench-cli "$SRC" --server "$BASE" >"$WORK/push.out" 2>&1 ||
      die "modelvault push failed: $(tail -3 "$WORK/push.out")"
    RUN[cli $state]+="$(rate "$BYTES" "$(elapsed "$s")") "
    drop_blobs

    printf 'dd   %08d' "$step" | dd of="$SRC" conv=notrunc status=none
    prepare "$state"
    s=$(now)
    /usr/bin/time -f '%U %S' -o "$WORK/dd.cpu" \
      dd if="$SRC" of="$WORK/dd.out" bs=1M conv=fdatasync status=none
    RUN[dd $state]+="$(rate "$BYTES" "$(elapsed "$s")") "
    CPU[dd $state]+="$(awk -v m="$MIB" '{printf "%.2f", ($1 + $2) * 1024 / m}' "$WORK/dd.cpu") "
    rm -f "$WORK/dd.out"
  done
done

# --- download: one stored blob, served by both from the page cache (warmed by a first pass).
v=$(open_draft bench)
curl_ok 201 -T "$SRC" "$BASE/api/v1/models/bench/versions/$v/artifacts/served.bin"
blob=$(find "$WORK/data/blobs/sha256" -type f | head -1)
mkdir -p "$WORK/nginx/root"
ln "$blob" "$WORK/nginx/root/served.bin"
start_nginx "$WORK/nginx" 1 "sendfile on; tcp_nopush on;"
MV_URL="$BASE/api/v1/models/bench/versions/$v/artifacts/served.bin"
NG_URL="$NGINX_BASE/served.bin"
curl_down "$MV_URL" "$BYTES" >/dev/null
curl_down "$NG_URL" "$BYTES" >/dev/null
down=() ngx=() down_cpu=()
for _ in $(seq "$RUNS"); do
  cpu0=$(proc_cpu_s "$PID")
  down+=("$(rate "$BYTES" "$(curl_down "$MV_URL" "$BYTES")")")
  down_cpu+=("$(awk -v a="$(proc_cpu_s "$PID")" -v b="$cpu0" -v m="$MIB" 'BEGIN {printf "%.2f", (a - b) * 1024 / m}')")
  ngx+=("$(rate "$BYTES" "$(curl_down "$NG_URL" "$BYTES")")")
done
stop_nginx
stop_server
rm -rf "$WORK/data" "$WORK/nginx"

# --- a big upload in bounded memory: a fresh server, its peak RSS reset before the upload.
truncate -s "$BIG" "$SPARSE"
start_server "$WORK/data"
curl_ok 201 -X POST "$BASE/api/v1/models" -d '{"name":"big"}'
v=$(open_draft big)
rss_before=$(proc_kib "$PID" VmRSS)
hwm_reset=yes
echo 5 >"/proc/$PID/clear_refs" 2>/dev/null || hwm_reset=no
curl_time 201 -T "$SPARSE" "$BASE/api/v1/models/big/versions/$v/artifacts/zeros.bin" >"$WORK/big.t" &
CURL_PID=$!
max_rss=$rss_before
while kill -0 "$CURL_PID" 2>/dev/null; do
  r=$(proc_kib "$PID" VmRSS)
  [ "$r" -gt "$max_rss" ] && max_rss=$r
  sleep 0.05
done
wait "$CURL_PID" || die "the ${BIG_LABEL} upload failed"
CURL_PID=
hwm=$(proc_kib "$PID" VmHWM)
[ "$hwm_reset" = yes ] && [ "$hwm" -gt "$max_rss" ] && max_rss=$hwm
big_rate=$(rate "$BIG" "$(cat "$WORK/big.t")")
growth_mib=$(awk -v a="$max_rss" -v b="$rss_before" 'BEGIN {printf "%.1f", (a - b) / 1024}')
peak_mib=$(awk -v a="$max_rss" 'BEGIN {printf "%.1f", a / 1024}')
before_mib=$(awk -v a="$rss_before" 'BEGIN {printf "%.1f", a / 1024}')
stop_server

# --- results
# shellcheck disable=SC2086 # the run lists split into words on purpose
B() { best ${RUN[$1]}; }
G=$(best "${down[@]}") N=$(best "${ngx[@]}")
{
  echo "suite,case,system,metric,value,unit"
  for state in cold warm; do
    echo "storage,upload ${SIZE_LABEL} ($state),modelvault curl -T,throughput,$(B "curl $state"),MiB/s"
    echo "storage,upload ${SIZE_LABEL} ($state),modelvault push (CLI),throughput,$(B "cli $state"),MiB/s"
    echo "storage,upload ${SIZE_LABEL} ($state),dd bs=1M conv=fdatasync,throughput,$(B "dd $state"),MiB/s"
  done
  echo "storage,download ${SIZE_LABEL},modelvault (curl),throughput,$G,MiB/s"
  echo "storage,download ${SIZE_LABEL},nginx sendfile (curl),throughput,$N,MiB/s"
  echo "storage,upload ${BIG_LABEL} zeros,modelvault curl -T,throughput,$big_rate,MiB/s"
  echo "storage,upload ${BIG_LABEL} zeros,modelvault RSS growth,memory,$growth_mib,MiB"
} >"$OUT/storage.csv"

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "## Storage: upload, download, memory"
  echo
  echo "What: a ${SIZE_LABEL} file of random bytes (on /dev/shm) uploaded into a draft with" \
    "\`curl -T\` (PUT; the server hashes SHA-256 inline, fsyncs and renames) and with" \
    "\`modelvault push\` (reads the file once, hashing it as it PUTs it, checks the server's digest, then commits)," \
    "against \`dd bs=1M conv=fdatasync\` writing the same bytes to the same disk; every step" \
    "writes a new digest (nothing is deduplicated). Each upload is timed with the page" \
    "allocator in two states (see the notes below): **cold**, 3 s after the last large free" \
    "(freed memory has gone back to the hypervisor and faults there on first touch, as a" \
    "long-running server mostly finds it), and **warm**, right after freeing a file of the same" \
    "size. Download: \`curl -o /dev/null\` of the stored blob from modelvault and from nginx" \
    "$(nginx -v 2>&1 | sed 's/.*nginx\///') (\`sendfile on\`, one worker, the same file hard-linked) over" \
    "loopback, both from a warm page cache. Best of $RUNS runs each (the machine is shared);" \
    "every run is listed. Server: \`modelvault serve\` (RelWithDebInfo, 16 HTTP threads; one" \
    "connection at a time here); $(nproc) cores; load average after the suite: $LOAD."
  echo
  echo "| operation | system | MiB/s (best) | runs (MiB/s) | CPU s per GiB (server; dd: dd) |"
  echo "|---|---|---|---|---|"
  for state in cold warm; do
    echo "| upload ${SIZE_LABEL}, $state | modelvault, curl -T | $(B "curl $state") | ${RUN[curl $state]}| ${CPU[curl $state]}|"
    echo "| upload ${SIZE_LABEL}, $state | modelvault push (CLI: hashes while it PUTs) | $(B "cli $state") | ${RUN[cli $state]}| |"
    echo "| upload ${SIZE_LABEL}, $state | dd bs=1M conv=fdatasync | $(B "dd $state") | ${RUN[dd $state]}| ${CPU[dd $state]}|"
  done
  echo "| download ${SIZE_LABEL} | modelvault, curl | $G | ${down[*]} | ${down_cpu[*]} |"
  echo "| download ${SIZE_LABEL} | nginx sendfile, curl | $N | ${ngx[*]} | |"
  echo "| upload ${BIG_LABEL} of zeros (sparse source), cold | modelvault, curl -T | $big_rate | 1 run | |"
  echo
  echo "Memory during the ${BIG_LABEL} upload: server VmRSS ${before_mib} MiB before, peak" \
    "${peak_mib} MiB (VmRSS sampled every 50 ms$([ "$hwm_reset" = yes ] && echo ", and VmHWM after resetting it through /proc/PID/clear_refs"))," \
    "growth ${growth_mib} MiB."
  echo
  echo "**Goals**"
  echo
  echo "| goal | measured | ratio/bound | met? |"
  echo "|---|---|---|---|"
  for state in cold warm; do
    for sys in "curl:curl -T" "cli:modelvault push"; do
      u=$(B "${sys%%:*} $state") d=$(B "dd $state")
      goal_row "upload ($state, ${sys#*:}) ≥ 0.8× dd" "$u vs $d MiB/s" "$(ratio "$u" "$d")" "$(ratio "$u" "$d")" 0.8 ge
    done
  done
  goal_row "download ≥ 0.9× nginx" "$G vs $N MiB/s" "$(ratio "$G" "$N")" "$(ratio "$G" "$N")" 0.9 ge
  goal_row "RSS growth during a ${BIG_LABEL} upload < 64 MiB" "${growth_mib} MiB" "< 64 MiB" "$growth_mib" 64 lt
  echo
  if [ -n "${MV_BENCH_QUICK:-}" ]; then
    echo "QUICK smoke run (${SIZE_LABEL}/${BIG_LABEL}, one run each): these figures mean nothing."
    echo
  fi
  cat "$ROOT/bench/storage/notes.md"
} >"$OUT/storage.md"
echo "storage: wrote $OUT/storage.csv and $OUT/storage.md" >&2
