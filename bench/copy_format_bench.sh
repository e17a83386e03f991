#!/usr/bin/env bash
# Usage: bench/copy_format_bench.sh [SIZE] [JOBS] [ROUNDS]   (starts its own
#        server: a user's settings, PostgreSQL's defaults for fsync and
#        wal_level)
#
# --copy-format text against auto (issue 13), side by side in one run on one
# TimescaleDB demo database (real extension; its oldest chunks compressed,
# HYPERDUMP_COMPRESSED_FRACTION of them, default 0.5): ROUNDS (default 3)
# rounds, alternating text and auto, each step on a quiet server
# (bench/bench_lib.sh): the dump, then the restore of that archive into a
# fresh database, which is compared with the source (hyperdump compare).
# Prints every run (wall, server CPU, client CPU), the archive sizes and the
# best of each; docs/benchmarks.md records them.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
size=${1:-200MB}
jobs=${2:-2}
rounds=${3:-3}
build=${HYPERDUMP_BUILD:-$root/build}
hd=$build/cli/hyperdump
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
if [ -z "${HYPERDUMP_TEST_URI:-}" ]; then
  HYPERDUMP_PG_DURABLE=1 exec "$root/scripts/with-pg" "$0" "$size" "$jobs" "$rounds"
fi
. "$root/bench/bench_lib.sh"
[ -x "$hd" ] || { echo "copy_format_bench: no $hd (build first)" >&2; exit 2; }

base=${HYPERDUMP_TEST_URI%/*}
src="$base/cf_bench"
work=$(mktemp -d "${TMPDIR:-/tmp}/copy_format_bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bindir/psql" -qX "$HYPERDUMP_TEST_URI" -c "CREATE DATABASE cf_bench" >/dev/null
echo "building demo database ($size)..." >&2
"$hd" demo-data -d "$src" --size "$size" >&2
fraction=${HYPERDUMP_COMPRESSED_FRACTION:-0.5}
# Compress the oldest chunks up to `fraction` of them (the demo compresses a few).
"$bindir/psql" -qXAt "$src" -c "
  SELECT count(compress_chunk(c, if_not_compressed => true)) FROM (
    SELECT c, row_number() OVER (ORDER BY c) AS i, count(*) OVER () AS n
    FROM show_chunks('demo.metrics') c) s WHERE i <= n * $fraction" >/dev/null 2>&1
"$bindir/psql" -qX "$src" -c "VACUUM ANALYZE" >/dev/null 2>&1
echo "chunks: $("$bindir/psql" -qXAt "$src" -c "SELECT count(*) FILTER (WHERE is_compressed) || ' compressed of ' || count(*) FROM timescaledb_information.chunks")" >&2

timings=()
dump() { "$hd" dump -d "$src" -f "$work/$1" -j "$jobs" --copy-format "$1" --quiet; }
restore() { "$hd" restore -d "$base/$2" -j "$jobs" --quiet "$work/$1"; }
for round in $(seq "$rounds"); do
  for mode in text auto; do
    rm -rf "${work:?}/$mode"
    "$bindir/psql" -qX "$HYPERDUMP_TEST_URI" -c "DROP DATABASE IF EXISTS cf_$mode" \
      -c "CREATE DATABASE cf_$mode" >/dev/null
    quiesce "$src"
    timed "dump $mode #$round" dump "$mode"
    quiesce "$HYPERDUMP_TEST_URI"
    timed "restore $mode #$round" restore "$mode" "cf_$mode"
    "$hd" compare "$src" "$base/cf_$mode" --quiet >/dev/null ||
      { echo "copy_format_bench: restore $mode differs from the source" >&2; exit 1; }
  done
done
for mode in text auto; do
  echo "archive $mode: $(du -sb "$work/$mode" | cut -f1) bytes," \
    "$(grep -o '"copy_format": *"binary"' "$work/$mode/manifest.json" | wc -l) binary files"
done
echo "label|wall s|server CPU s|client CPU s"
printf '%s\n' "${timings[@]}"
for step in dump restore; do
  for mode in text auto; do
    printf '%s\n' "${timings[@]}" | awk -F'|' -v p="$step $mode #" '
      index($1, p) == 1 && (best == "" || $2 < best) { best = $2; s = $3; c = $4 }
      END { printf "best %s: %s s (server %s s, client %s s)\n", p, best, s, c }'
  done
done
