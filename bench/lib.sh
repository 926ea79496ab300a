# shellcheck shell=bash
# Helpers shared by bench/storage_bench.sh and bench/metadata_bench.sh (sourced; they set
# BIN and WORK before calling these). Every process started here is stopped by stop_all.

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN {printf "%.6f", e - s}'; }
# MiB/s for BYTES in SECONDS, rounded.
rate() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%.0f", b / 1048576 / s}'; }
best() { printf '%s\n' "$@" | sort -n | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
size_label() { awk -v b="$1" 'BEGIN {if (b >= 1073741824) printf "%g GiB", b / 1073741824; else printf "%g MiB", b / 1048576}'; }

# goal_row GOAL MEASURED SHOWN VALUE THRESHOLD ge|lt: one row of a Goals table.
goal_row() {
  local met
  met=$(awk -v v="$4" -v t="$5" -v op="$6" 'BEGIN {ok = op == "ge" ? v >= t : v < t; print ok ? "yes" : "**no**"}')
  echo "| $1 | $2 | $3 | $met |"
}

# Seconds of CPU (user + system) the process has used so far.
proc_cpu_s() {
  awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz}' "/proc/$1/stat"
}
# A /proc/PID/status field in KiB (VmRSS, VmHWM).
proc_kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# Auth is on by default: curl sends the admin token of the server start_server last started
# (MODELVAULT_TOKEN; bench/metadata/paths.lua and mv_lineage_bench read it too).
curl() {
  if [ -n "${MODELVAULT_TOKEN:-}" ]; then
    command curl --oauth2-bearer "$MODELVAULT_TOKEN" "$@"
  else
    command curl "$@"
  fi
}

# curl_time CODE CURL_ARGS...: runs one request, fails unless it answered CODE, prints the
# seconds it took. The body goes to $WORK/curl.body.
curl_time() {
  local want=$1 got
  shift
  got=$(curl -sS -o "$WORK/curl.body" -w '%{http_code} %{time_total}' "$@") ||
    die "curl $* failed"
  [ "${got%% *}" = "$want" ] || die "curl $* answered ${got%% *}, not $want: $(head -c 300 "$WORK/curl.body")"
  echo "${got#* }"
}
curl_ok() { curl_time "$@" >/dev/null; }
# curl_down URL BYTES: a download to /dev/null that must answer 200 with BYTES bytes.
curl_down() {
  local got
  got=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "$1") ||
    die "curl $1 failed"
  [ "$got" != "${got#200 "$2" }" ] || die "curl $1 answered '$got', not 200 with $2 bytes"
  echo "${got##* }"
}

# start_server DATA_DIR [FLAGS...]: modelvault serve on a free port; sets PID and BASE, and
# exports MODELVAULT_TOKEN (DATA_DIR/admin-token; empty with --auth off).
start_server() {
  local data=$1
  shift
  mkdir -p "$data"
  rm -f "$data.port"
  "$BIN" serve --data-dir "$data" --port 0 --port-file "$data.port" --quiet "$@" \
    >"$data.log" 2>&1 &
  PID=$!
  for _ in $(seq 400); do
    [ -s "$data.port" ] && break
    kill -0 "$PID" 2>/dev/null || die "modelvault serve exited: $(tail -3 "$data.log")"
    sleep 0.05
  done
  [ -s "$data.port" ] || die "modelvault serve did not start: $(tail -3 "$data.log")"
  BASE="http://127.0.0.1:$(cat "$data.port")"
  MODELVAULT_TOKEN=""
  [ -r "$data/admin-token" ] && MODELVAULT_TOKEN=$(cat "$data/admin-token")
  export MODELVAULT_TOKEN
  curl_ok 200 "$BASE/healthz"
}
stop_server() {
  [ -n "${PID:-}" ] || return 0
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=
}

# start_nginx DIR WORKERS HTTP_DIRECTIVES: nginx serving DIR/root on a free high port, as
# the current user with its own prefix; sets NGINX_BASE.
start_nginx() {
  local dir=$1 workers=$2 extra=$3 port user=""
  mkdir -p "$dir/tmp"
  [ "$(id -u)" = 0 ] && user="user root;" # workers would otherwise run as nobody
  for _ in $(seq 20); do
    port=$((20000 + RANDOM % 30000))
    cat >"$dir/nginx.conf" <<EOF
$user
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/octet-stream;
  keepalive_timeout 65;
  tcp_nodelay on;
  $extra
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  server { listen 127.0.0.1:$port; root $dir/root; }
}
EOF
    if nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" 2>"$dir/start.err"; then
      NGINX_DIR=$dir
      NGINX_BASE="http://127.0.0.1:$port"
      for _ in $(seq 100); do
        curl -s -o /dev/null "$NGINX_BASE/" && return 0
        sleep 0.05
      done
      die "nginx did not answer: $(tail -3 "$dir/error.log")"
    fi
    grep -q "in use" "$dir/start.err" || die "nginx did not start: $(cat "$dir/start.err")"
  done
  die "nginx found no free port"
}
stop_nginx() {
  [ -n "${NGINX_DIR:-}" ] || return 0
  [ -s "$NGINX_DIR/nginx.pid" ] && kill "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null
  for _ in $(seq 100); do [ -e "$NGINX_DIR/nginx.pid" ] || break; sleep 0.05; done
  NGINX_DIR=
}

stop_all() {
  [ -n "${CURL_PID:-}" ] && kill "$CURL_PID" 2>/dev/null
  stop_server
  stop_nginx
}

# open_draft MODEL: opens a draft version and prints its number.
open_draft() {
  curl_ok 201 -X POST "$BASE/api/v1/models/$1/versions?draft=true" -d '{}'
  /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])' <"$WORK/curl.body"
}
# Deletes the stored blobs (a bench shortcut: the next upload stores its bytes again).
drop_blobs() { find "$WORK/data/blobs/sha256" -type f -delete; }

# When a suite runs alone (MV_BUILD unset; bench/run sets it after building everything), build
# TARGETS... in build-bench/ and point MV_BUILD there.
ensure_build() {
  [ -n "${MV_BUILD:-}" ] && return 0
  MV_BUILD="$ROOT/build-bench"
  [ -f "$MV_BUILD/CMakeCache.txt" ] ||
    cmake -S "$ROOT" -B "$MV_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMV_BENCH=ON >/dev/null
  cmake --build "$MV_BUILD" -j"$(nproc)" --target "$@" >/dev/null
}
