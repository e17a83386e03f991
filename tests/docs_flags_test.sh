#!/usr/bin/env bash
# docs/user-guide.md documents every flag of every subcommand, and nothing
# else: for each subcommand that `hyperdump --help` lists, the long flags of
# `hyperdump <cmd> --help` must equal the long flags named in the first column
# of the tables under "### `hyperdump <cmd>`" (in "## Flags"). --help itself,
# common to all, is left out.
#
# Usage: docs_flags_test.sh HYPERDUMP_BIN USER_GUIDE_MD
set -uo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 HYPERDUMP_BIN USER_GUIDE_MD" >&2
  exit 2
fi
bin=$1 guide=$2
[ -x "$bin" ] || { echo "docs_flags: $bin is not executable" >&2; exit 2; }
[ -r "$guide" ] || { echo "docs_flags: cannot read $guide" >&2; exit 2; }

# Subcommand names: the "Subcommands:" block of the top-level help.
subcommands() {
  "$bin" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'
}

# Long flags in a subcommand's help text (stdin): only the option-name column
# (lines starting "  -"), so flags named in descriptions do not count.
help_flags() {
  awk '/^  -/ { print $1 }' | tr ',' '\n' | { grep -E '^--[a-z]' || true; } |
    { grep -vx -- '--help' || true; } | sort -u
}

# The section of one subcommand: from its "### `hyperdump CMD`" heading to the
# next heading.
doc_section() {
  awk -v head="### \`hyperdump $1\`" '
    $0 == head { on = 1; next }
    on && /^#/ { on = 0 }
    on { print }' "$guide"
}

# Long flags documented in a section (stdin): the first cell of each table row.
doc_flags() {
  awk '/^\|/ { split($0, cell, "|"); print cell[2] }' |
    { grep -oE -- '--[a-z][a-z0-9-]*' || true; } | { grep -vx -- '--help' || true; } | sort -u
}

fail=0
cmds=$(subcommands)
if [ -z "$cmds" ]; then
  echo "docs_flags: no subcommands found in '$bin --help'"
  exit 1
fi
for cmd in $cmds; do
  if ! grep -qxF "### \`hyperdump $cmd\`" "$guide"; then
    echo "FAIL $cmd: no section '### \`hyperdump $cmd\`' in $guide"
    fail=1
    continue
  fi
  if ! help_text=$("$bin" "$cmd" --help); then
    echo "FAIL $cmd: '$bin $cmd --help' failed"
    fail=1
    continue
  fi
  helped=$(help_flags <<<"$help_text")
  documented=$(doc_section "$cmd" | doc_flags)
  missing=$(comm -23 <(echo "$helped" | sed '/^$/d') <(echo "$documented" | sed '/^$/d'))
  extra=$(comm -13 <(echo "$helped" | sed '/^$/d') <(echo "$documented" | sed '/^$/d'))
  for f in $missing; do
    echo "FAIL $cmd: $f is in --help but not documented in $guide"
    fail=1
  done
  for f in $extra; do
    echo "FAIL $cmd: $f is documented in $guide but not in --help"
    fail=1
  done
  [ -z "$missing$extra" ] && echo "ok   $cmd: $(echo $helped | wc -w) flags"
done
exit $fail
