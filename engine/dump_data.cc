#include "engine/dump_data.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/archive_layout.h"
#include "engine/locks.h"
#include "engine/snapshot.h"
#include "scheduler/runner.h"

namespace hyperdump::engine {
namespace {

using scheduler::JobContext;
using scheduler::JobOutcome;
using Clock = std::chrono::steady_clock;

// One worker connection per scheduler slot. The mutex only guards replacing
// the connection against a concurrent Cancel() from the scheduler.
struct Slot {
  std::mutex mu;
  PgConnection conn;
};

class DataPhase {
 public:
  DataPhase(const DataPhaseOptions& options, const Plan& plan, format::ArchiveWriter& archive,
            DataPhaseTotals* totals)
      : o_(options),
        plan_(plan),
        archive_(archive),
        totals_(totals),
        slots_(static_cast<size_t>(options.slots)) {}

  Status OpenConnections() {
    HD_ASSIGN_OR_RETURN(std::vector<PgConnection> conns,
                        OpenWorkerConnections(o_.conninfo, o_.slots, o_.snapshot));
    for (size_t i = 0; i < conns.size(); ++i) slots_[i].conn = std::move(conns[i]);
    return Status::Ok();
  }

  void Cancel(int slot) {
    std::lock_guard lock(slots_[static_cast<size_t>(slot)].mu);
    slots_[static_cast<size_t>(slot)].conn.Cancel();
  }

  // One job; may run again after Retry/Requeue. `first_busy` is this job's.
  JobOutcome Run(JobContext& ctx, const DataJob& job,
                 std::optional<Clock::time_point>& first_busy) {
    Slot& slot = slots_[static_cast<size_t>(ctx.slot)];
    if (!slot.conn.ok()) {  // lost on an earlier attempt: reconnect
      auto c = PgConnection::Connect(o_.conninfo, "hyperdump dump worker");
      if (!c.ok()) return JobOutcome::Retry(c.status());
      std::lock_guard lock(slot.mu);
      slot.conn = std::move(c).value();
    }
    PgConnection& conn = slot.conn;
    const TableInfo& table = plan_.tables[job.table_index];
    const std::string name = QualifiedName(table.schema, table.name);

    Status s = BeginImportedSnapshot(conn, o_.snapshot);
    if (!s.ok()) return Classify(s, name);
    s = LockTableNowait(conn, table);
    if (IsLockBusy(s)) {
      conn.Run("ROLLBACK").IgnoreError();
      auto now = Clock::now();
      if (!first_busy) first_busy = now;
      if (now - *first_busy < std::chrono::milliseconds(o_.lock_timeout_ms)) {
        return JobOutcome::Requeue(std::chrono::milliseconds(200), "lock on " + name + " busy");
      }
      return JobOutcome::Fail(
          Status(StatusCode::kDatabase,
                 "cannot lock table " + name + " for copying within --lock-timeout (" +
                     std::to_string(o_.lock_timeout_ms) +
                     " ms): " + DescribeLockBlockers(conn, table.oid, o_.leader_pid),
                 s.sqlstate()));
    }
    if (s.ok()) s = CheckNotRewritten(conn, table);
    if (!s.ok()) return Abort(conn, s, name);

    auto sql = BuildCopySql(conn, table, job.range, o_.copy_format);
    if (!sql.ok()) return Abort(conn, sql.status(), name);
    auto columns = CopyColumns(conn, table.oid);
    if (!columns.ok()) return Abort(conn, columns.status(), name);
    format::FileOptions fo;
    fo.codec = o_.codec;
    fo.level = o_.codec == format::Codec::kZstd ? o_.level : 0;
    fo.job = job.id;
    fo.count_lines = o_.copy_format == CopyFormat::kText;
    nlohmann::json range = nullptr;
    if (job.range) range = nlohmann::json::array({job.range->start_block, job.range->end_block});
    fo.meta = {{"table", job.table_index}, {"schema", table.schema},
               {"name", table.name},       {"kind", TableKindName(table.kind)},
               {"range", range},           {"copy_format", CopyFormatName(o_.copy_format)},
               {"columns", *columns},      {"object", table.schema + "." + table.name}};
    auto file = archive_.BeginFile(DataFileName(job, o_.codec), std::move(fo));
    if (!file.ok()) return Abort(conn, file.status(), name);
    format::DataFileWriter* w = file->get();
    auto stats = CopyOut(
        conn, *sql, [w](std::string_view bytes) { return w->Write(bytes); },
        [&ctx](uint64_t bytes) { ctx.AddProgress(bytes, 0); }, [&ctx] { return ctx.cancelled(); });
    if (!stats.ok()) return Abort(conn, stats.status(), name);  // the file is discarded
    s = conn.Run("COMMIT");
    if (!s.ok()) return Abort(conn, s, name);
    auto entry = w->Finish(stats->rows);
    if (!entry.ok()) return JobOutcome::Fail(entry.status().WithContext("writing " + name));
    ctx.AddProgress(0, stats->rows);
    if (totals_) {
      totals_->rows += stats->rows;
      totals_->bytes += stats->bytes;
      totals_->stored_bytes += entry->compressed_bytes;
    }
    return JobOutcome::Done();
  }

