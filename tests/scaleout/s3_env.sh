#!/usr/bin/env bash
# s3_env.sh COMMAND [ARGS...]: runs COMMAND with an S3-compatible server (s3rver, see
# s3_server.js) on a free loopback port and the environment that points modelvault at it:
# MV_TEST_BLOBS=s3://mv-test?endpoint=...&region=us-east-1 and AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY. The server and its temp dir are removed afterwards; the exit
# status is COMMAND's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ -d "$here/node_modules/@20minutes/s3rver" ]] ||
  { echo "s3_env.sh: s3rver is not installed (run scripts/setup-deps)" >&2; exit 1; }
dir="$(mktemp -d "${TMPDIR:-/tmp}/mv-s3env-XXXXXX")"
node "$here/s3_server.js" "$dir/data" "$dir/port" mv-test 2>"$dir/s3rver.log" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 300); do
  [[ -s "$dir/port" ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/s3rver.log" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$dir/port" ]] || { echo "s3_env.sh: s3rver did not start" >&2; exit 1; }
port="$(<"$dir/port")"
export MV_TEST_BLOBS="s3://mv-test?endpoint=http://127.0.0.1:$port&region=us-east-1"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_SESSION_TOKEN
"$@"
