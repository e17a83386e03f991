#!/usr/bin/env bash
# Many small chunks (issue 18): one hypertable of N one-hour chunks (13 rows
# each), a fifth of them compressed, and a continuous aggregate whose own
# materialization hypertable has N/10 chunks. Side by side, in one run:
#   hyperdump dump -j J        vs  pg_dump -Fd -j J
#   hyperdump restore -j J     vs  the staged pg_restore -j J + vacuumdb --analyze-only -j J
# every restore compared row for row with the source; peak RSS of hyperdump.
# Usage: bench/chunks_bench.sh [--chunks 10000] [-j 2] [--rounds 2] [--setup-only]
# --setup-only builds the source database chunks_src in $HYPERDUMP_TEST_URI's
# server and stops there (to profile one step by hand). --keep-source reuses a
# chunks_src of the same number of chunks left by an earlier run inside the
# same server, and leaves it there at the end (building 10,000 chunks takes
# minutes, 100,000 over an hour).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
chunks=10000
jobs=2
rounds=2
setup_only=no
keep_source=no
while [ $# -gt 0 ]; do
  case "$1" in
    --chunks) chunks=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --setup-only) setup_only=yes; shift ;;
    --keep-source) keep_source=yes; shift ;;
    *) echo "usage: bench/chunks_bench.sh [--chunks N] [-j N] [--rounds N] [--setup-only]" \
         "[--keep-source]" >&2
       exit 2 ;;
  esac
done
if [ -z "${HYPERDUMP_TEST_URI:-}" ] && [ "$setup_only" = yes ]; then
  # A throwaway cluster would be deleted with the database just built.
  echo "chunks_bench: --setup-only needs a server that outlives this script: run it inside" \
    "scripts/with-pg together with what to measure, e.g." \
    "scripts/with-pg bash -c 'bench/chunks_bench.sh --setup-only && ...'" >&2
  exit 2
fi
if [ -z "${HYPERDUMP_TEST_URI:-}" ]; then
  # (--keep-source is moot here: the throwaway cluster goes with this run.)
  HYPERDUMP_PG_DURABLE=1 exec "$root/scripts/with-pg" "$0" --chunks "$chunks" -j "$jobs" \
    --rounds "$rounds"
