#!/usr/bin/env bash
# Plots one suite's figures from a results CSV (suite,case,system,metric,value,unit) into an
# SVG with gnuplot: one panel per metric and unit, a bar per "case: system". A panel whose
# values span more than two decades gets a logarithmic axis (an MLP's microseconds beside
# ResNet-18's hundreds of milliseconds).
#
# usage: bench/plot.sh CSV SUITE OUT.svg   (OUT.png for a PNG)
set -euo pipefail
CSV=$1 SUITE=$2 SVG=$3
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

awk -F, -v s="$SUITE" 'NR > 1 && $1 == s' "$CSV" >"$TMP/rows"
[ -s "$TMP/rows" ] || exit 0
awk -F, '{print $4 " (" $6 ")"}' "$TMP/rows" | awk '!seen[$0]++' >"$TMP/groups"
n=$(wc -l <"$TMP/groups")
rows=$(awk -F, '{c[$4 " (" $6 ")"]++} END {m = 0; for (k in c) if (c[k] > m) m = c[k]; print m}' "$TMP/rows")
{
  height=$((n * (60 + rows * 16) + 40))
  case "$SVG" in
    *.png) echo "set terminal pngcairo size 900,$height font 'sans,9'" ;;
    *) echo "set terminal svg size 900,$height dynamic font 'sans,10'" ;;
  esac
  echo "set output '$SVG'"
  echo "set datafile separator '\t'"
  echo "set style fill solid 0.6 border -1"
  echo "set grid xtics"
  echo "set lmargin 44"
  echo "unset key"
  echo "set multiplot layout $n,1 title '$SUITE, $(basename "$SVG" .svg | cut -c1-10)'"
  i=0
  while IFS= read -r g; do
    awk -F, -v g="$g" '($4 " (" $6 ")") == g {printf "%s: %s\t%s\n", $2, $3, $5}' "$TMP/rows" \
      >"$TMP/$i.dat"
    read -r lo hi < <(awk -F'\t' 'NR == 1 {lo = hi = $2} $2 < lo {lo = $2} $2 > hi {hi = $2}
      END {print lo, hi}' "$TMP/$i.dat")
    echo "set title '${g//\'/}'"
    echo "set yrange [-0.6:*] reverse"
    if awk -v lo="$lo" -v hi="$hi" 'BEGIN {exit !(lo > 0 && hi / lo > 100)}'; then
      base=$(awk -v lo="$lo" 'BEGIN {print lo / 2}')
      echo "set logscale x; set xrange [$base:*]; set offsets 0, graph 0.25, 0, 0"
    else
      base=0
      echo "unset logscale x; set xrange [0:*]; set offsets 0, graph 0.18, 0, 0"
    fi
    echo "plot '$TMP/$i.dat' using ($base):0:($base):2:(\$0 - 0.4):(\$0 + 0.4):yticlabels(1) with boxxyerror, \\"
    echo "     '' using 2:0:(sprintf(' %g', \$2)) with labels left"
    i=$((i + 1))
  done <"$TMP/groups"
  echo "unset multiplot"
} >"$TMP/plot.gp"
gnuplot "$TMP/plot.gp"
