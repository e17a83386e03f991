#!/usr/bin/env bash
# Migration wall time, side by side, in one run on the same data (issue 16):
# from "start" to "target ready" (data, indexes, keys, ANALYZE), source and
# target on one server (two databases), every target compared row for row
# with its source (hyperdump compare) before its figure counts.
#
#   hyperdump migrate -j N                      dump and restore at once
#   hyperdump dump -j N, then restore -j N      one after the other
#   seed: pg_dump --format=plain > file; psql -f file      (TimescaleDB: inside
#         timescaledb_pre_restore()/post_restore()), then vacuumdb --analyze-only
#   pipe: pg_dump | psql                        (same, without the file)
#   pg_dump -Fd -j N, then pg_restore -j N      (TimescaleDB: the documented staged
#         procedure, catalog data alone), then vacuumdb --analyze-only -j N
#
# Peak RSS of hyperdump (GNU time's maximum resident set size) is reported too.
# Usage: bench/migrate_bench.sh [--size 1GB] [-j 2] [--rounds 2] [--cases "plain timescaledb"]
# Starts its own server with PostgreSQL's durability defaults (scripts/with-pg,
# HYPERDUMP_PG_DURABLE=1) unless run inside one. Prints Markdown for
# docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=1GB
jobs=2
rounds=2
cases="plain timescaledb"
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    *) echo "usage: bench/migrate_bench.sh [--size SIZE] [-j N] [--rounds N] [--cases LIST]" >&2
       exit 2 ;;
  esac
done
if [ -z "${HYPERDUMP_TEST_URI:-}" ]; then
  HYPERDUMP_PG_DURABLE=1 exec "$root/scripts/with-pg" "$0" --size "$size" -j "$jobs" \
    --rounds "$rounds" --cases "$cases"
