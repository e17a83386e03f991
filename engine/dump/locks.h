// Table locks of a dump: capacity check, the leader's ACCESS SHARE locks,
// per-job locks, and the check that a table was not rewritten after the
// snapshot.
//
// Why: TRUNCATE, VACUUM FULL, CLUSTER and TimescaleDB's compress_chunk give a
// table a new relfilenode and are not MVCC-safe: a snapshot taken before them
// reads the table as empty. Locks taken right after the snapshot keep them
// out; whenever a table is locked later than the snapshot (the leader's short
// window, or every job with --lock-per-job), its current relfilenode is
// compared with the one the snapshot saw, so a rewritten table fails loudly
// instead of being dumped empty.
//
// Threads: plain functions on connections the caller owns exclusively.
#ifndef HYPERDUMP_ENGINE_DUMP_LOCKS_H_
#define HYPERDUMP_ENGINE_DUMP_LOCKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/pg/pg.h"
#include "engine/plan/dump_plan.h"

namespace hyperdump::engine {

// Fails (kInvalidArgument) when the server's shared lock table cannot hold
// `locks_needed` more locks: it holds about max_locks_per_transaction x
// max_connections, minus the locks held right now. The message says which
// setting to raise, to what, and mentions --lock-per-job when `per_job_hint`.
// `per_job_hint` is false with --lock-per-job: the message then says that
// pg_dump --schema-only still locks every table it dumps.
Status CheckLockCapacity(PgConnection& conn, int64_t locks_needed, bool per_job_hint);

// What CheckLockCapacity reads from the server, and its verdict on them
// (pure: tests give small capacities).
struct LockTableFacts {
  int64_t max_locks_per_transaction = 0;
  int64_t max_connections = 0;
  int64_t in_use = 0;  // locks held right now outside the fast path
};
Status LockCapacityVerdict(const LockTableFacts& facts, int64_t locks_needed, bool per_job_hint);

// In the leader's snapshot transaction: locks every table ACCESS SHARE
// (ONLY: children are listed themselves) with `lock_timeout_ms`, then checks
// that none was rewritten between the snapshot and its lock. A table that
// cannot be locked fails with its name and the blocking sessions (looked up
// through a separate connection to `conninfo`, since the failed transaction
// cannot query). The leader's transaction is aborted on failure.
Status LockTablesInSnapshot(PgConnection& leader, const std::string& conninfo,
                            const std::vector<TableInfo>& tables, int lock_timeout_ms);

// In a job's transaction: LOCK TABLE ONLY ... IN ACCESS SHARE MODE NOWAIT,
// so a job never queues an application's lock request behind the dump (and
// never waits on a queue the leader blocks). Busy: IsLockBusy(status).
Status LockTableNowait(PgConnection& conn, const TableInfo& table);

// The same for several tables in one statement (a batch of small tables).
Status LockTablesNowait(PgConnection& conn, const std::vector<const TableInfo*>& tables);

// Fails when `table`'s current relfilenode differs from the one discovery saw
// in the snapshot (or the table is gone). Call with the table locked.
Status CheckNotRewritten(PgConnection& conn, const TableInfo& table);
// The same for several tables in one query; the error names the first.
Status CheckNotRewritten(PgConnection& conn, const std::vector<const TableInfo*>& tables);

// "pid 123 holds ACCESS EXCLUSIVE (idle in transaction: LOCK TABLE ...)",
// for every session holding or awaiting a lock on `oid` that conflicts with
// ACCESS SHARE, other than `self_pid`; "no session" when none is found.
std::string DescribeLockBlockers(PgConnection& conn, uint32_t oid, int self_pid);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_DUMP_LOCKS_H_
