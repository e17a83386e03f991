// How every restore job runs: in one transaction on its slot's connection,
// together with its ledger row(s) (engine/restore/ledger.h), so that a job's work
// and its record commit or vanish together; a job whose key the ledger held
// before this run is Done at once, so --resume redoes nothing.
#ifndef HYPERDUMP_ENGINE_RESTORE_RESTORE_RUNNER_H_
#define HYPERDUMP_ENGINE_RESTORE_RESTORE_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "engine/pg/pg.h"
#include "engine/pg/session_pool.h"
#include "engine/restore/schema_restore.h"
#include "scheduler/graph.h"

namespace hyperdump::engine {

class CpuLog;

// What the restore's jobs did, counted as the scheduler counts (so that the
// summary and the progress display agree): one per finished job,
// `committed` when this run did its work, `skipped` when a previous run had
// done all of it (--resume). Rows, bytes and schema items are those of
// transactions this run committed. Written by worker threads.
struct RestoreCounters {
  std::atomic<int64_t> rows{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<int> committed{0};
  std::atomic<int> skipped{0};
  std::atomic<int> schema_items{0};  // schema statements this run committed
};

// What one job's transaction loaded.
struct Loaded {
  int64_t rows = 0;
  uint64_t bytes = 0;
  int schema_items = 0;  // schema statements it ran (a batch of small tables)
};

// The work of one transaction, on the slot's connection, inside BEGIN.
using TxWork = std::function<Result<Loaded>(PgConnection&, scheduler::JobContext&)>;

// The ledger key of a schema item's job ("item:<dump id>").
std::string ItemKey(const SchemaItem& item);

// Runs `items` in order on `conn`, inside the caller's transaction, sent as
// one query string: one round trip for them all (one each put 13,000 round
// trips on the restore's serial path at 10,000 chunks, and as many again on
// the small-table batches' index builds). The server runs the statements in
// order and stops at the first error, as the items one by one would; the
// string is then rolled back to a savepoint taken before it and the items
// run again one at a time, so that the error names its item (`what` then its
// listing line). pg_restore prints session settings (SET ...) only between
// items and never one that changes how later text is lexed
// (standard_conforming_strings is set once, before the first item), so the
// string means what the items mean.
Status RunSchemaItems(PgConnection& conn, const std::vector<const SchemaItem*>& items,
                      const std::string& what);

// Runs jobs' transactions with their ledger rows on the pool's sessions and
// counts them. Shared by every job of one run (thread-safe: each slot uses
// only its own session); it, the pool, `done` and `counters` must outlive
// the run.
class RestoreJobRunner {
 public:
  // `done`: the ledger keys committed before this run. `verbose`: one line
  // per committed job on stderr.
  RestoreJobRunner(SessionPool& sessions, const std::set<std::string>& done,
                   RestoreCounters& counters, bool verbose, CpuLog* cpu_log = nullptr);

  // Whether a previous run committed `key`.
  bool DoneBefore(const std::string& key) const { return done_.count(key) > 0; }

  // Runs `work` and the ledger rows for `keys` (one or more) in one
  // transaction: either all keys are in the ledger or none is. The first
  // key carries the rows; `what` names the job in messages.
  scheduler::JobOutcome Run(scheduler::JobContext& ctx, const std::vector<std::string>& keys,
                            const std::string& what, const TxWork& work);

  // Runs schema items in order, at most kItemsPerTransaction per
  // transaction, each batch with its ledger rows; `pass` names them.
  scheduler::JobOutcome RunItems(scheduler::JobContext& ctx,
                                 const std::vector<const SchemaItem*>& items, const char* pass);

  // Items of one pass run in transactions of at most this many items, so
  // that huge schemas never need more locks than one transaction can hold.
  static constexpr size_t kItemsPerTransaction = 100;

 private:
  scheduler::JobOutcome Failed(scheduler::JobContext& ctx, PgConnection* conn, Status s);

  SessionPool& sessions_;
  const std::set<std::string>& done_;
  RestoreCounters& counters_;
  const bool verbose_;
  CpuLog* const cpu_log_;  // each committed job's CPU (--cpu-log), when set
};

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_RESTORE_RUNNER_H_
