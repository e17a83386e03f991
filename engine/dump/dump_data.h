// The data phase of a dump: one scheduler job per DataJob of the plan, run
// on N worker connections that each import the dump's snapshot.
//
// Each job (one table, or a batch of small ones: BatchJobs) runs in its own
// short transaction (import snapshot, LOCK ... NOWAIT, relfilenode check,
// COPY TO STDOUT into one archive file per table, COMMIT), so a worker never
// accumulates locks and, with --lock-per-job, holds only the locks of the
// tables it is copying. A busy lock is requeued until
// `lock_timeout_ms` has passed, then fails naming the blocking session.
#ifndef HYPERDUMP_ENGINE_DUMP_DUMP_DATA_H_
#define HYPERDUMP_ENGINE_DUMP_DUMP_DATA_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/dump/copy_out.h"
#include "engine/plan/dump_plan.h"
#include "format/codec.h"
#include "format/writer.h"
#include "scheduler/events.h"
#include "scheduler/graph.h"

namespace hyperdump::engine {

class CpuLog;

struct DataPhaseOptions {
  std::string conninfo;  // for the worker connections
  std::string snapshot;  // exported by the leader, open until this returns
  int leader_pid = 0;    // left out when naming blocking sessions
  int slots = 2;         // worker connections
  CopyFormat copy_format = CopyFormat::kText;
  format::Codec codec = format::Codec::kZstd;
  int level = format::kDefaultZstdLevel;
  int lock_timeout_ms = 10000;
  CpuLog* cpu_log = nullptr;  // each job's CPU, when set (--cpu-log)
};

// Small tables are copied in batches, many in one transaction (one snapshot
// import, one LOCK, one relfilenode and one column query for all of them, then
// a COPY into its own file each): a job's fixed cost (round trips, a
// transaction) is what a dump of many small chunks spends its time on (issue
// 18). A batch holds at most this many tables...
inline constexpr size_t kMaxTablesPerBatch = 128;
// ...and jobs below a quarter of the byte budget (total / (16 x slots),
// clamped to 1..64 MiB) are batched, up to that budget per batch, largest
// first; the TimescaleDB catalog's small tables in batches of their own. A
// ctid range is never batched. Every job keeps its own file.
std::vector<std::vector<const DataJob*>> BatchJobs(const DumpPlan& plan, int slots);

// "data/<job id>.copy[.zst]" (engine/archive_layout.h).
std::string DataFileName(const DataJob& job, format::Codec codec);

struct DataPhaseTotals {
  std::atomic<uint64_t> rows{0}, bytes{0}, stored_bytes{0};
};

// Copies every job of `plan` into `archive`. Returns the first failure (the
// run then cancels running jobs and starts no more), kCancelled on interrupt.
Status RunDataPhase(const DataPhaseOptions& options, const DumpPlan& plan,
                    format::ArchiveWriter& archive, const std::atomic<bool>& interrupt,
                    scheduler::EventSink* sink, DataPhaseTotals* totals);

// Runs one phase of the dump's jobs (table data, large objects) on `slots`
// worker connections with the dump's policy: up to 3 attempts per job, and a
// hard failure cancels the running jobs (`cancel_slot` cancels what a slot's
// connection runs). Returns the first error; `what` names the phase if the
// run failed without one (a bug).
Status RunDumpJobs(scheduler::JobGraph& graph, int slots, scheduler::EventSink* sink,
                   const std::atomic<bool>& interrupt, std::function<void(int)> cancel_slot,
                   const std::string& what);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_DUMP_DUMP_DATA_H_
