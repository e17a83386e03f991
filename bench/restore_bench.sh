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
  # A server set up like a user's: PostgreSQL's defaults for fsync,
  # synchronous_commit, full_page_writes and wal_level.
  HYPERDUMP_PG_DURABLE=1 exec "$root/scripts/with-pg" "$0" --size "$size" -j "$jobs"
fi
. "$root/bench/bench_lib.sh"
hd=${HYPERDUMP_BIN:-$root/build/cli/hyperdump}
bin=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
base=${HYPERDUMP_TEST_URI%/*}
work=$(mktemp -d "${TMPDIR:-/tmp}/hd-restore-bench.XXXXXX")
chmod 755 "$work"  # pg_dump -Fd output is read by us only, but keep the dir listable
trap 'rm -rf "$work"' EXIT

same() {  # same SOURCE TARGET LABEL: row-for-row equality or the bench fails
  if ! "$hd" compare "$base/$1" "$base/$2" >"$work/compare.$2" 2>&1; then
    echo "restore_bench: $3 did not restore every row:" >&2
    tail -20 "$work/compare.$2" >&2
    return 1
  fi
}

# The pg_restore way into DB: pg_restore -j N on plain PostgreSQL; on
# TimescaleDB the documented staged procedure (catalog data alone, in one job).
pg_way() {  # pg_way NAME DB DIR
  local name=$1 db=$2 dir=$3
  if [ "$name" = plain ]; then
    "$bin/pg_restore" -j "$jobs" -d "$db" "$dir"
    return
  fi
  staged_pg_restore "$db" "$dir" "$jobs" "$work"
}

run_case() {  # run_case NAME DEMO_FLAGS...
  local name=$1; shift
  local src="${name}_src" mb
  mb=$(demo_source "$name" "$@")
  echo "restore_bench: $name source: $mb MB" >&2
  "$hd" dump -d "$base/$src" -f "$work/$name.hd" -j "$jobs" >/dev/null
  "$bin/pg_dump" -Fd -j "$jobs" -d "$base/$src" -f "$work/$name.pgd" 2>"$work/pg_dump.$name.log"

  # Each contender runs twice, alternating, into fresh databases; the faster
  # run counts (the machine is shared; one slow run says little).
  local round dir="$work/$name.pgd"
  for round in 1 2; do
    # hyperdump restore, as users run it (ANALYZE included), then without ANALYZE.
    createdb "${name}_hd$round"
    quiesce "$HYPERDUMP_TEST_URI"
    timed "$name|hyperdump restore -j $jobs (with ANALYZE)" \
      "$hd" restore -d "$base/${name}_hd$round" -j "$jobs" --quiet "$work/$name.hd"
    same "$src" "${name}_hd$round" "hyperdump restore"
    createdb "${name}_hdna$round"
    quiesce "$HYPERDUMP_TEST_URI"
    timed "$name|hyperdump restore -j $jobs --no-analyze" \
      "$hd" restore -d "$base/${name}_hdna$round" -j "$jobs" --no-analyze --quiet "$work/$name.hd"
    same "$src" "${name}_hdna$round" "hyperdump restore --no-analyze"

    # The pg_restore way, then ANALYZE as PostgreSQL's documentation advises
    # after a restore (vacuumdb --analyze-only -j N), timed separately.
    createdb "${name}_pg$round"
    local db="$base/${name}_pg$round" what
    if [ "$name" = plain ]; then
      what="pg_restore -j $jobs"
    else
      what="staged pg_restore (pre-data; catalog; data -j $jobs; post-data -j $jobs)"
    fi
    quiesce "$HYPERDUMP_TEST_URI"
    timed "$name|$what" pg_way "$name" "$db" "$dir"
    quiesce "$HYPERDUMP_TEST_URI"
    timed "$name|vacuumdb --analyze-only -j $jobs (after $what)" \
      "$bin/vacuumdb" -q --analyze-only -j "$jobs" -d "$db"
    same "$src" "${name}_pg$round" "$what"
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

# The best of the two rounds per contender (by wall time), with its CPU
# seconds; each tool's full job (restore + ANALYZE) compared with the others'.
echo
echo "| database | step | best of 2 (s) | runs (s) | server CPU (s) | client CPU (s) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${timings[@]}" | python3 -c '
import sys
rows, order = {}, []
for line in sys.stdin:
    case, what, wall, server, client = line.rstrip("\n").split("|")
    if (case, what) not in rows:
        order.append((case, what))
        rows[(case, what)] = []
    rows[(case, what)].append((float(wall), float(server), float(client)))
size, ts = sys.argv[1], sys.argv[2]
best = {k: min(v) for k, v in rows.items()}
for case, what in order:
    b = best[(case, what)]
    runs = " / ".join(f"{x[0]:.2f}" for x in rows[(case, what)])
    label = f"{case} ({size} demo" + (f", TimescaleDB {ts})" if case != "plain" else ")")
    print(f"| {label} | {what} | {b[0]:.2f} | {runs} | {b[1]:.2f} | {b[2]:.2f} |")
print()
print("| database | hyperdump restore (with ANALYZE) | pg way + vacuumdb --analyze-only | ratio |")
print("|---|---|---|---|")
for case in dict.fromkeys(c for c, _ in order):
    hd = [best[k][0] for k in order if k[0] == case and "with ANALYZE" in k[1]]
    pg = [best[k][0] for k in order if k[0] == case and "pg_restore" in k[1] and "vacuumdb" not in k[1]]
    an = [best[k][0] for k in order if k[0] == case and "vacuumdb" in k[1]]
    if hd and pg and an:
        print(f"| {case} | {hd[0]:.2f} s | {pg[0] + an[0]:.2f} s | {(pg[0] + an[0]) / hd[0]:.2f}x |")
' "$size" "$timescaledb"
