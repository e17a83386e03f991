#!/usr/bin/env bash
# docs/user-guide.md's parity table names every flag of PostgreSQL's
# `pg_dump --help` and `pg_restore --help`: each flag those print (short and
# long, from the option-name column) must appear in the first cell of a row of
# the table under "### `pg_dump` (PostgreSQL 15)" (resp. `pg_restore`), and
# each row must give one of the four verdicts ("same", "same, plus ...",
# "not applicable because ...", "refused: use ... instead").
#
# Usage: pg_flags_parity_test.sh PG_BINDIR USER_GUIDE_MD
set -uo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 PG_BINDIR USER_GUIDE_MD" >&2
  exit 2
fi
bindir=$1 guide=$2
[ -r "$guide" ] || { echo "pg_flags_parity: cannot read $guide" >&2; exit 2; }

# Flags in a --help text (stdin): the option-name column of lines starting
# with "  -", e.g. "  -f, --file=FILENAME   output file" gives -f and --file.
help_flags() {
  awk '/^  -/ {
         line = $0; sub(/^  /, "", line)
         # The names end at the first run of two spaces (then the description).
         split(line, parts, /  +/); names = parts[1]
         n = split(names, f, /, */)
         for (i = 1; i <= n; i++) { sub(/[= ].*/, "", f[i]); print f[i] }
       }' | sort -u
}

# The rows of the table in the section headed `$1` (up to the next heading).
doc_rows() {
  awk -v head="$1" '
    $0 == head { on = 1; next }
    on && /^#/ { on = 0 }
    on && /^\| `/ { print }' "$guide"
}

# Flags named in the first cell of the rows (stdin).
row_flags() {
  awk '{ split($0, cell, "|"); print cell[2] }' |
    { grep -oE -- '(^|[ `,])-(-[a-z][a-z0-9-]*|[a-zA-Z0-9?])' || true; } |
    sed -E 's/^[ `,]//' | sort -u
}

fail=0
for prog in pg_dump pg_restore; do
  exe="$bindir/$prog"
  [ -x "$exe" ] || { echo "FAIL $prog: $exe is not executable"; fail=1; continue; }
  head="### \`$prog\` (PostgreSQL 15)"
  rows=$(doc_rows "$head")
  if [ -z "$rows" ]; then
    echo "FAIL $prog: no table under '$head' in $guide"
    fail=1
    continue
  fi
  helped=$("$exe" --help | help_flags)
  documented=$(row_flags <<<"$rows")
  missing=$(comm -23 <(echo "$helped" | sed '/^$/d') <(echo "$documented" | sed '/^$/d'))
  for f in $missing; do
    echo "FAIL $prog: $f is in '$prog --help' but not in the parity table of $guide"
    fail=1
  done
  # Every row gives a verdict.
  while IFS= read -r row; do
    verdict=$(awk '{ split($0, cell, " \\| "); print cell[2] }' <<<"$row")
    case "$verdict" in
      same*|"not applicable because "*|"refused: "*) ;;
      *) echo "FAIL $prog: no verdict in row: $row"; fail=1 ;;
    esac
  done <<<"$rows"
  [ -z "$missing" ] && echo "ok   $prog: $(echo $helped | wc -w) flags in the table"
done
exit $fail
