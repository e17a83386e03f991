#include "engine/dump/dump_data.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "base/job_kind.h"
#include "engine/archive_layout.h"
#include "engine/cpu_log.h"
#include "engine/dump/locks.h"
#include "engine/dump/snapshot.h"
#include "scheduler/runner.h"

namespace hyperdump::engine {
namespace {

using scheduler::JobContext;
using scheduler::JobOutcome;
using Clock = std::chrono::steady_clock;

class DataPhase {
 public:
  DataPhase(const DataPhaseOptions& options, const DumpPlan& plan, format::ArchiveWriter& archive,
            DataPhaseTotals* totals)
      : o_(options),
        plan_(plan),
        archive_(archive),
        totals_(totals),
        workers_(options.conninfo, options.snapshot, options.slots) {}

  Status OpenConnections() { return workers_.Open(); }
  void Cancel(int slot) { workers_.Cancel(slot); }

  // One batch of jobs (one, or many small tables) in one transaction; may
  // run again after Retry/Requeue, and then skips the files an earlier
  // attempt sealed. `first_busy` is this batch's.
  JobOutcome Run(JobContext& ctx, const std::vector<const DataJob*>& jobs,
                 std::optional<Clock::time_point>& first_busy) {
    Result<PgConnection*> worker = workers_.Connection(ctx.slot);
    if (!worker.ok()) return JobOutcome::Retry(worker.status());
    PgConnection& conn = **worker;
    const CpuMark before = o_.cpu_log ? MarkCpu(conn.backend_pid()) : CpuMark{};
    std::vector<const TableInfo*> tables;
    tables.reserve(jobs.size());
    for (const DataJob* job : jobs) tables.push_back(&plan_.tables[job->table_index]);
    const std::string name =
        QualifiedName(tables[0]->schema, tables[0]->name) +
        (jobs.size() > 1 ? " and " + std::to_string(jobs.size() - 1) + " other small tables" : "");

    Status s = BeginImportedSnapshot(conn, o_.snapshot);
    if (!s.ok()) return Classify(s, name);
    s = LockTablesNowait(conn, tables);
    if (IsLockBusy(s)) {
      conn.Run("ROLLBACK").IgnoreError();
      auto now = Clock::now();
      if (!first_busy) first_busy = now;
      if (now - *first_busy < std::chrono::milliseconds(o_.lock_timeout_ms)) {
        return JobOutcome::Requeue(std::chrono::milliseconds(200), "lock on " + name + " busy");
      }
      return JobOutcome::Fail(
          Status(StatusCode::kDatabase,
                 "cannot lock " + name + " for copying within --lock-timeout (" +
                     std::to_string(o_.lock_timeout_ms) + " ms): " + DescribeBlockers(conn, tables),
                 s.sqlstate()));
    }
    if (s.ok()) s = CheckNotRewritten(conn, tables);
    if (!s.ok()) return Abort(conn, s, name);
    std::vector<uint32_t> oids;
    oids.reserve(tables.size());
    for (const TableInfo* t : tables) oids.push_back(t->oid);
    auto columns = CopyColumns(conn, oids);
    if (!columns.ok()) return Abort(conn, columns.status(), name);
    // Where the job's set-up (snapshot import, lock, catalog checks) ends.
    const CpuMark set_up = o_.cpu_log ? MarkCpu(conn.backend_pid()) : CpuMark{};

    // Every COPY of the batch goes in one query string (StartCopies): the
    // server runs them back to back, and each file is written as its rows
    // arrive. The statements are built first: building one may query.
    struct Pending {
      size_t job;  // index in `jobs`
      CopyFormat format;
      std::string file;
    };
    std::vector<Pending> todo;
    std::vector<std::string> sqls;  // todo[k]'s COPY is sqls[k]
    for (size_t i = 0; i < jobs.size(); ++i) {
      std::string file = DataFileName(*jobs[i], o_.codec);
      if (archive_.IsSealed(file)) continue;  // sealed by an earlier attempt
      const CopyFormat f = ChooseCopyFormat(o_.copy_format, tables[i]->kind, (*columns)[i]);
      auto sql = BuildCopySql(conn, *tables[i], jobs[i]->range, f);
      if (!sql.ok()) return Abort(conn, sql.status(), name);
      todo.push_back({i, f, std::move(file)});
      sqls.push_back(std::move(*sql));
    }
    uint64_t bytes = 0;
    if (!todo.empty()) {
      s = StartCopies(conn, sqls);
      if (!s.ok()) return Abort(conn, s, name);
      for (const Pending& p : todo) {
        JobOutcome one = CopyOne(ctx, conn, *jobs[p.job], *tables[p.job], (*columns)[p.job],
                                 p.format, p.file, &bytes);
        if (one.kind() != JobOutcome::Kind::kDone) return one;
      }
      s = EndCopies(conn);
      if (!s.ok()) return Abort(conn, s, name);
    }
    // Read-only: the files are already sealed, this only ends the snapshot.
    s = conn.Run("COMMIT");
    if (!s.ok()) return Abort(conn, s, name);
    if (o_.cpu_log) {
      o_.cpu_log->Record(
          {{"job", name},
           {"kind", jobs.size() > 1  ? "batch"
                    : jobs[0]->range ? "range"
                                     : TableKindName(tables[0]->kind)},
           {"tables", jobs.size()},
           {"bytes", bytes},
           {"setup_server_cpu_s", set_up.server_s - before.server_s},
           {"setup_wall_s", std::chrono::duration<double>(set_up.at - before.at).count()}},
          before, MarkCpu(conn.backend_pid()));
    }
    return JobOutcome::Done();
  }