fi
. "$root/bench/bench_lib.sh"
hd=${HYPERDUMP_BIN:-$root/build/cli/hyperdump}
bin=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
base=${HYPERDUMP_TEST_URI%/*}
work=$(mktemp -d "${TMPDIR:-/tmp}/hd-chunks-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=chunks_src
# The hypertable's own chunks in a chunks_src left by an earlier run (0 if none).
existing_chunks() {
  [ "$(sql "$HYPERDUMP_TEST_URI" -c "SELECT count(*) FROM pg_database WHERE datname = '$src'")" = 1 ] ||
    { echo 0; return; }
  sql "$base/$src" -c "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'm'" \
    2>/dev/null || echo 0
}
build_source() {
  sql "$HYPERDUMP_TEST_URI" -c "DROP DATABASE IF EXISTS $src WITH (FORCE)" -c "CREATE DATABASE $src"
  # In transactions of at most 2,000 chunks each (DO blocks that COMMIT), so
  # that 100,000 chunks fit the server's lock table.
  sql "$base/$src" >/dev/null 2>&1 <<SQL
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS timescaledb;
CREATE TABLE m (t timestamptz NOT NULL, device int, v double precision);
SELECT create_hypertable('m', 't', chunk_time_interval => interval '1 hour');
DO \$\$
BEGIN
  FOR b IN 0 .. ($chunks - 1) / 2000 LOOP
    INSERT INTO m SELECT timestamptz '2024-01-01' + i * interval '1 hour' + j * interval '4 minutes',
      j % 3, i + j FROM generate_series(b * 2000, least(b * 2000 + 1999, $chunks - 1)) i,
      generate_series(0, 12) j;
    COMMIT;
  END LOOP;
END \$\$;
ALTER TABLE m SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');
DO \$\$
DECLARE
  c regclass;
  n int := 0;
BEGIN
  FOR c IN SELECT s FROM show_chunks('m') s ORDER BY 1 LIMIT $chunks / 5 LOOP
    PERFORM compress_chunk(c);
    n := n + 1;
    IF n % 500 = 0 THEN COMMIT; END IF;
  END LOOP;
END \$\$;
CREATE MATERIALIZED VIEW m_hourly WITH (timescaledb.continuous) AS
  SELECT time_bucket('1 hour', t) AS b, device, avg(v) FROM m GROUP BY 1, 2 WITH NO DATA;
SQL
  # Refreshed in windows of 30 days: one refresh over 100,000 hours plans over
  # every chunk at once and ran for more than ten minutes. Each call is its own
  # transaction (refresh_continuous_aggregate refuses a transaction block).
  for ((h = 0; h < chunks; h += 720)); do
    sql "$base/$src" -c "CALL refresh_continuous_aggregate('m_hourly',
      timestamptz '2024-01-01' + $h * interval '1 hour',
      timestamptz '2024-01-01' + $((h + 720)) * interval '1 hour')" >/dev/null 2>&1
  done
  sql "$base/$src" -c "VACUUM ANALYZE" >/dev/null 2>&1
}
if [ "$keep_source" = yes ] && [ "$(existing_chunks)" = "$chunks" ]; then
  echo "chunks_bench: reusing chunks_src ($chunks chunks)" >&2
else
  build_source
  # Building it dropped the heap files of the chunks it compressed: let ext4
  # forget those inodes before anything timed creates files (see hd_dump).
  [ "$setup_only" = yes ] || sleep 120
fi
echo "chunks_bench: $(sql "$base/$src" -c "SELECT count(*) FROM timescaledb_information.chunks") chunks," \
  "$(( $(sql "$base/$src" -c "SELECT pg_database_size(current_database())") / 1000000 )) MB" >&2
[ "$setup_only" = yes ] && exit 0
rss=()
with_rss() { local label=$1; shift; /usr/bin/time -f "%M" -o "$work/rss" "$@"; rss+=("$label|$(tail -1 "$work/rss")"); }
# Nothing is deleted until every round is done: this VM's ext4 has no journal,
# and there a new file's inode is searched for past every inode deleted in the
# last minute or more (ext4's recently_deleted), so a dump of 13,000 files made
# right after another run's archive or restored database was deleted spent
# most of its time in the kernel (perf: 35% of the dump's samples), the
# contender that ran next paying for the one before. Each round writes its own
# archives and restores into databases dropped at the end.
hd_dump() { with_rss "hyperdump dump" "$hd" dump -d "$base/$src" -f "$work/hd.$1" -j "$jobs" --quiet; }
pg_dump_fd() { "$bin/pg_dump" -Fd -j "$jobs" -d "$base/$src" -f "$work/pgd.$1" 2>/dev/null; }
hd_restore() { with_rss "hyperdump restore" "$hd" restore -d "$base/$1" -j "$jobs" --quiet "$work/hd.$2"; }
staged() {
  local db="$base/$1" dir="$work/pgd.$2"
  staged_pg_restore "$db" "$dir" "$jobs" "$work"
  "$bin/vacuumdb" -q --analyze-only -j "$jobs" -d "$db"
}
restored=()
for round in $(seq "$rounds"); do
  quiesce "$HYPERDUMP_TEST_URI"; timed "hyperdump dump -j $jobs" hd_dump "$round"
  quiesce "$HYPERDUMP_TEST_URI"; timed "pg_dump -Fd -j $jobs" pg_dump_fd "$round"
  for c in hd_restore staged; do
    db="chunks_${c}_$round"
    sql "$HYPERDUMP_TEST_URI" -c "CREATE DATABASE $db"
    restored+=("$db")
    quiesce "$HYPERDUMP_TEST_URI"
    timed "$c" "$c" "$db" "$round"
    "$hd" compare -q "$base/$src" "$base/$db" >/dev/null || { echo "chunks_bench: $c lost rows" >&2; exit 1; }
  done
done
for db in "${restored[@]}"; do sql "$HYPERDUMP_TEST_URI" -c "DROP DATABASE $db WITH (FORCE)"; done
echo
echo "| step | best of $rounds (s) | runs (s) | server CPU (s) | client CPU (s) |"
echo "|---|---|---|---|---|"
printf '%s\n' "${timings[@]}" | python3 -c '
import sys
rows, order = {}, []
for line in sys.stdin:
    what, wall, server, client = line.rstrip("\n").split("|")
    if what not in rows: order.append(what); rows[what] = []
    rows[what].append((float(wall), float(server), float(client)))
names = {"hd_restore": "hyperdump restore -j J (ANALYZE included)", "staged": "staged pg_restore -j J + vacuumdb --analyze-only -j J"}
for what in order:
    b = min(rows[what]); runs = " / ".join(f"{x[0]:.2f}" for x in rows[what])
    label = names.get(what, what).replace("J", sys.argv[1])
    print(f"| {label} | {b[0]:.2f} | {runs} | {b[1]:.2f} | {b[2]:.2f} |")
' "$jobs"
echo
printf '%s\n' "${rss[@]}" | python3 -c '
import sys
rows = {}
for line in sys.stdin:
    what, kib = line.rstrip("\n").split("|"); rows.setdefault(what, []).append(int(kib) / 1024)
for what, v in rows.items(): print(f"peak RSS of {what}: " + " / ".join(f"{x:.0f} MiB" for x in v))
'
[ "$keep_source" = yes ] || sql "$HYPERDUMP_TEST_URI" -c "DROP DATABASE $src WITH (FORCE)"
