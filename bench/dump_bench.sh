#!/usr/bin/env bash
# Usage: bench/dump_bench.sh [SIZE] [JOBS]   (starts its own server: a user's
#        settings, PostgreSQL's defaults for fsync and wal_level)
#
# Dump throughput, side by side, in one run on one demo database:
#   1. raw `COPY table TO '/dev/null'` (server side) of every table, JOBS
#      sessions at once, largest first: the limit (no client, no compression);
#   2. pg_dump -Fd -j JOBS (PostgreSQL 15: gzip, its default level);
#   3. hyperdump dump -j JOBS (zstd), with its peak RSS (/usr/bin/time -v).
# After one untimed warm-up COPY pass (so all read a warm cache), each runs
# twice, alternating, on a quiet server (bench/bench_lib.sh: no autovacuum,
# no TimescaleDB job), and the faster run counts, with the server's and the
# client's CPU seconds. Prints times, archive sizes, ratios and the target verdicts that
# docs/benchmarks.md records. SIZE is hyperdump demo-data's --size (default 1GB);
# HYPERDUMP_DUMP_ARGS adds flags to hyperdump dump (e.g. --compress=zstd:3).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
size=${1:-1GB}
jobs=${2:-2}
build=${HYPERDUMP_BUILD:-$root/build}
hd=$build/cli/hyperdump
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
if [ -z "${HYPERDUMP_TEST_URI:-}" ]; then
  HYPERDUMP_PG_DURABLE=1 exec "$root/scripts/with-pg" "$0" "$size" "$jobs"
fi
. "$root/bench/bench_lib.sh"
[ -x "$hd" ] || { echo "dump_bench: no $hd (build first, or set HYPERDUMP_BUILD)" >&2; exit 2; }

db=dump_bench
uri="${HYPERDUMP_TEST_URI%/*}/$db"
work=$(mktemp -d "${TMPDIR:-/tmp}/dump_bench.XXXXXX")
trap 'rm -rf "$work"' EXIT


"$bindir/psql" -qX "$HYPERDUMP_TEST_URI" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
echo "building demo database ($size)..." >&2
"$hd" demo-data -d "$uri" --size "$size" >&2
"$bindir/psql" -qX "$uri" -c "VACUUM ANALYZE" >/dev/null

# Every relation with storage that a dump reads (tables, partitions, chunks,
# compressed chunks), largest first.
"$bindir/psql" -qXAt "$uri" -c "
  SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname !~ '^pg_toast'
  ORDER BY pg_relation_size(c.oid) DESC" >"$work/tables"
ntables=$(wc -l <"$work/tables")
db_bytes=$("$bindir/psql" -qXAt "$uri" -c "SELECT pg_database_size(current_database())")

# The limit: the server's own `COPY table TO '/dev/null'` (no client, no
# network, no compression), tables dealt largest first to JOBS sessions that
# each run their share in one psql.
split_tables() {
  rm -f "$work"/copy.*
  i=0
  while IFS= read -r t; do
    echo "COPY $t TO '/dev/null';" >>"$work/copy.$((i % jobs))"
    i=$((i + 1))
  done <"$work/tables"
}
raw_copy() {
  local pids=()
  for f in "$work"/copy.*; do
    "$bindir/psql" -qX -v ON_ERROR_STOP=1 "$uri" -f "$f" >/dev/null & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
}
split_tables
raw_copy  # warm-up, untimed

# Each contender runs twice, alternating, each on a quiet server; the faster
# run counts (the machine is shared, so one slow run says little).
run_pg_dump() {
  rm -rf "$work/pg_dump"
  "$bindir/pg_dump" -Fd -j "$jobs" -f "$work/pg_dump" -d "$uri" 2>"$work/pg_dump.err"
}
run_hyperdump() {
  rm -rf "$work/hyperdump"
  /usr/bin/time -v -o "$work/time.txt" "$hd" dump -d "$uri" -f "$work/hyperdump" -j "$jobs" \
    ${HYPERDUMP_DUMP_ARGS:-} >"$work/hd.out"
}
for round in 1 2; do
  quiesce "$uri"; timed "raw COPY TO /dev/null" raw_copy
  quiesce "$uri"; timed "pg_dump -Fd -j $jobs (gzip)" run_pg_dump
  quiesce "$uri"; timed "hyperdump dump -j $jobs (zstd)" run_hyperdump
