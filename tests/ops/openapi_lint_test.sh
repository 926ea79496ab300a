#!/usr/bin/env bash
# Lints schema/openapi.yaml with the pinned @redocly/cli (tests/openapi/package-lock.json,
# installed into tests/openapi/node_modules by scripts/setup-deps). Errors fail; warnings
# are printed.
# usage: openapi_lint_test.sh SOURCE_DIR
set -euo pipefail
SRC=$1
REDOCLY="$SRC/tests/openapi/node_modules/.bin/redocly"
[ -x "$REDOCLY" ] || { echo "FAIL: $REDOCLY missing: run scripts/setup-deps" >&2; exit 1; }
cd "$SRC/tests/openapi"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$REDOCLY" lint --format=summary "$SRC/schema/openapi.yaml"
