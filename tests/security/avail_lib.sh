# Helpers for the availability and TLS tests: tests/e2e/lib.sh plus the admin token (when
# the server made one: auth on) and a small model with one version. Source it after setting
# MODELVAULT.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
CLIENTS="$HERE/avail_clients.py"

# use_token DATA_DIR: exports MODELVAULT_TOKEN and sets AUTH (curl arguments) when the
# server wrote an admin token; without auth both stay empty.
use_token() {
  AUTH=()
  export MODELVAULT_TOKEN=""
  if [ -s "$1/admin-token" ]; then
    MODELVAULT_TOKEN=$(cat "$1/admin-token")
    export MODELVAULT_TOKEN
    AUTH=(-H "Authorization: Bearer $MODELVAULT_TOKEN")
  fi
}

# make_model NAME: creates a model and one version holding a small opaque artifact.
make_model() {
  expect_status 201 POST "$BASE/api/v1/models" "${AUTH[@]}" -d "{\"name\":\"$1\"}"
  head -c 4096 /dev/urandom >"$WORK/small.bin"
  expect_status 201 POST "$BASE/api/v1/models/$1/versions" "${AUTH[@]}" \
    -F meta='{}' -F "weights.bin=@$WORK/small.bin"
}

# npy_f32 FILE ROWS COLS: a float32 .npy of ones (no numpy needed).
npy_f32() {
  "$PY" - "$1" "$2" "$3" <<'PYEOF'
import struct, sys
path, rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<%df" % (rows * cols), *([1.0] * rows * cols)))
PYEOF
}
