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

  # hyperdump restore, as users run it (ANALYZE included), then without ANALYZE.
  local t0 t1
  createdb "${name}_hd"
  t0=$(now); "$hd" restore -d "$base/${name}_hd" -j "$jobs" "$work/$name.hd" >/dev/null; t1=$(now)
  same "$src" "${name}_hd" "hyperdump restore"
  record "$name" "hyperdump restore -j $jobs (with ANALYZE)" "$(elapsed "$t0" "$t1")"
  createdb "${name}_hdna"
  t0=$(now); "$hd" restore -d "$base/${name}_hdna" -j "$jobs" --no-analyze "$work/$name.hd" >/dev/null; t1=$(now)
  same "$src" "${name}_hdna" "hyperdump restore --no-analyze"
  record "$name" "hyperdump restore -j $jobs --no-analyze" "$(elapsed "$t0" "$t1")"

  createdb "${name}_pg"
  local db="$base/${name}_pg" dir="$work/$name.pgd"
  if [ "$name" = plain ]; then
    t0=$(now)
    "$bin/pg_restore" -j "$jobs" -d "$db" "$dir"
    t1=$(now)
    same "$src" "${name}_pg" "pg_restore -j $jobs"
    record "$name" "pg_restore -j $jobs" "$(elapsed "$t0" "$t1")"
  else
    # The staged procedure for TimescaleDB (catalog data alone, in one job).
    "$bin/pg_restore" -l "$dir" >"$work/toc"
    grep -E '^[0-9]+; [0-9]+ [0-9]+ TABLE DATA (_timescaledb_catalog|_timescaledb_config) ' \
      "$work/toc" >"$work/catalog.list"
    "$bin/pg_restore" -l --section=data "$dir" |
      grep -vE ' TABLE DATA (_timescaledb_catalog|_timescaledb_config) ' >"$work/data.list"
    t0=$(now)
    sql "$db" -c "CREATE EXTENSION IF NOT EXISTS timescaledb" -c "SELECT timescaledb_pre_restore()" >/dev/null
    "$bin/pg_restore" -d "$db" --section=pre-data "$dir"
    "$bin/pg_restore" -d "$db" -L "$work/catalog.list" "$dir"
    "$bin/pg_restore" -j "$jobs" -d "$db" -L "$work/data.list" "$dir"
    "$bin/pg_restore" -j "$jobs" -d "$db" --section=post-data "$dir"
    sql "$db" -c "SELECT timescaledb_post_restore()" >/dev/null
    t1=$(now)
    same "$src" "${name}_pg" "the staged pg_restore procedure"
    record "$name" "staged pg_restore (pre-data; catalog; data -j $jobs; post-data -j $jobs)" \
      "$(elapsed "$t0" "$t1")"
  fi
  local hd_bytes pg_bytes
  hd_bytes=$(du -sb "$work/$name.hd" | cut -f1)
  pg_bytes=$(du -sb "$work/$name.pgd" | cut -f1)
  echo "restore_bench: $name archives: hyperdump $((hd_bytes / 1000000)) MB, pg_dump -Fd $((pg_bytes / 1000000)) MB" >&2
}

run_case plain --no-timescaledb
if [ "${HYPERDUMP_TIMESCALEDB:-none}" != none ]; then
  run_case timescaledb
fi

echo
echo "| database | restore | seconds | pg_restore time / this |"
echo "|---|---|---|---|"
for r in "${results[@]}"; do
  IFS='|' read -r case what secs <<<"$r"
  ref=""
  for q in "${results[@]}"; do
    IFS='|' read -r c2 w2 s2 <<<"$q"
    [ "$c2" = "$case" ] && [[ "$w2" == *pg_restore* ]] && ref=$s2
  done
  ratio=$(awk -v a="$ref" -v b="$secs" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b }')
  echo "| $case ($size demo, TimescaleDB: ${HYPERDUMP_TIMESCALEDB:-none}) | $what | $secs | $ratio |"
done