 private:
  JobOutcome Abort(PgConnection& conn, const Status& s, const std::string& name) {
    if (conn.ok()) conn.Run("ROLLBACK").IgnoreError();
    return Classify(s, name);
  }
  JobOutcome Classify(const Status& s, const std::string& name) {
    Status with = s.WithContext("copying " + name);
    if (s.code() == StatusCode::kCancelled) return JobOutcome::Fail(with);
    return IsTransient(s) ? JobOutcome::Retry(with) : JobOutcome::Fail(with);
  }

  const DataPhaseOptions& o_;
  const Plan& plan_;
  format::ArchiveWriter& archive_;
  DataPhaseTotals* totals_;
  std::vector<Slot> slots_;
};

}  // namespace

std::string DataFileName(const DataJob& job, format::Codec codec) {
  return std::string(layout::kDataDir) + "/" + job.id + ".copy" +
         (codec == format::Codec::kZstd ? ".zst" : "");
}

Status RunDataPhase(const DataPhaseOptions& options, const Plan& plan,
                    format::ArchiveWriter& archive, const std::atomic<bool>& interrupt,
                    scheduler::EventSink* sink, DataPhaseTotals* totals) {
  if (plan.jobs.empty()) return Status::Ok();
  DataPhase phase(options, plan, archive, totals);
  HD_RETURN_IF_ERROR(phase.OpenConnections());

  scheduler::JobGraph graph;
  for (const DataJob& job : plan.jobs) {
    const TableInfo& t = plan.tables[job.table_index];
    auto first_busy = std::make_shared<std::optional<Clock::time_point>>();
    scheduler::JobSpec spec;
    spec.name = "copy " + QualifiedName(t.schema, t.name) +
                (job.range ? " blocks " + std::to_string(job.range->start_block) + ".." +
                                 (job.range->end_block ? std::to_string(job.range->end_block) : "")
                           : "");
    spec.kind = "copy";
    spec.weight = static_cast<uint64_t>(std::max<int64_t>(job.estimated_bytes, 1));
    // Extension configuration tables (the TimescaleDB catalog) first: they
    // are tiny, and a restore reading the archive as it grows (`hyperdump
    // migrate`) loads them before any chunk.
    if (!t.extension.empty()) spec.weight = uint64_t{1} << 50;
    spec.fn = [&phase, &job, first_busy](JobContext& ctx) {
      return phase.Run(ctx, job, *first_busy);
    };
    graph.Add(std::move(spec));
  }
  return RunDumpJobs(
      graph, options.slots, sink, interrupt, [&phase](int slot) { phase.Cancel(slot); },
      "data phase");
}

Status RunDumpJobs(scheduler::JobGraph& graph, int slots, scheduler::EventSink* sink,
                   const std::atomic<bool>& interrupt, std::function<void(int)> cancel_slot,
                   const std::string& what) {
  scheduler::RunOptions ro;
  ro.slots = slots;
  ro.max_attempts = 3;
  ro.on_failure = scheduler::FailurePolicy::kCancelRunning;
  ro.sink = sink;
  ro.interrupt = &interrupt;
  ro.on_cancel_slot = std::move(cancel_slot);
  scheduler::RunReport report = scheduler::Run(graph, ro);
  if (report.ok()) return Status::Ok();
  if (!report.first_error.ok()) return report.first_error;
  return Internal("the " + what + " stopped with " + std::to_string(report.failed.size()) +
                  " failed and " + std::to_string(report.not_started.size()) +
                  " unstarted jobs but no error");
}

}  // namespace hyperdump::engine