  // The next COPY of the batch's query string (StartCopies) into the job's
  // file, inside the batch's transaction. On failure, the rest of the string
  // is abandoned and the transaction rolled back.
  JobOutcome CopyOne(JobContext& ctx, PgConnection& conn, const DataJob& job,
                     const TableInfo& table, const CopyColumnSet& columns, CopyFormat copy_format,
                     const std::string& file_name, uint64_t* copied) {
    const std::string name = QualifiedName(table.schema, table.name);
    format::FileOptions fo;
    fo.codec = o_.codec;
    fo.level = o_.codec == format::Codec::kZstd ? o_.level : 0;
    fo.job = job.id;
    fo.count_lines = copy_format == CopyFormat::kText;
    nlohmann::json range = nullptr;
    if (job.range) range = nlohmann::json::array({job.range->start_block, job.range->end_block});
    fo.meta = {{"table", job.table_index}, {"schema", table.schema},
               {"name", table.name},       {"kind", TableKindName(table.kind)},
               {"range", range},           {"copy_format", CopyFormatName(copy_format)},
               {"columns", columns.names}, {"object", table.schema + "." + table.name}};
    auto file = archive_.BeginFile(file_name, std::move(fo));
    if (!file.ok()) {
      AbandonCopies(conn);
      return Abort(conn, file.status(), name);
    }
    format::DataFileWriter* w = file->get();
    auto stats = ReadNextCopy(
        conn, [w](std::string_view bytes) { return w->Write(bytes); },
        [&ctx](uint64_t bytes) { ctx.AddProgress(bytes, 0); }, [&ctx] { return ctx.cancelled(); });
    if (!stats.ok()) return Abort(conn, stats.status(), name);  // the file is discarded
    auto entry = w->Finish(stats->rows);
    if (!entry.ok()) {
      AbandonCopies(conn);
      conn.Run("ROLLBACK").IgnoreError();
      return JobOutcome::Fail(entry.status().WithContext("writing " + name));
    }
    ctx.AddProgress(0, stats->rows);
    *copied += stats->bytes;
    if (totals_) {
      totals_->rows += stats->rows;
      totals_->bytes += stats->bytes;
      totals_->stored_bytes += entry->compressed_bytes;
    }
    return JobOutcome::Done();
  }

