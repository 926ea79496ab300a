#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time: run_fuzzers.sh BUILD_DIR SECONDS TARGET...
# Seeds come from tests/fuzz/make_seeds.py (fixtures plus hand-made inputs); the corpus each
# run grows is kept in BUILD_DIR/corpus/<target>, crashes go to BUILD_DIR/crashes/<target>/,
# logs to BUILD_DIR/fuzz-logs/<target>.log. Exits 1 when any target crashed, leaked,
# timed out or ran out of memory; every target runs either way.
set -uo pipefail

build=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
seeds=$build/seeds
rm -rf "$seeds"
/usr/bin/python3 "$here/make_seeds.py" "$seeds" >/dev/null || exit 1

failed=()
printf '%-18s %10s %12s %8s  %s\n' target exec/s execs corpus result
for target in "$@"; do
  binary=$build/tests/fuzz/$target
  corpus=$build/corpus/$target
  crashes=$build/crashes/$target
  log=$build/fuzz-logs/$target.log
  rm -rf "$crashes"  # a previous run's crashes are in its log; fixed ones are regressions
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  # Regression inputs are seeds too, so a fixed crash stays covered.
  regressions=$here/../fixtures/fuzz-regressions/$target
  extra=()
  [ -d "$regressions" ] && extra+=("$regressions")
  "$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$corpus" "$seeds/$target" "${extra[@]}" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  units=$(find "$corpus" -type f | wc -l)
  found=$(find "$crashes" -type f | wc -l)
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    result="FAILED (exit $rc, $found artifact(s) in $crashes; see $log)"
    failed+=("$target")
  else
    result=ok
  fi
  printf '%-18s %10s %12s %8s  %s\n' "$target" "${rate:-?}" "${execs:-?}" "$units" "$result"
done

if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz: failures in ${failed[*]}" >&2
  exit 1
fi
