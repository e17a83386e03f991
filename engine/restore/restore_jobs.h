// The restore's phases 2-7 (issue 7) as a job graph for the scheduler:
//
//   pre-data ─┬> large objects (one job per archived batch)
//             └> catalog ─> data jobs (largest first) ─┬─> table items (indexes, keys) ─> ANALYZE
//                  └─> sequences                      └─> foreign keys (both tables ready)
//   all of the above ─> rest (triggers, rules, comments...) ─> ACLs ─> post-ACL items
//
// Every job runs through a RestoreJobRunner (engine/restore/restore_runner.h): one
// transaction with its ledger row, nothing redone on --resume. Each phase
// adds its jobs in a function of its own, which takes only what it uses.
#ifndef HYPERDUMP_ENGINE_RESTORE_RESTORE_JOBS_H_
#define HYPERDUMP_ENGINE_RESTORE_RESTORE_JOBS_H_

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "engine/large_objects.h"
#include "engine/restore/restore_checks.h"
#include "engine/restore/restore_runner.h"
#include "engine/restore/schema_restore.h"
#include "format/reader.h"
#include "scheduler/graph.h"

namespace hyperdump::engine {

// What shapes the graph beyond the archive: the run's flags and selection.
struct RestoreGraphOptions {
  int slots = 1;        // connections the run uses (decides which split tables load as one job)
  bool analyze = true;  // ANALYZE each table once its data and indexes are in
  LargeObjectRestoreOptions large_objects;  // --no-owner, --no-privileges, --clean
  // Selective restore into tables that exist before the run (--data-only,
  // engine/restore/restore_selection.h): every data job appends with a plain COPY
  // (no TRUNCATE, which would empty the user's table and is refused on a
  // table that a foreign key references; so no FREEZE either), and the data
  // of `then` loads after that of `first` for each (first, then) table key
  // pair, so that foreign keys already on the target hold at every commit.
  bool append_only = false;
  std::vector<std::pair<std::string, std::string>> load_order;
  // The target's maintenance_work_mem (0: unknown). Each job that builds a
  // table's key or index takes the slots idle when it starts as parallel
  // workers, and their share of this memory (ParallelIndexBuild), so that
  // the restore's tail, the last big table's index builds, uses every slot.
  int64_t maintenance_work_mem_bytes = 0;
  // A fixed number of workers for every build instead (--index-workers N);
  // -1: from the spare slots as above.
  int index_workers = -1;
};

// Adds every job of the restore to `graph` (empty on entry). Items of pass
// kRefresh are not in the graph: RefreshMaterializedViews runs them later.
// The jobs keep references to `runner`, `archive`, `input` and `schema`,
// which must outlive the run.
Status BuildRestoreGraph(RestoreJobRunner& runner, const format::ArchiveSource& archive,
                         const RestoreInput& input, const SchemaScript& schema,
                         const RestoreGraphOptions& options, scheduler::JobGraph& graph);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_RESTORE_JOBS_H_
