// The restore as a job graph for the scheduler (phases 2-7 of issue 7):
//
//   pre-data ─┬> large objects (one job per archived batch)
//             └> catalog ─> data jobs (largest first) ─┬─> table items (indexes, keys) ─> ANALYZE
//                  └─> sequences                      └─> foreign keys (both tables ready)
//   all of the above ─> rest (triggers, rules, comments...) ─> ACLs ─> post-ACL items
//
// Every job runs in one transaction on its slot's connection, together with
// its ledger row (engine/ledger.h); a job whose key the ledger already holds
// is Done at once, so --resume redoes nothing. Phases take only what they use.
#ifndef HYPERDUMP_ENGINE_RESTORE_JOBS_H_
#define HYPERDUMP_ENGINE_RESTORE_JOBS_H_

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "engine/large_objects.h"
#include "engine/restore_checks.h"
#include "engine/schema_restore.h"
#include "engine/session_pool.h"
#include "format/reader.h"
#include "scheduler/graph.h"

namespace hyperdump::engine {

// What the jobs read (shared, read-only, outliving the run) and count.
struct RestoreWork {
  const format::ArchiveSource* archive = nullptr;  // complete, or growing (migrate)
  const RestoreInput* input = nullptr;
  const SchemaScript* schema = nullptr;
  const std::set<std::string>* done = nullptr;  // ledger keys committed before this run
  SessionPool* sessions = nullptr;
  int slots = 1;  // connections the run uses (decides which split tables load as one job)
  bool analyze = true;
  bool verbose = false;
  LargeObjectRestoreOptions large_objects;  // --no-owner, --no-privileges, --clean
  // Selective restore into tables that exist before the run (--data-only,
  // engine/restore_selection.h): every data job appends with a plain COPY
  // (no TRUNCATE, which would empty the user's table and is refused on a
  // table that a foreign key references; so no FREEZE either), and the data
  // of `then` loads after that of `first` for each (first, then) table key
  // pair, so that foreign keys already on the target hold at every commit.
  bool append_only = false;
  std::vector<std::pair<std::string, std::string>> load_order;

  // Counted as the scheduler counts (so that the summary and the progress
  // display agree): one per job that finished, `committed` when this run did
  // its work, `skipped` when a previous run had done all of it (--resume).
  // Rows and bytes are those progress events reported for committed jobs.
  std::atomic<int64_t> rows{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<int> committed{0};
  std::atomic<int> skipped{0};
  std::atomic<int> schema_items{0};  // schema statements this run committed
};

// The ledger key of a schema item's job ("item:<dump id>").
std::string ItemKey(const SchemaItem& item);

// Adds every job of the restore to `graph` (empty on entry). Items of pass
// kRefresh are not in the graph: RefreshMaterializedViews runs them later.
Status BuildRestoreGraph(RestoreWork& work, scheduler::JobGraph& graph);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_JOBS_H_
