#!/usr/bin/env bash
# Assembles one benchmark run: the suites' <suite>.md sections and <suite>.csv figures in
# RUN_DIR become RESULTS/<date>.md (under a header naming the machine and the commit),
# RESULTS/<date>.csv and one gnuplot SVG per suite, RESULTS/<date>-<suite>.svg: a bar per
# figure, one panel per metric and unit (throughput, p50, ...).
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

# One SVG per suite: a horizontal bar chart per (metric, unit), bars labelled "case: system".
plot_suite() {
  local s=$1 csv="$RUN_DIR/$1.csv" svg="$RESULTS/$DATE-$1.svg" dat="$RUN_DIR/$1.plot"
  local groups n
  groups=$(tail -n +2 "$csv" | awk -F, '{print $4 " (" $6 ")"}' | awk '!seen[$0]++')
  n=$(grep -c . <<<"$groups")
  [ "$n" -gt 0 ] || return 0
  local rows
  rows=$(tail -n +2 "$csv" | awk -F, '{c[$4 " (" $6 ")"]++} END {m=0; for (k in c) if (c[k] > m) m = c[k]; print m}')
  {
    echo "set terminal svg size 900,$((n * (60 + rows * 18) + 40)) dynamic font 'sans,10'"
    echo "set output '$svg'"
    echo "set datafile separator '\t'"
    echo "set style fill solid 0.6 border -1"
    echo "set grid xtics"
    echo "set lmargin 42"
    echo "set multiplot layout $n,1 title '$s, $DATE'"
    local i=0 g
    while IFS= read -r g; do
      awk -F, -v g="$g" 'NR > 1 && ($4 " (" $6 ")") == g {printf "%s: %s\t%s\n", $2, $3, $5}' \
        "$csv" >"$dat.$i"
      echo "set title '${g//\'/}'"
      echo "unset key"
      echo "set yrange [-0.6:*] reverse"
      echo "set xrange [0:*]"
      echo "set offsets 0, graph 0.18, 0, 0"
      echo "plot '$dat.$i' using (\$2 * 0.5):0:(\$2 * 0.5):(0.4):yticlabels(1) with boxxyerror, \\"
      echo "     '' using 2:0:(sprintf(' %g', \$2)) with labels left"
      i=$((i + 1))
    done <<<"$groups"
    echo "unset multiplot"
  } >"$dat.gp"
  gnuplot "$dat.gp" 2>"$dat.err" || { echo "report: plot of $s failed: $(head -3 "$dat.err")" >&2; return 0; }
}
if command -v gnuplot >/dev/null 2>&1; then
  for s in "$@"; do [ -s "$RUN_DIR/$s.csv" ] && plot_suite "$s"; done
else
  echo "report: gnuplot not installed (scripts/setup-deps --bench): no plots" >&2
fi
echo "bench: wrote $MD, $CSV and the plots" >&2
