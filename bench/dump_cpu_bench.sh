#!/usr/bin/env bash
# Where the dump's server CPU goes (issue 13 part 1): in one run on one demo
# database, alternating, each step after CHECKPOINT on a quiet server:
#   hyperdump dump -j N --cpu-log          (ranges split as balance needs)
#   hyperdump dump -j N --split-larger-than 1TB --cpu-log   (never split: COPY table TO only)
#   pg_dump -Fd -j N
#   pg_dump --schema-only                  (the schema part both tools run)
# then, from each hyperdump run's --cpu-log (engine/cpu_log.h), the server
# CPU of its data jobs by kind, their set-up (snapshot import, lock, catalog
# checks), the leader's session, and the rest (pg_dump's schema run,
# connections), against pg_dump's.
#
# Usage: bench/dump_cpu_bench.sh [--size 1GB] [-j 2] [--rounds 2] [--shape demo|skewed]
# Starts its own throwaway server set up like a user's unless run inside one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=1GB
jobs=2
rounds=2
shape=demo
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --shape) shape=$2; shift 2 ;;
    *) echo "usage: bench/dump_cpu_bench.sh [--size SIZE] [-j N] [--rounds N] [--shape demo|skewed]" >&2
       exit 2 ;;
  esac
done
if [ -z "${HYPERDUMP_TEST_URI:-}" ]; then
  HYPERDUMP_PG_DURABLE=1 exec "$root/scripts/with-pg" "$0" --size "$size" -j "$jobs" \
    --rounds "$rounds" --shape "$shape"
fi
. "$root/bench/bench_lib.sh"
hd=${HYPERDUMP_BIN:-$root/build/cli/hyperdump}
bin=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
base=${HYPERDUMP_TEST_URI%/*}
work=$(mktemp -d "${TMPDIR:-/tmp}/hd-dump-cpu-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

mb=$(demo_source d --shape "$shape")
echo "dump_cpu_bench: source $mb MB ($shape)" >&2
src="$base/d_src"
for round in $(seq "$rounds"); do
  quiesce "$HYPERDUMP_TEST_URI"
  timed "hyperdump dump -j $jobs" \
    "$hd" dump -d "$src" -f "$work/hd$round" -j "$jobs" --quiet --cpu-log "$work/hd$round.cpu"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "hyperdump dump -j $jobs, never split" \
    "$hd" dump -d "$src" -f "$work/hdns$round" -j "$jobs" --quiet --split-larger-than 1TB \
    --cpu-log "$work/hdns$round.cpu"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "pg_dump -Fd -j $jobs" "$bin/pg_dump" -Fd -j "$jobs" -d "$src" -f "$work/pg$round"
  quiesce "$HYPERDUMP_TEST_URI"
  timed "pg_dump --schema-only" "$bin/pg_dump" -Fc --schema-only -d "$src" -f "$work/schema$round"
  rm -rf "$work/hd$round" "$work/hdns$round" "$work/pg$round"
done

echo
printf '%s\n' "${timings[@]}" >"$work/timings"
python3 - "$work" "$rounds" "$jobs" <<'PY'
import json, sys, collections
work, rounds, jobs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = collections.defaultdict(list)
for i, line in enumerate(open(f"{work}/timings")):
    what, wall, server, client = line.rstrip("\n").split("|")
    runs[what].append((float(wall), float(server), float(client), i // 4 + 1))
print("| step | runs: wall (s) | runs: server CPU (s) | runs: client CPU (s) |")
print("|---|---|---|---|")
for what, r in runs.items():
    print(f"| {what} | " + " / ".join(f"{x[0]:.2f}" for x in r) + " | " +
          " / ".join(f"{x[1]:.2f}" for x in r) + " | " + " / ".join(f"{x[2]:.2f}" for x in r) + " |")
schema = min(x[1] for x in runs["pg_dump --schema-only"])
pg = min(x[1] for x in runs[f"pg_dump -Fd -j {jobs}"])
print()
print(f"pg_dump -Fd -j {jobs}: best server CPU {pg:.2f} s, of which its schema part about "
      f"{schema:.2f} s (pg_dump --schema-only alone), so its data about {pg - schema:.2f} s")
print()
print("| hyperdump run | server CPU (s) | data jobs | by kind: jobs, MB, server s (s per GB) | "
      "job set-up server s | leader server s | rest (schema pg_dump, connections) |")
print("|---|---|---|---|---|---|---|")
for label, prefix in ((f"hyperdump dump -j {jobs}", "hd"),
                      (f"hyperdump dump -j {jobs}, never split", "hdns")):
    for wall, server, client, rnd in runs[label]:
        kinds = collections.defaultdict(lambda: [0, 0, 0.0])
        setup = leader = jobs_server = 0.0
        for line in open(f"{work}/{prefix}{rnd}.cpu"):
            j = json.loads(line)
            s = j["server_cpu_s"] or 0.0
            if j["kind"] == "leader":
                leader += s
                continue
            k = kinds[j["kind"]]
            k[0] += 1; k[1] += j["bytes"]; k[2] += s
            jobs_server += s
            setup += j.get("setup_server_cpu_s") or 0.0
        by = "; ".join(f"{name}: {k[0]}, {k[1] / 1e6:.0f}, {k[2]:.2f} ({k[2] / max(k[1], 1) * 1e9:.2f})"
                       for name, k in sorted(kinds.items()))
        print(f"| {label} (round {rnd}) | {server:.2f} | {jobs_server:.2f} | {by} | {setup:.2f} | "
              f"{leader:.2f} | {server - jobs_server - leader:.2f} |")
PY
