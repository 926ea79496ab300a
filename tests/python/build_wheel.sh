#!/usr/bin/env bash
# Builds the SDK's wheel from a copy of clients/python and checks it installs and imports.
# Usage: build_wheel.sh VENV SRC OUTDIR
set -euo pipefail
venv="$1" src="$2" out="$3"
[[ -x "$venv/bin/pip" ]] || { echo "no venv at $venv: run scripts/setup-deps" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/src" "$out/dist"
cp -a "$src/pyproject.toml" "$src/README.md" "$src/modelvault" "$out/src/"
"$venv/bin/pip" wheel --disable-pip-version-check -q --no-deps --no-build-isolation \
  -w "$out/dist" "$out/src"
wheel=("$out/dist"/modelvault-*.whl)
[[ -f "${wheel[0]}" ]] || { echo "no wheel built" >&2; exit 1; }
python3 - "${wheel[0]}" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for want in ("modelvault/__init__.py", "modelvault/client.py", "modelvault/py.typed"):
    assert want in names, f"{want} missing from the wheel: {names}"
print("wheel ok:", sys.argv[1])
PY
/usr/bin/python3 -m venv --system-site-packages "$out/check"
"$out/check/bin/pip" install --disable-pip-version-check -q --no-deps --no-index "${wheel[0]}"
"$out/check/bin/python" -c "import modelvault; assert modelvault.__version__; print('import ok')"
