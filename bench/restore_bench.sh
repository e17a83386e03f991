#!/usr/bin/env bash
# Restore throughput, side by side, in one run on the same data (issue 7):
#   plain PostgreSQL:  hyperdump restore -j N   vs  pg_restore -j N (pg_dump -Fd archive)
#   TimescaleDB:       hyperdump restore -j N   vs  the documented staged procedure
#                      (pre_restore; pre-data; catalog data alone; other data -j N;
#                       post-data -j N; post_restore)
# Every restored database is compared row for row with its source (hyperdump
# compare) so that no figure comes from a restore that lost rows.
#
# Usage: bench/restore_bench.sh [--size 200MB] [-j 2]
# Starts its own throwaway server (scripts/with-pg) unless run inside one.
# Prints a Markdown table for docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=200MB
jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    *) echo "usage: bench/restore_bench.sh [--size SIZE] [-j N]" >&2; exit 2 ;;
  esac
done
if [ -z "${HYPERDUMP_TEST_URI:-}" ]; then
  exec "$root/scripts/with-pg" "$0" --size "$size" -j "$jobs"
fi
hd=${HYPERDUMP_BIN:-$root/build/cli/hyperdump}
bin=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
base=${HYPERDUMP_TEST_URI%/*}
work=$(mktemp -d "${TMPDIR:-/tmp}/hd-restore-bench.XXXXXX")
chmod 755 "$work"  # pg_dump -Fd output is read by us only, but keep the dir listable
trap 'rm -rf "$work"' EXIT

sql() { "$bin/psql" -qAtX -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
createdb() { sql "$HYPERDUMP_TEST_URI" -c "CREATE DATABASE \"$1\""; }
same() {  # same SOURCE TARGET LABEL: row-for-row equality or the bench fails
  if ! "$hd" compare "$base/$1" "$base/$2" >"$work/compare.$2" 2>&1; then
    echo "restore_bench: $3 did not restore every row:" >&2
    tail -20 "$work/compare.$2" >&2
    return 1
  fi
}
results=()
record() { results+=("$1|$2|$3"); echo "restore_bench: $1: $2: $3 s" >&2; }

run_case() {  # run_case NAME DEMO_FLAGS...
  local name=$1; shift
  local src="${name}_src"
  createdb "$src"
  "$hd" demo-data -d "$base/$src" --size "$size" "$@" >/dev/null
  sql "$base/$src" -c "VACUUM ANALYZE" >/dev/null
  local db_bytes
  db_bytes=$(sql "$base/$src" -c "SELECT pg_database_size(current_database())")
  echo "restore_bench: $name source: $((db_bytes / 1000000)) MB" >&2
  "$hd" dump -d "$base/$src" -f "$work/$name.hd" -j "$jobs" >/dev/null
  "$bin/pg_dump" -Fd -j "$jobs" -d "$base/$src" -f "$work/$name.pgd" 2>"$work/pg_dump.$name.log"

  # Each contender runs twice, alternating, into fresh databases; the faster
  # run counts (the machine is shared; one slow run says little).
  local round t0 t1 t2 dir="$work/$name.pgd"
  "$bin/pg_restore" -l "$dir" >"$work/toc"
  grep -E '^[0-9]+; [0-9]+ [0-9]+ TABLE DATA (_timescaledb_catalog|_timescaledb_config) ' \
    "$work/toc" >"$work/catalog.list" || true
  "$bin/pg_restore" -l --section=data "$dir" |
    grep -vE ' TABLE DATA (_timescaledb_catalog|_timescaledb_config) ' >"$work/data.list"
  for round in 1 2; do
    # hyperdump restore, as users run it (ANALYZE included), then without ANALYZE.
    createdb "${name}_hd$round"
    t0=$(now); "$hd" restore -d "$base/${name}_hd$round" -j "$jobs" "$work/$name.hd" >/dev/null; t1=$(now)
    same "$src" "${name}_hd$round" "hyperdump restore"
    record "$name" "hyperdump restore -j $jobs (with ANALYZE)" "$(elapsed "$t0" "$t1")"
    createdb "${name}_hdna$round"
    t0=$(now); "$hd" restore -d "$base/${name}_hdna$round" -j "$jobs" --no-analyze "$work/$name.hd" >/dev/null; t1=$(now)
    same "$src" "${name}_hdna$round" "hyperdump restore --no-analyze"
    record "$name" "hyperdump restore -j $jobs --no-analyze" "$(elapsed "$t0" "$t1")"

    # The pg_restore way, then ANALYZE as PostgreSQL's documentation advises
    # after a restore (vacuumdb --analyze-only -j N), timed separately.
    createdb "${name}_pg$round"
    local db="$base/${name}_pg$round" what
    t0=$(now)
    if [ "$name" = plain ]; then
      "$bin/pg_restore" -j "$jobs" -d "$db" "$dir"
      what="pg_restore -j $jobs"
    else
      # The staged procedure for TimescaleDB (catalog data alone, in one job).
      sql "$db" -c "CREATE EXTENSION IF NOT EXISTS timescaledb" -c "SELECT timescaledb_pre_restore()" >/dev/null
      "$bin/pg_restore" -d "$db" --section=pre-data "$dir"
      "$bin/pg_restore" -d "$db" -L "$work/catalog.list" "$dir"
      "$bin/pg_restore" -j "$jobs" -d "$db" -L "$work/data.list" "$dir"
      "$bin/pg_restore" -j "$jobs" -d "$db" --section=post-data "$dir"
      sql "$db" -c "SELECT timescaledb_post_restore()" >/dev/null
      what="staged pg_restore (pre-data; catalog; data -j $jobs; post-data -j $jobs)"
    fi
    t1=$(now)
    "$bin/vacuumdb" -q --analyze-only -j "$jobs" -d "$db"
    t2=$(now)
    same "$src" "${name}_pg$round" "$what"
    record "$name" "$what" "$(elapsed "$t0" "$t1")"
    record "$name" "$what + vacuumdb --analyze-only -j $jobs" "$(elapsed "$t0" "$t2")"
    for d in "${name}_hd$round" "${name}_hdna$round" "${name}_pg$round"; do
      sql "$HYPERDUMP_TEST_URI" -c "DROP DATABASE \"$d\""
    done
  done
  local hd_bytes pg_bytes
  hd_bytes=$(du -sb "$work/$name.hd" | cut -f1)
  pg_bytes=$(du -sb "$work/$name.pgd" | cut -f1)
  echo "restore_bench: $name archives: hyperdump $((hd_bytes / 1000000)) MB, pg_dump -Fd $((pg_bytes / 1000000)) MB" >&2
}

# The server under bench runs the real TimescaleDB (scripts/with-pg preloads it).
timescaledb=$(sql "$HYPERDUMP_TEST_URI" -c \
  "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'")
run_case plain --no-timescaledb
[ -n "$timescaledb" ] || { echo "restore_bench: no TimescaleDB on the server; run scripts/bootstrap" >&2; exit 1; }
run_case timescaledb

# The best of the two rounds per contender; ratios against the pg_restore way
# without ANALYZE and with it.
echo
echo "| database | restore | best of 2 (s) | runs (s) | vs pg_restore way | vs pg_restore way + ANALYZE |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${results[@]}" | python3 -c '
import sys
rows = {}
order = []
for line in sys.stdin:
    case, what, secs = line.rstrip("\n").split("|")
    if (case, what) not in rows:
        order.append((case, what))
        rows[(case, what)] = []
    rows[(case, what)].append(float(secs))
best = {k: min(v) for k, v in rows.items()}
size, ts = sys.argv[1], sys.argv[2]
for case, what in order:
    ref = [best[k] for k in order if k[0] == case and "pg_restore" in k[1] and "vacuumdb" not in k[1]]
    ref_an = [best[k] for k in order if k[0] == case and "vacuumdb" in k[1]]
    b = best[(case, what)]
    runs = " / ".join(f"{x:.2f}" for x in rows[(case, what)])
    r1 = f"{ref[0] / b:.2f}x" if ref else ""
    r2 = f"{ref_an[0] / b:.2f}x" if ref_an else ""
    print(f"| {case} ({size} demo, TimescaleDB: {ts}) | {what} | {b:.2f} | {runs} | {r1} | {r2} |")
' "$size" "$timescaledb"
