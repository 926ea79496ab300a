#!/usr/bin/env bash
# Assembles one benchmark run: the suites' <suite>.md sections and <suite>.csv figures in
# RUN_DIR become RESULTS/<date>.md (under a header naming the machine and the commit),
# RESULTS/<date>.csv and one gnuplot SVG per suite, RESULTS/<date>-<suite>.svg (bench/plot.sh).
#
# usage: bench/report.sh RUN_DIR RESULTS DATE SUITE...
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUN_DIR=$1 RESULTS=$2 DATE=$3
shift 3
mkdir -p "$RESULTS"
MD="$RESULTS/$DATE.md" CSV="$RESULTS/$DATE.csv"

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
{
  echo "# modelvault benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo);"
  echo "kernel $(uname -r); commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (with local changes)');"
  echo "load average when the run started: ${MV_BENCH_LOAD_BEFORE:-$(cut -d' ' -f1-3 /proc/loadavg)}${MV_BENCH_QUICK:+; QUICK smoke run, not a measurement}."
  echo "Produced by \`make bench\` (bench/run). Every ratio compares figures taken in this run on"
  echo "this machine. Raw figures: [$DATE.csv]($DATE.csv)."
  for s in "$@"; do
    echo
    if [ -s "$RUN_DIR/$s.md" ]; then
      cat "$RUN_DIR/$s.md"
    else
      echo "## $s"
      echo
      echo "The suite wrote no results (it failed; see the run's output)."
    fi
    [ -s "$RUN_DIR/$s.csv" ] && echo && echo "![$s]($DATE-$s.svg)"
  done
} >"$MD"

echo "suite,case,system,metric,value,unit" >"$CSV"
for s in "$@"; do
  [ -s "$RUN_DIR/$s.csv" ] && tail -n +2 "$RUN_DIR/$s.csv" >>"$CSV"
done

# One SVG per suite (bench/plot.sh), from the merged CSV.
if command -v gnuplot >/dev/null 2>&1; then
  for s in "$@"; do
    [ -s "$RUN_DIR/$s.csv" ] || continue
    "$ROOT/bench/plot.sh" "$CSV" "$s" "$RESULTS/$DATE-$s.svg" ||
      echo "report: the plot of $s failed" >&2
  done
else
  echo "report: gnuplot not installed (scripts/setup-deps --bench): no plots" >&2
fi
echo "bench: wrote $MD, $CSV and the plots" >&2
