#!/usr/bin/env bash
# Storage throughput against the physical limits on this machine, in one run:
#   upload   curl -T of a file into a draft (inline SHA-256, fsync, rename)  vs  dd conv=fdatasync
#   download curl of the artifact                                            vs  cat of the blob file
# Writes bench/results/<date>-storage.md. usage: bench/storage_bench.sh [BYTES] (default 1 GiB)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/build/modelvault"
BYTES=${1:-1073741824}
RUNS=3
[ -x "$BIN" ] || { echo "build first: make build" >&2; exit 1; }
WORK="$(mktemp -d "$ROOT/bench/.work.XXXXXX")"   # same filesystem as ./data would be
SRC_DIR=/dev/shm; [ -w "$SRC_DIR" ] || SRC_DIR="$WORK"
SRC="$SRC_DIR/mv-bench-src.$$"
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK" "$SRC"; }
trap cleanup EXIT

head -c "$BYTES" /dev/urandom >"$SRC"
"$BIN" serve --data-dir "$WORK/data" --port 0 --port-file "$WORK/port" --quiet >/dev/null 2>&1 &
PID=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
B="http://127.0.0.1:$(cat "$WORK/port")"
curl -sf -X POST "$B/api/v1/models" -d '{"name":"bench"}' >/dev/null

rate() { awk -v b="$BYTES" -v s="$1" 'BEGIN { printf "%.0f", b / 1048576 / s }'; }
best() { sort -n | tail -1; }
up=(); dd_=(); down=(); cat_=()
for i in $(seq "$RUNS"); do
  curl -sf -X POST "$B/api/v1/models/bench/versions?draft=true" -d '{}' >/dev/null
  t=$(curl -sf -T "$SRC" -o /dev/null -w '%{time_total}' "$B/api/v1/models/bench/versions/$i/artifacts/blob-$i")
  up+=("$(rate "$t")")
  rm -rf "$WORK/data/blobs/sha256"/*  # next run stores the bytes again instead of deduplicating
  curl -sf -X DELETE "$B/api/v1/models/bench/versions/$i/artifacts/blob-$i" >/dev/null
  s=$(date +%s.%N); dd if="$SRC" of="$WORK/dd.out" bs=1M conv=fdatasync status=none; e=$(date +%s.%N)
  dd_+=("$(rate "$(awk -v e="$e" -v s="$s" 'BEGIN{print e - s}')")"); rm -f "$WORK/dd.out"
done
curl -sf -X POST "$B/api/v1/models/bench/versions?draft=true" -d '{}' >/dev/null
n=$((RUNS + 1))
curl -sf -T "$SRC" -o /dev/null "$B/api/v1/models/bench/versions/$n/artifacts/blob"
blob=$(find "$WORK/data/blobs/sha256" -type f | head -1)
for i in $(seq "$RUNS"); do
  t=$(curl -sf -o /dev/null -w '%{time_total}' "$B/api/v1/models/bench/versions/$n/artifacts/blob")
  down+=("$(rate "$t")")
  s=$(date +%s.%N); cat "$blob" >/dev/null; e=$(date +%s.%N)
  cat_+=("$(rate "$(awk -v e="$e" -v s="$s" 'BEGIN{print e - s}')")")
done
U=$(printf '%s\n' "${up[@]}" | best); D=$(printf '%s\n' "${dd_[@]}" | best)
G=$(printf '%s\n' "${down[@]}" | best); C=$(printf '%s\n' "${cat_[@]}" | best)
out="$ROOT/bench/results/$(date -u +%Y-%m-%d)-storage.md"
{
  echo "# Storage throughput, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; $((BYTES / 1048576)) MiB file, best of $RUNS; commit $(git -C "$ROOT" rev-parse --short HEAD)."
  echo
  echo "| operation | modelvault MiB/s | baseline | baseline MiB/s | ratio |"
  echo "|---|---|---|---|---|"
  echo "| upload (curl -T, SHA-256, fsync, rename) | $U | dd bs=1M conv=fdatasync | $D | $(awk -v a="$U" -v b="$D" 'BEGIN{printf "%.2f", a/b}') |"
  echo "| download (curl, warm page cache) | $G | cat of the blob file | $C | $(awk -v a="$G" -v b="$C" 'BEGIN{printf "%.2f", a/b}') |"
  echo
  echo "Runs: upload ${up[*]}; dd ${dd_[*]}; download ${down[*]}; cat ${cat_[*]} (MiB/s)."
} | tee "$out"
