#!/usr/bin/env python3
"""Projects dump and restore times to N slots from measured per-job costs (issue 13 part 6).

Reads what bench/scaling_bench.sh measured on this machine at -j 2: hyperdump's --cpu-log of a
dump and of a restore (each job's server and client CPU seconds), the peers' client CPU per byte
(pg_dump's gzip, pg_restore's gunzip) and which table each index is on. Then replays, in
simulated time, hyperdump's job graph and pg_dump/pg_restore's per-table parallelism on N slots,
with the client and the server on separate machines of N cores each (docs/scaling.md states the
model and its assumptions). Pure computation: no database, no clock.

Usage: scaling_projection.py DIR [--slots 2,8,16,64]
DIR holds dump.cpu, restore.cpu, indexes.tsv (schema, index, table) and peers.json
({"pg_dump_client_s_per_byte": x, "pg_restore_client_s_per_byte": y, "measured": {label: [wall,
server, client]}}). When "measured" has the staged procedure's steps ("staged data"...: a
TimescaleDB source), the peers are projected step by step instead (main_timescaledb).
"""
import heapq
import json
import math
import sys
from collections import defaultdict


def load(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def unquote(qualified):
    """'"demo"."orders"' -> 'demo.orders' (names without '"' inside)."""
    return qualified.replace('"', "")


class Job:
    def __init__(self, name, cost, priority, deps=()):
        self.name, self.cost, self.priority, self.deps = name, cost, priority, list(deps)


def simulate(jobs, slots):
    """List scheduling: whenever a slot is free, the ready job of highest priority starts.
    Returns the makespan and the slots' busy fraction."""
    children = defaultdict(list)
    waiting = {}
    for j in jobs:
        waiting[id(j)] = len(j.deps)
        for d in j.deps:
            children[id(d)].append(j)
    ready = [(-j.priority, i, j) for i, j in enumerate(jobs) if not j.deps]
    heapq.heapify(ready)
    running = []  # (end, seq, job)
    now, free, busy, seq = 0.0, slots, 0.0, len(jobs)
    done = 0
    while done < len(jobs):
        while free and ready:
            _, _, j = heapq.heappop(ready)
            heapq.heappush(running, (now + j.cost, seq, j))
            seq += 1
            free -= 1
            busy += j.cost
        end, _, j = heapq.heappop(running)
        now = end
        free += 1
        done += 1
        for c in children[id(j)]:
            waiting[id(c)] -= 1
            if waiting[id(c)] == 0:
                heapq.heappush(ready, (-c.priority, seq, c))
                seq += 1
    return now, busy / (now * slots) if now else 0.0


# How a job's server and client seconds become its duration: on separate machines, each side
# with a core of its own, the two overlap (max); on this machine's shared cores they add up.
SEPARATE = max


def SHARED(server, client):
    return server + client


def dump_tables(records):
    """Per table (or batch): server and client seconds and bytes, from the dump's --cpu-log."""
    tables = {}
    for r in records:
        if r["kind"] == "leader":
            continue
        t = tables.setdefault(unquote(r["job"]), {"server": 0.0, "client": 0.0, "bytes": 0,
                                                  "kind": r["kind"]})
        t["server"] += r.get("server_cpu_s") or 0.0
        t["client"] += r["client_cpu_s"]
        t["bytes"] += r["bytes"]
    return tables


def project_dump(tables, slots, pg_client_per_byte, combine=SEPARATE):
    total = sum(t["bytes"] for t in tables.values())
    share = total / slots
    hd, pg = [], []
    for name, t in tables.items():
        # hyperdump splits an ordinary table into ctid ranges when balance needs it (about a
        # fair share each); chunks, partitions and batches are jobs as they are.
        parts = max(1, math.ceil(t["bytes"] / share)) if t["kind"] in ("table", "range") else 1
        for _ in range(parts):
            hd.append(Job(name, combine(t["server"], t["client"]) / parts, t["bytes"] / parts))
        # pg_dump: one job per table, its client doing gzip.
        pg.append(Job(name, combine(t["server"], pg_client_per_byte * t["bytes"]), t["bytes"]))
    return simulate(hd, slots), simulate(pg, slots)


def restore_model(records, index_table, slots, staged, pg_client_per_byte=None,
                  combine=SEPARATE, with_analyze=True):
    """hyperdump's restore graph (staged=False, pg_client_per_byte=None), or pg_restore -j with
    vacuumdb after it (staged=True: every index after all data, as TimescaleDB's documented
    procedure; pg_client_per_byte: gunzip on the client)."""
    data, items, analyze, serial = defaultdict(list), defaultdict(list), {}, []
    fks = []
    total = sum(r.get("bytes") or 0 for r in records if r["kind"] == "data")
    for r in records:
        kind, name = r["kind"], r["job"]
        cost = combine(r.get("server_cpu_s") or 0.0, r["client_cpu_s"])
        if kind == "data":
            table = unquote(name.split(" from ")[0].split(" and ")[0].replace("table ", "", 1))
            client = r["client_cpu_s"] if pg_client_per_byte is None else \
                pg_client_per_byte * r["bytes"]
            data[table].append((combine(r.get("server_cpu_s") or 0.0, client), r["bytes"]))
        elif kind == "analyze":
            analyze[unquote(name.replace("ANALYZE ", "", 1))] = cost
        elif kind == "item":
            words = name.split(" ")
            if words[0] == "INDEX":
                table = index_table.get((words[1], words[2]))
                items[table].append(cost)
            elif name.startswith("FK CONSTRAINT "):
                fks.append((words[2] + "." + words[3], cost))
            elif words[0] in ("CONSTRAINT", "CHECK"):
                w = words[1:] if words[0] == "CONSTRAINT" else words[2:]
                items[w[0] + "." + w[1]].append(cost)
            else:
                serial.append(cost)
        else:  # pre-data, catalog, sequences, post-data, acl...: one session each
            serial.append(cost)
    jobs = []
    head = Job("schema and catalog", sum(serial), 1e18)
    jobs.append(head)
    data_jobs, item_jobs = defaultdict(list), defaultdict(list)
    for table, parts in data.items():
        bytes_ = sum(b for _, b in parts)
        if pg_client_per_byte is not None:  # pg_restore: a table's data is one job
            parts = [(sum(c for c, _ in parts), bytes_)]
        elif total and bytes_ > total / slots:
            # hyperdump: a table dumped at N slots comes as about N-th shares (ctid ranges),
            # which load in parallel; the measured cost is shared out evenly.
            k = max(len(parts), math.ceil(bytes_ / (total / slots)))
            cost = sum(c for c, _ in parts)
            parts = [(cost / k, bytes_ / k)] * k
        for cost, b in parts:
            j = Job("copy " + table, cost, b, [head])
            data_jobs[table].append(j)
            jobs.append(j)
    all_data = [j for js in data_jobs.values() for j in js]
    for table, costs in items.items():
        for c in costs:
            deps = all_data if staged else data_jobs.get(table, [head])
            j = Job("index " + str(table), c, c, deps or [head])
            item_jobs[table].append(j)
            jobs.append(j)
    all_items = [j for js in item_jobs.values() for j in js]
    for table, c in fks:
        deps = all_items if staged else item_jobs.get(table, []) + data_jobs.get(table, [])
        jobs.append(Job("fk " + table, c, c, deps or [head]))
    everything = list(jobs)
    for table, c in (analyze.items() if with_analyze else []):
        if pg_client_per_byte is not None:  # vacuumdb --analyze-only -j N after the restore
            deps = everything
        else:
            deps = item_jobs.get(table, []) + data_jobs.get(table, []) or [head]
        jobs.append(Job("analyze " + table, c, c, deps))
    return simulate(jobs, slots)


STAGED_SERIAL = ("staged start", "staged catalog", "staged end")
STAGED_PARALLEL = ("staged data", "staged post-data", "staged vacuumdb")


def project_phases(measured, serial, parallel, slots):
    """A peer run as steps, each measured on its own at -j 2 (wall, server, client): a serial
    step keeps its wall; a parallel one (many small jobs: pg_dump's or pg_restore's per-table
    workers, vacuumdb -j) takes the larger of its server and client CPU over the slots."""
    return sum(measured[k][0] for k in serial) + \
        sum(max(measured[k][1], measured[k][2]) for k in parallel) / slots


def main():
    work = sys.argv[1]
    slots = [2, 8, 16, 64]
    if "--slots" in sys.argv:
        slots = [int(s) for s in sys.argv[sys.argv.index("--slots") + 1].split(",")]
    peers = json.load(open(f"{work}/peers.json"))
    index_table = {}
    for line in open(f"{work}/indexes.tsv"):
        schema, index, table = line.rstrip("\n").split("\t")
        index_table[(schema, index)] = schema + "." + table
    tables = dump_tables(load(f"{work}/dump.cpu"))
    restore = load(f"{work}/restore.cpu")
    # What no job accounts for (connections, listing the schema, checks, the TimescaleDB window):
    # the measured wall at -j 2 less the same jobs replayed on 2 shared cores; taken as fixed.
    m = peers["measured"]
    pgc = peers["pg_dump_client_s_per_byte"]
    (hd2, _), (pg2, _) = project_dump(tables, 2, pgc, SHARED)
    fixed = {
        "hd dump": max(0.0, m["hyperdump dump"][0] - hd2),
        "hd restore": max(0.0, m["hyperdump restore"][0] -
                          restore_model(restore, index_table, 2, False, None, SHARED)[0]),
    }
    if "staged data" in m:
        main_timescaledb(m, tables, restore, index_table, fixed, slots)
        return
    prc = peers["pg_restore_client_s_per_byte"]
    fixed["pg dump"] = max(0.0, m["pg_dump"][0] - pg2)
    fixed["pg restore"] = max(0.0, m["pg_restore"][0] -
                              restore_model(restore, index_table, 2, False, prc, SHARED, False)[0])
    print("Fixed time outside jobs (s), from the -j 2 run: " +
          ", ".join(f"{k} {v:.2f}" for k, v in fixed.items()))
    print()
    print("| slots | hyperdump dump (s) | pg_dump -Fd (s) | dump ratio | "
          "hyperdump restore (s) | pg_restore -j + vacuumdb (s) | staged + vacuumdb (s) | "
          "restore ratio (against pg_restore -j + vacuumdb) |")
    print("|---|---|---|---|---|---|---|---|")
    for n in slots:
        (hd, hd_busy), (pg, _) = project_dump(tables, n, pgc)
        hr, hr_busy = restore_model(restore, index_table, n, staged=False)
        pr, _ = restore_model(restore, index_table, n, staged=False, pg_client_per_byte=prc)
        sr, _ = restore_model(restore, index_table, n, staged=True, pg_client_per_byte=prc)
        hd, pg = hd + fixed["hd dump"], pg + fixed["pg dump"]
        hr, pr, sr = hr + fixed["hd restore"], pr + fixed["pg restore"], sr + fixed["pg restore"]
        print(f"| {n} | {hd:.2f} (busy {hd_busy:.0%}) | {pg:.2f} | {pg / hd:.2f}x | "
              f"{hr:.2f} (busy {hr_busy:.0%}) | {pr:.2f} | {sr:.2f} | {pr / hr:.2f}x |")


def main_timescaledb(m, tables, restore, index_table, fixed, slots):
    """A TimescaleDB database: the peers are pg_dump -Fd -j (its schema pass serial, measured
    alone) and the staged pg_restore procedure plus vacuumdb, projected step by step."""
    pg_data = [m["pg_dump"][i] - m["pg_dump schema"][i] for i in range(3)]
    peer = dict(m, **{"pg_dump data": pg_data})
    print("Fixed time outside jobs (s), from the -j 2 run: " +
          ", ".join(f"{k} {v:.2f}" for k, v in fixed.items()))
    print("Peers' steps at -j 2 (wall, server CPU, client CPU in s): " +
          "; ".join(f"{k} {peer[k][0]:.2f}, {peer[k][1]:.2f}, {peer[k][2]:.2f}"
                    for k in ("pg_dump schema", "pg_dump data") + STAGED_SERIAL + STAGED_PARALLEL))
    print()
    print("| slots | hyperdump dump (s) | pg_dump -Fd (s) | dump ratio | "
          "hyperdump restore (s) | staged + vacuumdb (s) | restore ratio |")
    print("|---|---|---|---|---|---|---|")
    for n in slots:
        (hd, hd_busy), _ = project_dump(tables, n, 0.0)
        hr, hr_busy = restore_model(restore, index_table, n, staged=False)
        hd, hr = hd + fixed["hd dump"], hr + fixed["hd restore"]
        pg = project_phases(peer, ("pg_dump schema",), ("pg_dump data",), n)
        sr = project_phases(peer, STAGED_SERIAL, STAGED_PARALLEL, n)
        print(f"| {n} | {hd:.2f} (busy {hd_busy:.0%}) | {pg:.2f} | {pg / hd:.2f}x | "
              f"{hr:.2f} (busy {hr_busy:.0%}) | {sr:.2f} | {sr / hr:.2f}x |")


if __name__ == "__main__":
    main()
