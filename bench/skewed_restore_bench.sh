#!/usr/bin/env bash
# The restore of a skewed database (issue 13 parts 4 and 5): one table,
# demo.orders with its key, two indexes and a foreign key, holds about 90%
# of the data. In one run, alternating, each step after CHECKPOINT on a quiet
# server, into a fresh database each time:
#   hyperdump restore -j N                       (--index-workers auto, the default)
#   hyperdump restore -j N --index-workers 2     (every build at the server's own
#                                                 default of 2 workers: before auto)
#   pg_restore -j N, then vacuumdb --analyze-only -j N
# Each restore is compared row for row with the source. Prints wall, server
# and client CPU seconds, the cores used ((server + client) / wall / cores),
# and for hyperdump its slots' busy share and phase times (--log-format json).
#
# Usage: bench/skewed_restore_bench.sh [--size 1GB] [-j 2] [--rounds 2]
# Starts its own throwaway server set up like a user's unless run inside one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=1GB
jobs=2
rounds=2
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: bench/skewed_restore_bench.sh [--size SIZE] [-j N] [--rounds N]" >&2; exit 2 ;;
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
work=$(mktemp -d "${TMPDIR:-/tmp}/hd-skewed-restore.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

mb=$(demo_source k --shape skewed --no-timescaledb)
src=k_src
echo "skewed_restore_bench: source $mb MB" >&2
"$hd" dump -d "$base/$src" -f "$work/hd" -j "$jobs" --quiet
"$bin/pg_dump" -Fd -j "$jobs" -d "$base/$src" -f "$work/pg"

same() {  # same DB LABEL: row-for-row equality or the bench fails
  "$hd" compare "$base/$src" "$base/$1" >"$work/compare.$1" 2>&1 ||
    { echo "skewed_restore_bench: $2 did not restore every row:" >&2; tail -20 "$work/compare.$1" >&2; exit 1; }
}

hd_restore() {  # hd_restore DB LOG [FLAGS...]
  local db=$1 log=$2; shift 2
  "$hd" restore -d "$base/$db" -j "$jobs" --log-format json "$@" "$work/hd" 2>"$log" >/dev/null
}
pg_way() {  # pg_way DB: pg_restore -j N, then ANALYZE as the documentation advises
  "$bin/pg_restore" -j "$jobs" -d "$base/$1" "$work/pg"
  "$bin/vacuumdb" -q --analyze-only -j "$jobs" -d "$base/$1"
}

for round in $(seq "$rounds"); do
  createdb "k_auto$round"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "hyperdump restore -j $jobs" hd_restore "k_auto$round" "$work/auto$round.json"
  same "k_auto$round" "hyperdump restore"
  createdb "k_two$round"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "hyperdump restore -j $jobs --index-workers 2" \
    hd_restore "k_two$round" "$work/two$round.json" --index-workers 2
  same "k_two$round" "hyperdump restore --index-workers 2"
  createdb "k_pg$round"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "pg_restore -j $jobs + vacuumdb --analyze-only -j $jobs" pg_way "k_pg$round"
  same "k_pg$round" "pg_restore"
  for d in "k_auto$round" "k_two$round" "k_pg$round"; do
    sql "$HYPERDUMP_TEST_URI" -c "DROP DATABASE \"$d\""
  done
done

echo
printf '%s\n' "${timings[@]}" >"$work/timings"
python3 - "$work" "$jobs" <<'PY'
import collections, json, os, sys
work, jobs = sys.argv[1], int(sys.argv[2])
runs = collections.defaultdict(list)
logs = {"hyperdump restore -j %d" % jobs: "auto", "hyperdump restore -j %d --index-workers 2" % jobs: "two"}
seen = collections.Counter()
for line in open(f"{work}/timings"):
    what, wall, server, client = line.rstrip("\n").split("|")
    seen[what] += 1
    extra = ""
    if what in logs:
        path = f"{work}/{logs[what]}{seen[what]}.json"
        for l in open(path):
            j = json.loads(l)
            if j.get("event") == "summary":
                phases = ", ".join(f"{p['phase']} {p['duration_ms'] / 1000:.1f}"
                                   for p in j["phases"])
                extra = f"slots busy {j['busy_fraction'] * 100:.0f}%; {phases}"
    runs[what].append((float(wall), float(server), float(client), extra))
print(f"| step | runs: wall (s) | runs: server CPU (s) | runs: client CPU (s) | cores used (of {os.cpu_count()}) | hyperdump: slots busy; phases (s) |")
print("|---|---|---|---|---|---|")
for what, r in runs.items():
    cores = " / ".join(f"{(x[1] + x[2]) / x[0]:.2f}" for x in r)
    print(f"| {what} | " + " / ".join(f"{x[0]:.2f}" for x in r) + " | " +
          " / ".join(f"{x[1]:.2f}" for x in r) + " | " + " / ".join(f"{x[2]:.2f}" for x in r) +
          f" | {cores} | " + " / ".join(x[3] for x in r if x[3]) + " |")
best = {w: min(x[0] for x in r) for w, r in runs.items()}
pg = [w for w in best if w.startswith("pg_restore")][0]
print()
for w, b in best.items():
    print(f"- {w}: best {b:.2f} s, {best[pg] / b:.2f}x pg_restore's best")
PY
