// The phases and estimates that RunDump and RunRestore report to their
// RunObserver (engine/run_observer.h), kept here so that dump.cc and
// restore.cc stay short lists of phases with one call each.
//
// Dump phases:    snapshot, locks, schema, data, finish.
// Restore phases: checks, pre_restore (TimescaleDB only), then the job graph
//                 as pre-data, catalog, data, post-data, analyze, then
//                 post_restore (TimescaleDB) or finish.
#ifndef HYPERDUMP_ENGINE_RUN_PHASES_H_
#define HYPERDUMP_ENGINE_RUN_PHASES_H_

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/plan/dump_plan.h"
#include "engine/restore/restore_checks.h"
#include "engine/run_observer.h"
#include "scheduler/events.h"
#include "scheduler/graph.h"

namespace hyperdump::engine {

struct RunEstimate {
  uint64_t bytes = 0, rows = 0;
};

inline void ReportEstimate(RunObserver& observer, const RunEstimate& e) {
  observer.OnEstimate(e.bytes, e.rows);
}

// The dump's data phase from discovery: every table's reltuples and, only
// when some table with pages has no row estimate (never analyzed), the
// catalog's size of every table (what --split-larger-than plans with). Rows
// come first because bytes on disk are not COPY bytes (text is often much
// smaller): a byte estimate would leave a finished dump at 70%.
RunEstimate DumpEstimate(const DumpPlan& plan);

// The restore's data from the manifest: decoded bytes and rows of every data
// file, less those a previous run committed (`done`: ledger keys), which this
// run will not load again. Exact: restore's progress counts the same bytes.
RunEstimate RestoreEstimate(const RestoreInput& input, const std::set<std::string>& done);

// Names the restore's phases inside its job graph from the scheduler's
// events (their JobKind, base/job_kind.h), then forwards every event to
// `next` (may be null). A phase is the earliest stage that still has
// unfinished jobs:
//   pre-data (the graph's root schema job), catalog, data (copy),
//   post-data (keys, indexes, foreign keys, sequences, the rest of the
//   schema), analyze.
// Jobs overlap across stages (a table's indexes start while other tables
// load), so a phase's time is "until the last job of that stage finished".
// Construction announces the first phase. `graph` must be complete; the sink
// must outlive the run. Thread-safe.
class RestorePhaseSink : public scheduler::EventSink {
 public:
  RestorePhaseSink(scheduler::EventSink* next, RunObserver& observer,
                   const scheduler::JobGraph& graph);
  void OnEvent(const scheduler::Event& event) override;

 private:
  void AdvanceLocked();

  scheduler::EventSink* next_;
  RunObserver& observer_;
  std::vector<int> stage_of_;  // by job id
  std::mutex mu_;
  std::vector<size_t> remaining_;  // unfinished jobs by stage
  size_t current_ = 0;
  bool announced_ = false;
};

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RUN_PHASES_H_