fi
. "$root/bench/bench_lib.sh"
hd=${HYPERDUMP_BIN:-$root/build/cli/hyperdump}
bin=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
base=${HYPERDUMP_TEST_URI%/*}
work=$(mktemp -d "${TMPDIR:-/tmp}/hd-migrate-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

dropdb() { sql "$HYPERDUMP_TEST_URI" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"; }
same() {  # same SOURCE TARGET LABEL
  if ! "$hd" compare "$base/$1" "$base/$2" >"$work/compare.$2" 2>&1; then
    echo "migrate_bench: $3 did not move every row:" >&2
    tail -20 "$work/compare.$2" >&2
    return 1
  fi
}
rss=()  # "case|label|KiB"
with_rss() {  # with_rss LABEL CMD...: runs CMD under GNU time, keeps its peak RSS
  local label=$1; shift
  /usr/bin/time -f "%M" -o "$work/rss" "$@"
  rss+=("$label|$(tail -1 "$work/rss")")
}

# The contenders; each takes the case name, the source and the target database.
hd_migrate() {
  with_rss "$1|hyperdump migrate" "$hd" migrate -d "$base/$2" --to "$base/$3" \
    -f "$work/migrate.hd" -j "$jobs" --quiet
}
hd_dump_restore() {
  with_rss "$1|hyperdump dump" "$hd" dump -d "$base/$2" -f "$work/dump.hd" -j "$jobs" --quiet
  with_rss "$1|hyperdump restore" "$hd" restore -d "$base/$3" -j "$jobs" --quiet "$work/dump.hd"
}
ts_pre() { [ "$1" = plain ] || sql "$base/$2" -c "CREATE EXTENSION IF NOT EXISTS timescaledb" \
  -c "SELECT timescaledb_pre_restore()" >/dev/null; }
ts_post() { [ "$1" = plain ] || sql "$base/$2" -c "SELECT timescaledb_post_restore()" >/dev/null; }
seed() {
  "$bin/pg_dump" --format=plain -d "$base/$2" -f "$work/seed.sql" 2>"$work/pg_dump.log"
  ts_pre "$1" "$3"
  sql "$base/$3" -f "$work/seed.sql" >/dev/null 2>"$work/psql.log"
  ts_post "$1" "$3"
  "$bin/vacuumdb" -q --analyze-only -d "$base/$3"
}
pipe() {
  ts_pre "$1" "$3"
  "$bin/pg_dump" --format=plain -d "$base/$2" 2>"$work/pg_dump.log" |
    sql "$base/$3" >/dev/null 2>"$work/psql.log"
  ts_post "$1" "$3"
  "$bin/vacuumdb" -q --analyze-only -d "$base/$3"
}
pg_way() {
  local dir="$work/pg.dir"
  rm -rf "$dir"
  "$bin/pg_dump" -Fd -j "$jobs" -d "$base/$2" -f "$dir" 2>"$work/pg_dump.log"
  if [ "$1" = plain ]; then
    "$bin/pg_restore" -j "$jobs" -d "$base/$3" "$dir"
  else
    staged_pg_restore "$base/$3" "$dir" "$jobs" "$work"
  fi
  "$bin/vacuumdb" -q --analyze-only -j "$jobs" -d "$base/$3"
}

run_case() {  # run_case NAME DEMO_FLAGS...
  local name=$1; shift
  local src="${name}_src" mb
  mb=$(demo_source "$name" "$@")
  echo "migrate_bench: $name source: $mb MB" >&2
  local round c
  for round in $(seq "$rounds"); do
    # Alternating contenders, each into a fresh database on a quiet server.
    for c in hd_migrate hd_dump_restore pg_way seed pipe; do
      local dst="${name}_${c}_$round"
      rm -rf "$work/migrate.hd" "$work/dump.hd"
      createdb "$dst"
      quiesce "$HYPERDUMP_TEST_URI"
      timed "$name|$c" "$c" "$name" "$src" "$dst"
      same "$src" "$dst" "$c"
      dropdb "$dst"
    done
  done
}

for c in $cases; do
  if [ "$c" = plain ]; then run_case plain --no-timescaledb; else run_case "$c"; fi
done

echo
echo "| database | contender | best of $rounds (s) | runs (s) | server CPU (s) | client CPU (s) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${timings[@]}" | python3 -c '
import sys
names = {"hd_migrate": "hyperdump migrate -j J", "hd_dump_restore": "hyperdump dump -j J, then restore -j J",
         "pg_way": "pg_dump -Fd -j J, then pg_restore -j J (TimescaleDB: staged) + vacuumdb -j J",
         "seed": "pg_dump --format=plain to a file, then psql -f + vacuumdb",
         "pipe": "pg_dump \\| psql + vacuumdb"}
rows, order = {}, []
for line in sys.stdin:
    case, what, wall, server, client = line.rstrip("\n").split("|")
    if (case, what) not in rows:
        order.append((case, what)); rows[(case, what)] = []
    rows[(case, what)].append((float(wall), float(server), float(client)))
best = {k: min(v) for k, v in rows.items()}
for case, what in order:
    b = best[(case, what)]
    runs = " / ".join(f"{x[0]:.2f}" for x in rows[(case, what)])
    label = names[what].replace("J", sys.argv[2])
    print(f"| {case} ({sys.argv[1]} demo) | {label} | {b[0]:.2f} | {runs} | {b[1]:.2f} | {b[2]:.2f} |")
print()
print("| database | migrate (s) | hyperdump dump+restore (s) | migrate / dump+restore | best correct pg way (s) | pg way / migrate |")
print("|---|---|---|---|---|---|")
for case in dict.fromkeys(c for c, _ in order):
    m = best[(case, "hd_migrate")][0]; dr = best[(case, "hd_dump_restore")][0]
    pg = min(best[(case, w)][0] for w in ("pg_way", "seed", "pipe") if (case, w) in best)
    print(f"| {case} | {m:.2f} | {dr:.2f} | {m / dr:.2f} | {pg:.2f} | {pg / m:.2f}x |")
' "$size" "$jobs"
echo
echo "| database | hyperdump step | peak RSS (MiB), every run |"
echo "|---|---|---|"
printf '%s\n' "${rss[@]}" | python3 -c '
import sys
rows = {}
for line in sys.stdin:
    case, what, kib = line.rstrip("\n").split("|")
    rows.setdefault((case, what), []).append(int(kib) / 1024)
for (case, what), v in rows.items():
    print(f"| {case} | {what} | " + " / ".join(f"{x:.0f}" for x in v) + " |")
'
