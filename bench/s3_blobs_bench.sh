#!/usr/bin/env bash
# s3_blobs_bench.sh [MODELVAULT] [SIZE_MIB] [ROUNDS]: upload and download MiB/s of one
# artifact through `modelvault serve`, with the filesystem blob store and with S3 blobs on a
# local s3rver (tests/scaleout, installed by scripts/setup-deps), over loopback with curl.
# Prints a Markdown table, and as a suite of `make bench` (bench/run sets MV_BUILD and
# MV_BENCH_OUT) writes s3_blobs.md and s3_blobs.csv there; a measurement, never a test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
default_bin="$root/build/modelvault"
[[ -n "${MV_BUILD:-}" ]] && default_bin="$MV_BUILD/modelvault"
bin="${1:-$default_bin}"
size_mib="${2:-256}"
[[ -n "${MV_BENCH_QUICK:-}" && -z "${2:-}" ]] && size_mib=32
rounds="${3:-3}"
if [[ -z "${MV_TEST_BLOBS:-}" ]]; then
  exec "$root/tests/scaleout/s3_env.sh" "$0" "$bin" "$size_mib" "$rounds"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/mv-s3-bench-XXXXXX")"
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
head -c $((size_mib << 20)) /dev/urandom >"$work/art.bin"

# run BLOBS: prints "upload_mibs download_mibs" (medians over the rounds).
run() {
  local blobs="$1" dir="$work/data-$RANDOM"
  rm -f "$work/port"
  "$bin" serve --data-dir "$dir" --port 0 --port-file "$work/port" --quiet --blobs "$blobs" \
    >/dev/null 2>"$work/serve.log" &
  pid=$!
  for _ in $(seq 300); do [[ -s "$work/port" ]] && break; sleep 0.1; done
  local url="http://127.0.0.1:$(<"$work/port")" auth
  auth="Authorization: Bearer $(<"$dir/admin-token")"
  curl -sf -o /dev/null -H "$auth" -X POST "$url/api/v1/models" -d '{"name":"b"}'
  local ups=() downs=()
  for r in $(seq "$rounds"); do
    curl -sf -o /dev/null -H "$auth" -X POST "$url/api/v1/models/b/versions?draft=true" -d '{}'
    # A different first byte per round: a new blob each time, not a duplicate.
    printf "\\x$(printf %02x "$r")" | dd of="$work/art.bin" bs=1 count=1 conv=notrunc 2>/dev/null
    local art="$url/api/v1/models/b/versions/$r/artifacts/art.bin"
    ups+=("$(curl -sf -o /dev/null -w '%{speed_upload}' -H "$auth" -T "$work/art.bin" "$art")")
    downs+=("$(curl -sf -o /dev/null -w '%{speed_download}' -H "$auth" "$art")")
  done
  kill "$pid"; wait "$pid" || true; pid=""
  median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]/1048576}'; }
  echo "$(median "${ups[@]}") $(median "${downs[@]}")"
}

read -r fs_up fs_down < <(run file)
read -r s3_up s3_down < <(run "$MV_TEST_BLOBS")
table() {
  echo "## s3_blobs: S3 blobs (s3rver) against the filesystem store"
  echo
  echo "| blob store | upload MiB/s | download MiB/s |"
  echo "| --- | ---: | ---: |"
  echo "| filesystem | $fs_up | $fs_down |"
  echo "| S3 (s3rver on loopback) | $s3_up | $s3_down |"
  echo
  echo "One ${size_mib} MiB artifact per round, median of ${rounds} rounds, curl over loopback;"
  echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
}
table
if [[ -n "${MV_BENCH_OUT:-}" ]]; then
  table >"$MV_BENCH_OUT/s3_blobs.md"
  {
    echo "suite,case,system,metric,value,unit"
    echo "s3_blobs,upload ${size_mib} MiB,filesystem,throughput,$fs_up,MiB/s"
    echo "s3_blobs,upload ${size_mib} MiB,s3,throughput,$s3_up,MiB/s"
    echo "s3_blobs,download ${size_mib} MiB,filesystem,throughput,$fs_down,MiB/s"
    echo "s3_blobs,download ${size_mib} MiB,s3,throughput,$s3_down,MiB/s"
  } >"$MV_BENCH_OUT/s3_blobs.csv"
fi
