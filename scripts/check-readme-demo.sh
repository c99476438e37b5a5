#!/usr/bin/env bash
# Checks that the README's demo numbers are what `make demo` prints: after `make demo` (or on any
# store holding the demo's results), it prints the fits and tables again (`make demo-fits`, which
# builds nothing), compares them with docs/demo-output.txt, the copy the README quotes, and checks
# that every 4-decimal number in the README's claims table appears in that copy.
#
#   scripts/check-readme-demo.sh            # compare; exit 1 on any difference
#   scripts/check-readme-demo.sh --update   # rewrite docs/demo-output.txt from this store
set -euo pipefail
cd "$(dirname "$0")/.."
saved=docs/demo-output.txt
now=$(mktemp)
trap 'rm -f "$now"' EXIT
# The footer lines about unbuilt nodes and the dirty-tree note are about this checkout, not the
# numbers; the commands echoed by make are kept, so the copy says what printed each table.
make --no-print-directory demo-fits 2>/dev/null | grep -v '^note: ' > "$now"
if [ "${1:-}" = "--update" ]; then
  cp "$now" "$saved"
  echo "wrote $saved"
  exit 0
fi
status=0
if ! diff -u "$saved" "$now"; then
  echo "make demo-fits differs from $saved (above): rerun with --update and revise the README" >&2
  status=1
fi
# The claims table: from its header row to the first blank line after it.
claims=$(awk '/^\| claim \|/ { on = 1 } on && /^$/ { exit } on' README.md)
if [ -z "$claims" ]; then
  echo "README.md has no claims table (a row starting '| claim |')" >&2
  exit 1
fi
missing=0
for n in $(printf '%s\n' "$claims" | grep -oE '[0-9]+\.[0-9]{4}' | sort -u); do
  if ! grep -qF -- "$n" "$saved"; then
    echo "README claims table: $n is not in $saved" >&2
    missing=1
  fi
done
[ "$missing" -eq 0 ] || status=1
[ "$status" -eq 0 ] && echo "README demo numbers match $saved and make demo-fits"
exit "$status"
