#!/usr/bin/env bash
# What a split table's COPY costs the server (issue 13 part 1): the skewed
# shape's big table demo.orders copied out
#   whole      COPY demo.orders TO STDOUT, one session (what pg_dump runs)
#   ranges     the two ctid ranges a -j 2 dump splits it into
#              (COPY (SELECT cols FROM ONLY demo.orders WHERE ctid ...) TO STDOUT),
#              one after the other
#   ranges2    the same two ranges at the same time, on two sessions
#   ranges2+z  the same, each stream compressed by `zstd -3` as it arrives
#              (what hyperdump's two workers do on the same 2 cores)
# Each backend's CPU seconds come from its own /proc/self/stat, read by the
# session before and after its COPY (pg_read_file: the server is ours).
# Alternating, each step after CHECKPOINT on a quiet server, best of rounds.
#
# Usage: bench/copy_cost_bench.sh [--size 1GB] [--rounds 3]
# Starts its own throwaway server set up like a user's unless run inside one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=1GB
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: bench/copy_cost_bench.sh [--size SIZE] [--rounds N]" >&2; exit 2 ;;
  esac
done
if [ -z "${HYPERDUMP_TEST_URI:-}" ]; then
  HYPERDUMP_PG_DURABLE=1 exec "$root/scripts/with-pg" "$0" --size "$size" --rounds "$rounds"
fi
. "$root/bench/bench_lib.sh"
hd=${HYPERDUMP_BIN:-$root/build/cli/hyperdump}
base=${HYPERDUMP_TEST_URI%/*}
command -v zstd >/dev/null || { echo "copy_cost_bench: needs zstd (apt-get install -y zstd)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/hd-copy-cost.XXXXXX")
trap 'rm -rf "$work"' EXIT

mb=$(demo_source c --shape skewed --no-timescaledb)
src="$base/c_src"
cols=$(sql "$src" -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
  FROM pg_catalog.pg_attribute WHERE attrelid = 'demo.orders'::regclass AND attnum > 0
  AND NOT attisdropped AND attgenerated = ''")
pages=$(sql "$src" -c "SELECT relpages FROM pg_catalog.pg_class WHERE oid = 'demo.orders'::regclass")
bytes=$(sql "$src" -c "SELECT pg_relation_size('demo.orders')")
half=$((pages / 2))
whole="COPY demo.orders TO STDOUT"
first="COPY (SELECT $cols FROM ONLY demo.orders WHERE ctid >= '(0,0)'::tid AND ctid < '($half,0)'::tid) TO STDOUT"
second="COPY (SELECT $cols FROM ONLY demo.orders WHERE ctid >= '($half,0)'::tid) TO STDOUT"
echo "copy_cost_bench: source $mb MB; demo.orders $((bytes / 1000000)) MB, $pages pages, split at $half" >&2

# copy SQL SINK: runs SQL in one session, its output piped to the command
# SINK (psql's \o |SINK, closed before the second reading); prints the
# backend's CPU seconds for it.
copy() {
  sql "$src" <<SQL | grep ' (postgres) ' |
SELECT pg_catalog.pg_read_file('/proc/self/stat');
\o | $2 > /dev/null
$1;
\o
SELECT pg_catalog.pg_read_file('/proc/self/stat');
SQL
    awk 'NR == 1 { a = $14 + $15 } NR == 2 { b = $14 + $15 } END { printf "%.2f", (b - a) / 100 }'
}
now() { date +%s.%N; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }

results=$work/results
for round in $(seq "$rounds"); do
  quiesce "$HYPERDUMP_TEST_URI"
  t0=$(now); a=$(copy "$whole" cat); t1=$(now)
  echo "whole|$(add "$t1" "-$t0")|$a" >> "$results"
  quiesce "$HYPERDUMP_TEST_URI"
  t0=$(now); a=$(copy "$first" cat); b=$(copy "$second" cat); t1=$(now)
  echo "ranges, one after the other|$(add "$t1" "-$t0")|$(add "$a" "$b")" >> "$results"
  quiesce "$HYPERDUMP_TEST_URI"
  t0=$(now); copy "$first" cat > "$work/a" & copy "$second" cat > "$work/b"; wait; t1=$(now)
  echo "ranges at the same time|$(add "$t1" "-$t0")|$(add "$(cat "$work/a")" "$(cat "$work/b")")" >> "$results"
  quiesce "$HYPERDUMP_TEST_URI"
  t0=$(now); copy "$first" "zstd -3 -q -c" > "$work/a" & copy "$second" "zstd -3 -q -c" > "$work/b"; wait; t1=$(now)
  echo "ranges at the same time, zstd -3 each|$(add "$t1" "-$t0")|$(add "$(cat "$work/a")" "$(cat "$work/b")")" >> "$results"
done

echo
echo "| step | runs: wall (s) | runs: server CPU of the COPYs (s) | best server CPU (s) |"
echo "|---|---|---|---|"
awk -F'|' '{ w[$1] = w[$1] (w[$1] ? " / " : "") sprintf("%.2f", $2);
             c[$1] = c[$1] (c[$1] ? " / " : "") sprintf("%.2f", $3);
             if (!($1 in best) || $3 < best[$1]) best[$1] = $3;
             if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
     END { for (i = 0; i < n; i++) printf "| %s | %s | %s | %.2f |\n", order[i], w[order[i]], c[order[i]], best[order[i]] }' "$results"
