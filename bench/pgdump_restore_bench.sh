#!/usr/bin/env bash
# Restoring an archive users already have (issue 17 part 4): one
# `pg_dump -Fd -j N` archive of the real-TimescaleDB demo, restored side by
# side, in one run, alternating contenders, into fresh databases:
#   hyperdump restore -j N DIR     (reads the archive through pg_restore; ANALYZE included)
#   the documented staged procedure, then vacuumdb --analyze-only -j N
#   serial pg_restore inside timescaledb_pre_restore()/post_restore(), then vacuumdb
#   pg_restore -j N as users try it first: timed too, and its row count
#     reported, since it loses the hypertables' rows
# Every restore but the last is compared row for row with the source
# (hyperdump compare): no figure comes from a restore that lost rows.
#
# Usage: bench/pgdump_restore_bench.sh [--size 1GB] [-j 2] [--rounds 2]
# Starts its own throwaway server, set up like a user's (scripts/with-pg with
# HYPERDUMP_PG_DURABLE=1), unless run inside one. Prints Markdown tables.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=200MB
jobs=2
rounds=2
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: bench/pgdump_restore_bench.sh [--size SIZE] [-j N] [--rounds N]" >&2; exit 2 ;;
  esac
done
if [ -z "${HYPERDUMP_TEST_URI:-}" ]; then
  HYPERDUMP_PG_DURABLE=1 exec "$root/scripts/with-pg" "$0" --size "$size" -j "$jobs" \
    --rounds "$rounds"
fi
. "$root/bench/bench_lib.sh"
hd=${HYPERDUMP_BIN:-$root/build/cli/hyperdump}
bin=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
base=${HYPERDUMP_TEST_URI%/*}
work=$(mktemp -d "${TMPDIR:-/tmp}/hd-pgdump-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

timescaledb=$(sql "$HYPERDUMP_TEST_URI" -c \
  "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'")
[ -n "$timescaledb" ] || { echo "pgdump_restore_bench: no TimescaleDB on the server" >&2; exit 1; }

same() {  # same TARGET LABEL: row-for-row equality with the source, or the bench fails
  if ! "$hd" compare "$base/ts_src" "$base/$1" >"$work/compare.$1" 2>&1; then
    echo "pgdump_restore_bench: $2 did not restore every row:" >&2
    tail -20 "$work/compare.$1" >&2
    return 1
  fi
}
serial_pg_restore() {  # serial_pg_restore URI DIR: TimescaleDB's documented serial restore
  sql "$1" -c "CREATE EXTENSION IF NOT EXISTS timescaledb" -c "SELECT timescaledb_pre_restore()" \
    >/dev/null
  "$bin/pg_restore" -d "$1" "$2" 2>"$work/serial.log" || true  # "already exists" errors, as documented
  sql "$1" -c "SELECT timescaledb_post_restore()" >/dev/null
}
parallel_pg_restore() {  # pg_restore -j N as first tried; its errors are the point
  "$bin/pg_restore" -j "$jobs" -d "$1" "$2" 2>"$work/parallel.log" || true
}

mb=$(demo_source ts)
echo "pgdump_restore_bench: source $mb MB (TimescaleDB $timescaledb)" >&2
dir="$work/ts.pgd"
"$bin/pg_dump" -Fd -j "$jobs" -d "$base/ts_src" -f "$dir" 2>"$work/pg_dump.log"
echo "pgdump_restore_bench: archive $(($(du -sb "$dir" | cut -f1) / 1000000)) MB" >&2

for round in $(seq "$rounds"); do
  createdb "hd$round"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "hyperdump restore -j $jobs (with ANALYZE)" \
    "$hd" restore -d "$base/hd$round" -j "$jobs" --quiet "$dir"
  same "hd$round" "hyperdump restore"

  createdb "staged$round"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "staged pg_restore (pre-data; catalog; data -j $jobs; post-data -j $jobs)" \
    staged_pg_restore "$base/staged$round" "$dir" "$jobs" "$work"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "vacuumdb --analyze-only -j $jobs (after staged)" \
    "$bin/vacuumdb" -q --analyze-only -j "$jobs" -d "$base/staged$round"
  same "staged$round" "staged pg_restore"

  createdb "serial$round"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "serial pg_restore in pre_restore/post_restore" \
    serial_pg_restore "$base/serial$round" "$dir"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "vacuumdb --analyze-only -j $jobs (after serial)" \
    "$bin/vacuumdb" -q --analyze-only -j "$jobs" -d "$base/serial$round"
  same "serial$round" "serial pg_restore"

  createdb "par$round"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "pg_restore -j $jobs (no TimescaleDB procedure)" \
    parallel_pg_restore "$base/par$round" "$dir"
  echo "pgdump_restore_bench: pg_restore -j $jobs: $(grep -c '^pg_restore: error' "$work/parallel.log" || true) errors;" \
    "demo.metrics has $(sql "$base/par$round" -c 'SELECT count(*) FROM demo.metrics') of" \
    "$(sql "$base/ts_src" -c 'SELECT count(*) FROM demo.metrics') rows" >&2
  for d in "hd$round" "staged$round" "serial$round" "par$round"; do
    sql "$HYPERDUMP_TEST_URI" -c "DROP DATABASE \"$d\""
  done
done

echo
echo "| step | best of $rounds (s) | runs (s) | server CPU (s) | client CPU (s) |"
echo "|---|---|---|---|---|"
printf '%s\n' "${timings[@]}" | python3 -c '
import sys
rows, order = {}, []
for line in sys.stdin:
    what, wall, server, client = line.rstrip("\n").split("|")
    if what not in rows:
        order.append(what)
        rows[what] = []
    rows[what].append((float(wall), float(server), float(client)))
best = {k: min(v) for k, v in rows.items()}
for what in order:
    b = best[what]
    runs = " / ".join(f"{x[0]:.2f}" for x in rows[what])
    print(f"| {what} | {b[0]:.2f} | {runs} | {b[1]:.2f} | {b[2]:.2f} |")
hd = [best[k][0] for k in order if k.startswith("hyperdump")][0]
def total(prefix):
    main = [best[k][0] for k in order if k.startswith(prefix)][0]
    an = [best[k][0] for k in order if k.startswith("vacuumdb") and prefix.split()[0] in k][0]
    return main + an
print()
print("| correct restore of the same pg_dump -Fd archive | total (s) | hyperdump is |")
print("|---|---|---|")
print(f"| hyperdump restore -j N (ANALYZE included) | {hd:.2f} | |")
for prefix in ("staged", "serial"):
    t = total(prefix)
    print(f"| {prefix} pg_restore + vacuumdb --analyze-only | {t:.2f} | {t / hd:.2f}x faster |")
'
