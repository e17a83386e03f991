#!/usr/bin/env bash
# Measures per-job costs at -j 2 on this machine, then projects them to N
# slots (issue 13 part 6, docs/scaling.md): on one demo database,
#   hyperdump dump -j 2 --cpu-log, pg_dump -Fd -j 2,
#   hyperdump restore -j 2 --cpu-log, pg_restore -j 2,
# each after CHECKPOINT on a quiet server, every restore compared row for row
# with the source; then bench/scaling_projection.py replays both tools' job
# graphs in simulated time on 2, 8, 16 and 64 slots.
#
# Usage: bench/scaling_bench.sh [--size 1GB] [--shape skewed|demo] [--timescaledb]
#                               [--chunks N]
# Without --timescaledb the source is plain PostgreSQL, where pg_restore -j is
# a correct peer. With it, or with --chunks N (the source of
# bench/chunks_bench.sh: one hypertable of N one-hour chunks, a fifth
# compressed, and a continuous aggregate), the restore peer is TimescaleDB's
# staged procedure plus vacuumdb --analyze-only, each step timed on its own,
# and pg_dump's schema pass is timed alone too: the projection scales the
# peers' parallel steps and keeps their serial ones. Starts its own server set
# up like a user's unless run inside one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=1GB
shape=skewed
ts=--no-timescaledb
chunks=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --shape) shape=$2; shift 2 ;;
    --timescaledb) ts=""; shift ;;
    --chunks) chunks=$2; ts=""; shift 2 ;;
    *) echo "usage: bench/scaling_bench.sh [--size SIZE] [--shape skewed|demo] [--timescaledb]" \
         "[--chunks N]" >&2
       exit 2 ;;
  esac
done
if [ -z "${HYPERDUMP_TEST_URI:-}" ]; then
  again=(--size "$size" --shape "$shape")
  [ -n "$ts" ] || again+=(--timescaledb)
  [ -z "$chunks" ] || again+=(--chunks "$chunks")
  HYPERDUMP_PG_DURABLE=1 exec "$root/scripts/with-pg" "$0" "${again[@]}"
fi
. "$root/bench/bench_lib.sh"
hd=${HYPERDUMP_BIN:-$root/build/cli/hyperdump}
bin=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
base=${HYPERDUMP_TEST_URI%/*}
work=$(mktemp -d "${TMPDIR:-/tmp}/hd-scaling-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ -n "$chunks" ]; then
  "$root/bench/chunks_bench.sh" --chunks "$chunks" --setup-only --keep-source
  src="$base/chunks_src"
  echo "scaling_bench: source of $chunks chunks" >&2
else
  mb=$(demo_source s --shape "$shape" $ts)
  echo "scaling_bench: source $mb MB ($shape${ts:+, no TimescaleDB})" >&2
  src="$base/s_src"
fi
quiesce "$HYPERDUMP_TEST_URI"
timed "hyperdump dump" "$hd" dump -d "$src" -f "$work/hd" -j 2 --quiet --cpu-log "$work/dump.cpu"
quiesce "$HYPERDUMP_TEST_URI"
timed "pg_dump" "$bin/pg_dump" -Fd -j 2 -d "$src" -f "$work/pg"
if [ -z "$ts" ]; then
  quiesce "$HYPERDUMP_TEST_URI"
  timed "pg_dump schema" "$bin/pg_dump" --schema-only -Fc -d "$src" -f "$work/schema.pgdump"
fi
createdb s_hd
quiesce "$HYPERDUMP_TEST_URI"
timed "hyperdump restore" "$hd" restore -d "$base/s_hd" -j 2 --quiet --cpu-log "$work/restore.cpu" \
  "$work/hd"
"$hd" compare "$src" "$base/s_hd" >/dev/null
createdb s_pg
if [ -z "$ts" ]; then
  # pg_restore -j alone loses a TimescaleDB database's hypertable rows: the
  # staged procedure, a step at a time (each ends before the next starts).
  mkdir "$work/staged"
  for phase in start catalog data post-data end; do
    quiesce "$HYPERDUMP_TEST_URI"
    timed "staged $phase" staged_pg_restore "$base/s_pg" "$work/pg" 2 "$work/staged" "$phase"
  done
  quiesce "$HYPERDUMP_TEST_URI"
  timed "staged vacuumdb" "$bin/vacuumdb" -q --analyze-only -j 2 -d "$base/s_pg"
else
  quiesce "$HYPERDUMP_TEST_URI"
  timed "pg_restore" "$bin/pg_restore" -j 2 -d "$base/s_pg" "$work/pg"
fi
"$hd" compare "$src" "$base/s_pg" >/dev/null
sql "$src" -c "SELECT schemaname || chr(9) || indexname || chr(9) || tablename FROM pg_indexes" \
  >"$work/indexes.tsv"
bytes=$(python3 -c 'import json,sys; print(sum(json.loads(l).get("bytes", 0) for l in open(sys.argv[1])))' \
  "$work/dump.cpu")
printf '%s\n' "${timings[@]}" | python3 -c '
import json, sys
t = {l.split("|")[0]: [float(x) for x in l.rstrip("\n").split("|")[1:]] for l in sys.stdin}
b = int(sys.argv[1])
peers = {"pg_dump_client_s_per_byte": t["pg_dump"][2] / b, "measured": t, "copy_bytes": b}
if "pg_restore" in t:
    peers["pg_restore_client_s_per_byte"] = t["pg_restore"][2] / b
json.dump(peers, open(sys.argv[2], "w"), indent=1)
' "$bytes" "$work/peers.json"
echo
echo "Measured at -j 2 (wall, server CPU, client CPU in s):"
printf '  %s\n' "${timings[@]}"
echo
python3 "$root/bench/scaling_projection.py" "$work"
if [ -n "${HYPERDUMP_SCALING_KEEP:-}" ]; then cp -r "$work" "$HYPERDUMP_SCALING_KEEP"; fi
