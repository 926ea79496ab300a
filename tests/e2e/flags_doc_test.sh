#!/usr/bin/env bash
# The documentation names only flags the binary accepts: the serve flag table in
# docs/operations.md is what `modelvault help serve --markdown` writes from the declarations,
# and every `modelvault CMD ... --flag` shown in README.md and docs/*.md is in that command's
# --help (which is written from the same declarations).
# usage: flags_doc_test.sh MODELVAULT SOURCE_DIR
set -uo pipefail
MODELVAULT=$1
SRC=$2
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

want=$(sed -n '/<!-- flags:serve:start -->/,/<!-- flags:serve:end -->/p' "$SRC/docs/operations.md" |
  sed '/^<!--/d')
got=$("$MODELVAULT" help serve --markdown)
if [ "$want" != "$got" ]; then
  fail "docs/operations.md's serve flag table differs from 'modelvault help serve --markdown':"
  diff <(echo "$want") <(echo "$got")
fi

"$MODELVAULT" serve --help >/dev/null || fail "modelvault serve --help failed"

checked=0
# Lines that run modelvault (optionally through a path such as ./build/modelvault).
while IFS= read -r line; do
  cmd=$(sed -E 's#^.*(^|[ /])modelvault +([a-z-]+).*#\2#' <<<"$line")
  case "$cmd" in serve|verify|gc|backup|restore|push|pull|get|promote|alias|history|lineage|search) ;;
    *) continue ;;
  esac
  help=$("$MODELVAULT" "$cmd" --help 2>&1) || { fail "modelvault $cmd --help failed"; continue; }
  for flag in $(grep -oE '(^|[ \[|])--[a-z][a-z0-9-]*' <<<"${line#*modelvault}" | sed -E 's/^[ \[|]//'); do
    checked=$((checked + 1))
    grep -qE -- "$flag( |$|=)" <<<"$help" || fail "'$line': modelvault $cmd does not accept $flag"
  done
done < <(grep -hE '(^|[ /$])modelvault +[a-z]' "$SRC/README.md" "$SRC"/docs/*.md | grep -v '^#' | grep -E -- '--[a-z]')

echo "checked $checked flags named in the documentation"
[ "$checked" -ge 5 ] || fail "found too few documented flags ($checked): the extraction broke"
if [ "$failures" -ne 0 ]; then
  echo "$failures failed"
  exit 1
fi
echo "flags_doc: ok"