done
best_of() {  # best_of LABEL: "wall server client" of the faster run
  printf '%s\n' "${timings[@]}" | awk -F'|' -v l="$1" '$1 == l { print $2, $3, $4 }' |
    sort -n | head -1
}
read -r raw_s raw_srv raw_cli <<<"$(best_of "raw COPY TO /dev/null")"
read -r pg_s pg_srv pg_cli <<<"$(best_of "pg_dump -Fd -j $jobs (gzip)")"
read -r hd_s hd_srv hd_cli <<<"$(best_of "hyperdump dump -j $jobs (zstd)")"
echo "runs: $(printf '%s; ' "${timings[@]}")" >&2
pg_bytes=$(du -sb "$work/pg_dump" | cut -f1)
hd_bytes=$(du -sb "$work/hyperdump" | cut -f1)
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/time.txt")
biggest=$("$bindir/psql" -qXAt "$uri" -c "
  SELECT format('%s (%s)', c.oid::regclass, pg_size_pretty(pg_table_size(c.oid)))
  FROM pg_class c WHERE c.relkind = 'r' ORDER BY pg_table_size(c.oid) DESC LIMIT 1")
echo "biggest table: $biggest" >&2
cat "$work/hd.out"

python3 - "$size" "$jobs" "$ntables" "$db_bytes" "$raw_s" "$pg_s" "$pg_bytes" "$hd_s" "$hd_bytes" "$rss_kb" \
  "$raw_srv $raw_cli $pg_srv $pg_cli $hd_srv $hd_cli" <<'PY'
import sys
size, jobs, ntables, db_bytes, raw_s, pg_s, pg_bytes, hd_s, hd_bytes, rss_kb, cpu = sys.argv[1:]
raw_srv, raw_cli, pg_srv, pg_cli, hd_srv, hd_cli = (float(x) for x in cpu.split())
raw_s, pg_s, hd_s = float(raw_s), float(pg_s), float(hd_s)
pg_bytes, hd_bytes, db_bytes, rss = int(pg_bytes), int(hd_bytes), int(db_bytes), int(rss_kb)
mib = lambda b: f"{b / 2**20:.1f} MiB"
print(f"demo database: --size {size}, {ntables} tables with storage, {mib(db_bytes)} on disk; -j {jobs}")
print(f"{'':28}{'time (s)':>10}{'server CPU':>12}{'client CPU':>12}{'archive':>14}")
print(f"{'raw COPY TO /dev/null':28}{raw_s:>10.2f}{raw_srv:>12.2f}{raw_cli:>12.2f}{'-':>14}")
print(f"{'pg_dump -Fd (gzip)':28}{pg_s:>10.2f}{pg_srv:>12.2f}{pg_cli:>12.2f}{mib(pg_bytes):>14}")
print(f"{'hyperdump dump (zstd)':28}{hd_s:>10.2f}{hd_srv:>12.2f}{hd_cli:>12.2f}{mib(hd_bytes):>14}")
print(f"hyperdump peak RSS: {rss / 1024:.1f} MiB")
speedup = pg_s / hd_s
vs_raw = hd_s / raw_s
size_ratio = hd_bytes / pg_bytes
ok = lambda c: "met" if c else "MISSED"
print(f"speed-up vs pg_dump -Fd: {speedup:.2f}x (target >= 2.5x: {ok(speedup >= 2.5)})")
print(f"archive size vs pg_dump: {size_ratio:.2f}x (target <= 1.0x: {ok(size_ratio <= 1.0)})")
print(f"time vs raw COPY limit:  {vs_raw:.2f}x (target <= 1.5x: {ok(vs_raw <= 1.5)})")
PY