  // Who holds the lock of the first of `tables` that someone blocks.
  std::string DescribeBlockers(PgConnection& conn, const std::vector<const TableInfo*>& tables) {
    for (const TableInfo* t : tables) {
      std::string who = DescribeLockBlockers(conn, t->oid, o_.leader_pid);
      if (who.rfind("no blocking session", 0) != 0 || tables.size() == 1) {
        return (tables.size() > 1 ? "table " + QualifiedName(t->schema, t->name) + ": " : "") + who;
      }
    }
    return "no blocking session found any more";
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
  const DumpPlan& plan_;
  format::ArchiveWriter& archive_;
  DataPhaseTotals* totals_;
  SnapshotWorkers workers_;  // one connection per slot
};

}  // namespace

std::vector<std::vector<const DataJob*>> BatchJobs(const DumpPlan& plan, int slots) {
  uint64_t total = 0;
  for (const DataJob& j : plan.jobs)
    total += static_cast<uint64_t>(std::max<int64_t>(j.estimated_bytes, 0));
  const uint64_t budget = SmallJobBudget(total, slots);
  // Small jobs in groups, largest first; the catalog's apart (it goes first).
  std::vector<const DataJob*> small_catalog, small_rest;
  std::vector<std::vector<const DataJob*>> out;
  for (const DataJob& j : plan.jobs) {
    const bool small =
        !j.range && static_cast<uint64_t>(std::max<int64_t>(j.estimated_bytes, 0)) < budget / 4;
    if (!small) {
      out.push_back({&j});
    } else {
      (plan.tables[j.table_index].extension.empty() ? small_rest : small_catalog).push_back(&j);
    }
  }
  for (std::vector<const DataJob*>* group : {&small_catalog, &small_rest}) {
    std::stable_sort(group->begin(), group->end(), [](const DataJob* a, const DataJob* b) {
      return a->estimated_bytes > b->estimated_bytes;
    });
    std::vector<const DataJob*> batch;
    uint64_t bytes = 0;
    for (const DataJob* j : *group) {
      const uint64_t b = static_cast<uint64_t>(std::max<int64_t>(j->estimated_bytes, 0));
      if (!batch.empty() && (batch.size() >= kMaxTablesPerBatch || bytes + b > budget)) {
        out.push_back(std::move(batch));
        batch.clear();
        bytes = 0;
      }
      batch.push_back(j);
      bytes += b;
    }
    if (!batch.empty()) out.push_back(std::move(batch));
  }
  return out;
}

std::string DataFileName(const DataJob& job, format::Codec codec) {
  return std::string(layout::kDataDir) + "/" + job.id + ".copy" +
         (codec == format::Codec::kZstd ? ".zst" : "");
}

Status RunDataPhase(const DataPhaseOptions& options, const DumpPlan& plan,
                    format::ArchiveWriter& archive, const std::atomic<bool>& interrupt,
                    scheduler::EventSink* sink, DataPhaseTotals* totals) {
  if (plan.jobs.empty()) return Status::Ok();
  DataPhase phase(options, plan, archive, totals);
  HD_RETURN_IF_ERROR(phase.OpenConnections());

  scheduler::JobGraph graph;
  for (std::vector<const DataJob*>& batch : BatchJobs(plan, options.slots)) {
    const DataJob& job = *batch.front();
    const TableInfo& t = plan.tables[job.table_index];
    auto first_busy = std::make_shared<std::optional<Clock::time_point>>();
    scheduler::JobSpec spec;
    uint64_t bytes = 0;
    for (const DataJob* j : batch)
      bytes += static_cast<uint64_t>(std::max<int64_t>(j->estimated_bytes, 0));
    spec.name = "copy " + QualifiedName(t.schema, t.name) +
                (job.range ? " blocks " + std::to_string(job.range->start_block) + ".." +
                                 (job.range->end_block ? std::to_string(job.range->end_block) : "")
                           : "") +
                (batch.size() > 1 ? " and " + std::to_string(batch.size() - 1) + " more" : "");
    spec.kind = JobKindName(JobKind::kCopy);
    spec.weight = std::max<uint64_t>(bytes, 1);
    // Extension configuration tables (the TimescaleDB catalog) first: they
    // are tiny, and a restore reading the archive as it grows (`hyperdump
    // migrate`) loads them before any chunk.
    if (!t.extension.empty()) spec.weight = uint64_t{1} << 50;
    spec.fn = [&phase, jobs = std::move(batch), first_busy](JobContext& ctx) {
      return phase.Run(ctx, jobs, *first_busy);
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
