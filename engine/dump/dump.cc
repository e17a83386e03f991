// The dump, as a list of phases. Each phase takes only what it uses; the
// order matters and is explained at each step.
#include "engine/dump/dump.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string_view>
#include <thread>

#include "base/units.h"
#include "engine/archive_layout.h"
#include "engine/cpu_log.h"
#include "engine/dump/dump_data.h"
#include "engine/dump/locks.h"
#include "engine/dump/schema_dump.h"
#include "engine/dump/snapshot.h"
#include "engine/large_objects.h"
#include "engine/pg/local_files.h"
#include "engine/pg/pg.h"
#include "engine/plan/discovery.h"
#include "engine/plan/plan_json.h"
#include "engine/restore/fault_injector.h"
#include "engine/run_phases.h"
#include "engine/timescaledb/timescale_jobs.h"
#include "format/writer.h"

namespace hyperdump::engine {
namespace {

Status CheckInterrupt(const std::atomic<bool>& interrupt) {
  return interrupt.load() ? Cancelled("dump interrupted") : Status::Ok();
}

Status ValidateOptions(const DumpOptions& o) {
  if (o.source.empty()) return InvalidArgument("no source database: give -d/--dbname");
  if (o.dir.empty()) return InvalidArgument("no archive directory: give -f/--file");
  if (o.jobs < 1 || o.jobs > 256) {
    return InvalidArgument("-j/--jobs must be between 1 and 256, not " + std::to_string(o.jobs));
  }
  if (o.lock_timeout_ms < 1) return InvalidArgument("--lock-timeout must be positive");
  return Status::Ok();
}

// The large objects to dump (none with --no-large-objects), listed on a
// connection of its own under the snapshot: listing opens each object, which
// proves the dump may read all of them before anything is written.
Result<std::vector<LargeObjectBatch>> PlanLargeObjects(const DumpPlan& plan, const DumpOptions& o,
                                                       const std::string& snapshot) {
  if (plan.large_objects == 0 || o.no_large_objects) return std::vector<LargeObjectBatch>{};
  HD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(o.source, "hyperdump dump"));
  HD_RETURN_IF_ERROR(BeginImportedSnapshot(conn, snapshot));
  HD_ASSIGN_OR_RETURN(std::vector<LargeObjectInfo> objects, ListLargeObjects(conn));
  HD_RETURN_IF_ERROR(conn.Run("COMMIT"));
  return BatchLargeObjects(objects);
}

// Locks held at once: the leader's (unless --lock-per-job), pg_dump's for the
// schema (it locks every table it dumps), and one per running job.
int64_t LocksNeeded(const DumpPlan& plan, const DumpOptions& o) {
  int64_t tables = static_cast<int64_t>(plan.tables.size());
  // Each worker holds the locks of one batch of small tables at most.
  return (o.lock_per_job ? 0 : tables) + tables +
         (4 + static_cast<int64_t>(kMaxTablesPerBatch)) * o.jobs;
}

// Before the snapshot, so that no policy can rewrite a chunk under it (a
// compression job truncates the chunk it compresses): writes paused_jobs.json
// first, then unschedules the user jobs (`guard` takes over rescheduling them
// on every exit path), then waits out any job already running. Without
// TimescaleDB there is nothing to pause.
// Runs on the leader's connection, before its snapshot: a connection costs
// the server about 60 ms of CPU with TimescaleDB preloaded (measured), so the
// dump opens no other for this.
Result<std::vector<int64_t>> PauseTimescaleJobs(const DumpOptions& o, PgConnection& control,
                                                const std::atomic<bool>& interrupt,
                                                RunObserver& observer,
                                                format::ArchiveWriter& archive,
                                                JobPauseGuard& guard) {
  HD_ASSIGN_OR_RETURN(PgResult ext, control.Exec("SELECT 1 FROM pg_catalog.pg_extension"
                                                 " WHERE extname = 'timescaledb'"));
  if (ext.rows() == 0) return std::vector<int64_t>{};
  HD_ASSIGN_OR_RETURN(std::vector<int64_t> ids, ListScheduledJobs(control));
  // Jobs an earlier dump paused and never rescheduled (it was killed): this
  // dump takes them over and reschedules them with its own.
  HD_ASSIGN_OR_RETURN(PausedJobsMarker earlier, ReadPausedJobsMarker(control));
  if (!earlier.job_ids.empty()) {
    observer.OnWarning(PausedJobsWarning(earlier, control.database()) +
                       "; this dump reschedules them when it ends");
    ids.insert(ids.end(), earlier.job_ids.begin(), earlier.job_ids.end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  HD_RETURN_IF_ERROR(
      archive.PutBlob(layout::kPausedJobsBlob, PausedJobsToJson({control.database(), ids})));
  guard.Arm(o.source, ids);  // before the first alter_job
  if (!ids.empty()) {
    Status recorded =
        RecordPausedJobs(control, ids, std::filesystem::absolute(archive.dir()).string());
    if (recorded.code() == StatusCode::kPermissionDenied) {
      observer.OnWarning("the source cannot record which TimescaleDB jobs this dump pauses (" +
                         recorded.message() + "); if the dump is killed, run hyperdump " +
                         "resume-jobs " + archive.dir() + " -d SOURCE to reschedule them");
    } else {
      HD_RETURN_IF_ERROR(recorded.WithContext("recording the paused TimescaleDB jobs"));
    }
  }
  HD_RETURN_IF_ERROR(SetJobsScheduled(control, ids, false).WithContext("pausing TimescaleDB jobs"));
  HD_RETURN_IF_ERROR(WaitForRunningJobs(control, o.wait_jobs_timeout_ms, interrupt,
                                        [&](const std::string& t) { observer.OnWarning(t); }));
  return ids;
}

// The snapshot sees the jobs `paused` as unscheduled: their bgw_job rows are
// archived with scheduled = true, as the source had them, so that a restore
// schedules them as on the source.
void ArchivePausedJobsAsScheduled(const std::vector<int64_t>& paused, DumpPlan& plan) {
  if (paused.empty()) return;
  std::string ids;
  for (int64_t id : paused) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
  for (TableInfo& t : plan.tables) {
    if (t.kind == TableKind::kExtensionConfig && t.extension == "timescaledb" &&
        t.name == "bgw_job") {
      t.column_values.emplace_back("scheduled", "scheduled OR id IN (" + ids + ")");
    }
  }
}

// What pg_dump produced (the schema): schema.pgdump and its post-data items.
struct SchemaFile {
  std::string path;  // schema.pgdump in the scratch directory
  std::vector<TocLine> items;
};

// pg_dump (pre- and post-data) under the snapshot, then pg_restore -l of its
// post-data section. Uses no connection of ours, so it can run on its own
// thread while the data moves; `stop` kills the child programs.
Result<SchemaFile> DumpSchemaFile(const DumpOptions& o, const std::string& snapshot,
                                  const DumpPlan& plan, const std::string& scratch,
                                  const std::atomic<bool>& stop) {
  std::string path = scratch + "/" + layout::kSchemaBlob;
  SchemaDumpRequest req{o.source, snapshot, &o.selection, o.lock_timeout_ms,
                        &plan.schema_selection};
  HD_RETURN_IF_ERROR(DumpSchema(req, path, stop));
  SchemaFile out;
  out.path = path;
  HD_ASSIGN_OR_RETURN(out.items, ListPostData(path, scratch, stop));
  return out;
}

// Copies the file at `path` into the archive as the blob `name`, a piece at
// a time (schema.pgdump is tens of megabytes at 10,000 chunks).
Status StoreFileAsBlob(format::ArchiveWriter& archive, const std::string& name,
                       const std::string& path) {
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::FileSource> source, format::FileSource::Open(path));
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::DataFileWriter> blob, archive.BeginBlob(name));
  std::string buffer(1 << 20, '\0');
  for (;;) {
    HD_ASSIGN_OR_RETURN(size_t n, source->Read(buffer.data(), buffer.size()));
    if (n == 0) break;
    HD_RETURN_IF_ERROR(blob->Write(std::string_view(buffer.data(), n)));
  }
  return blob->Finish(0).status();
}

// pg_dump failed waiting for a table's lock (its --lock-wait-timeout):
// names the sessions holding that lock, as a data job's lock failure does.
// Any other failure is returned as it is.
Status ExplainSchemaLockFailure(PgConnection& leader, const Status& failure, int lock_timeout_ms) {
  static const std::regex kLock(R"(LOCK TABLE (\S+) IN ACCESS SHARE MODE)");
  std::smatch m;
  const std::string& text = failure.message();
  if (!std::regex_search(text, m, kLock)) return failure;
  const std::string table = m[1].str();
  if (text.find("does not exist") != std::string::npos) {
    return Status(failure.code(),
                  "pg_dump could not lock table " + table +
                      ": it was dropped after the dump's snapshot (DROP, drop_chunks, "
                      "decompress_chunk or a TimescaleDB job ran during the dump). Dump again "
                      "when that is done, with TimescaleDB jobs paused (the default) (" +
                      text + ")",
                  failure.sqlstate());
  }
  // LOCK TABLE without ONLY also locks the children (chunks, partitions):
  // the blocker may hold any of them.
  auto oids = leader.ExecParams(
      "WITH RECURSIVE t(oid) AS (SELECT to_regclass($1)::oid UNION "
      "SELECT i.inhrelid FROM pg_inherits i JOIN t ON i.inhparent = t.oid) "
      "SELECT oid FROM t WHERE oid IS NOT NULL",
      {table});
  if (!oids.ok()) return failure;
  std::string who;
  for (int i = 0; i < oids->rows() && who.empty(); ++i) {
    std::string one = DescribeLockBlockers(
        leader, static_cast<uint32_t>(std::stoul(oids->GetString(i, 0))), leader.backend_pid());
    if (one.rfind("no blocking session", 0) != 0) who = one;
  }
  if (who.empty()) who = "no blocking session found any more";
  return Status(failure.code(),
                "pg_dump could not lock table " + table + " within --lock-timeout (" +
                    std::to_string(lock_timeout_ms) + " ms): " + who +
                    "; end that session or retry when it is done (" + text + ")",
                failure.sqlstate());
}

// The schema and the data at once: pg_dump's many small catalog queries are
// mostly waiting, which N workers busy with COPY fill. As soon as the schema
// is dumped, `store_schema` stores it (on the schema's thread, while the data
// still moves: `hyperdump migrate` starts the restore from it). A failure of
// either stops the other (a schema failure would make every data file
// useless); so does `interrupt`.
using SchemaStore = std::function<Status(const SchemaFile&)>;
Status DumpSchemaAndData(const DumpOptions& o, const std::string& snapshot, PgConnection& leader,
                         const DumpPlan& plan, format::ArchiveWriter& archive,
                         const std::string& scratch, const std::atomic<bool>& interrupt,
                         scheduler::EventSink* sink, DataPhaseTotals* totals,
                         const SchemaStore& store_schema, CpuLog* cpu_log) {
  std::atomic<bool> stop_schema{false}, stop_data{false}, schema_failed{false};
  std::future<Result<SchemaFile>> schema = std::async(std::launch::async, [&] {
    Result<SchemaFile> r = DumpSchemaFile(o, snapshot, plan, scratch, stop_schema);
    if (r.ok()) {
      Status stored = store_schema(*r);
      if (!stored.ok()) r = stored;
    }
    if (!r.ok()) schema_failed = true;
    return r;
  });
  std::atomic<bool> data_done{false};
  std::thread watcher([&] {
    while (!data_done.load()) {
      if (interrupt.load()) stop_schema = true;
      if (interrupt.load() || schema_failed.load()) stop_data = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  DataPhaseOptions data{o.source, snapshot, leader.backend_pid(), o.jobs, o.copy_format,
                        o.codec,  o.level,  o.lock_timeout_ms,    cpu_log};
  Status data_status = RunDataPhase(data, plan, archive, stop_data, sink, totals);
  data_done = true;
  watcher.join();
  // Whose error to report: the data's, unless the schema failed first (the
  // data phase then only says it was stopped).
  bool schema_failed_first = schema_failed.load();
  if (!data_status.ok()) stop_schema = true;
  // pg_dump may still be running after the data: wait, but obey Ctrl-C.
  while (schema.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) {
    if (interrupt.load()) stop_schema = true;
  }
  Result<SchemaFile> schema_file = schema.get();
  if (interrupt.load()) return Cancelled("dump interrupted");
  if (!data_status.ok() && !schema_failed_first) return data_status;
  if (!schema_file.ok()) {
    return ExplainSchemaLockFailure(leader, schema_file.status(), o.lock_timeout_ms)
        .WithContext("dumping the schema");
  }
  return data_status;
}

nlohmann::json SourceFacts(const DumpPlan& plan, const std::string& snapshot,
                           const DumpOptions& o) {
  nlohmann::json options = {
      {"jobs", o.jobs},
      {"copy_format", CopyFormatName(o.copy_format)},
      {"codec", std::string(format::CodecName(o.codec))},
      {"level", o.level},
      {"lock_per_job", o.lock_per_job},
      {"pause_jobs", o.pause_jobs},
      {"roles", o.roles},
      {"large_objects", o.no_large_objects ? "excluded" : "included"},
      {"include_schemas", o.selection.include_schemas},
      {"exclude_schemas", o.selection.exclude_schemas},
      {"include_tables", o.selection.include_tables},
      {"exclude_tables", o.selection.exclude_tables},
      {"split_larger_than", o.selection.split_larger_than == kSplitByBalance
                                ? nlohmann::json("auto")
                                : nlohmann::json(o.selection.split_larger_than)}};
  return {{layout::kFactServerVersion, plan.server.server_version},
          {"server_version_num", plan.server.server_version_num},
          {layout::kFactTimescaleDbVersion, plan.server.timescaledb_version},
          {layout::kFactSnapshot, snapshot},
          {layout::kFactDatabase, plan.server.database},
          {layout::kFactOptions, options}};
}

// Every phase between creating the archive and committing it.
Status DumpPhases(const DumpOptions& o, const std::atomic<bool>& interrupt,
                  scheduler::EventSink* sink, RunObserver& observer, format::ArchiveWriter& archive,
                  JobPauseGuard& paused, bool& committed, DumpSummary* summary) {
  // 1. TimescaleDB jobs off for the dump (recorded in the archive first), and
  //    any job already running waited out: all before the snapshot.
  //    The leader's connection does it, before its snapshot.
  observer.OnPhase("snapshot");
  std::unique_ptr<CpuLog> cpu_log;
  if (!o.cpu_log.empty()) {
    HD_ASSIGN_OR_RETURN(cpu_log, CpuLog::Open(o.cpu_log));
  }
  HD_ASSIGN_OR_RETURN(PgConnection leader, PgConnection::Connect(o.source, "hyperdump dump"));
  const CpuMark leader_start = cpu_log ? MarkCpu(leader.backend_pid()) : CpuMark{};
  std::vector<int64_t> paused_ids;
  if (o.pause_jobs) {
    HD_ASSIGN_OR_RETURN(paused_ids,
                        PauseTimescaleJobs(o, leader, interrupt, observer, archive, paused));
    HD_RETURN_IF_ERROR(CheckInterrupt(interrupt));
  }

  // 2. The leader: one REPEATABLE READ, READ ONLY transaction whose snapshot
  //    every other connection (workers, pg_dump) imports; held to the end.
  HD_RETURN_IF_ERROR(leader.Run("SET idle_in_transaction_session_timeout = 0"));
  HD_ASSIGN_OR_RETURN(std::string snapshot, BeginExportedSnapshot(leader));

  // 3. Discovery, under the snapshot: tables, jobs, sequences, facts.
  DiscoveryOptions discovery = o.selection;
  discovery.slots = o.jobs;
  HD_ASSIGN_OR_RETURN(DumpPlan plan, Discover(leader, discovery));
  HD_ASSIGN_OR_RETURN(std::vector<LargeObjectBatch> large_objects,
                      PlanLargeObjects(plan, o, snapshot));
  ArchivePausedJobsAsScheduled(paused_ids, plan);
  std::string job_stats = "[]";
  if (!plan.server.timescaledb_version.empty()) {
    HD_ASSIGN_OR_RETURN(job_stats, ReadJobStats(leader));
  }
  RunEstimate estimate = DumpEstimate(plan);
  for (const LargeObjectBatch& b : large_objects) {  // each object is a row
    estimate.rows += b.objects.size();
    if (estimate.bytes > 0) estimate.bytes += b.bytes;
  }
  ReportEstimate(observer, estimate);

  // 4. Locks, before anything is written: first whether the server can hold
  //    them, then ACCESS SHARE on every table (unless --lock-per-job), which
  //    also proves no table was rewritten since the snapshot.
  observer.OnPhase("locks");
  HD_RETURN_IF_ERROR(CheckLockCapacity(leader, LocksNeeded(plan, o), !o.lock_per_job));
  if (!o.lock_per_job) {
    HD_RETURN_IF_ERROR(LockTablesInSnapshot(leader, o.source, plan.tables, o.lock_timeout_ms));
  }
  HD_RETURN_IF_ERROR(CheckInterrupt(interrupt));

  // 5. Roles (--roles): the cluster's role definitions, without passwords.
  HD_ASSIGN_OR_RETURN(TempDir scratch, TempDir::Create("hyperdump-dump"));
  if (o.roles) {
    HD_ASSIGN_OR_RETURN(std::string roles, DumpRoles(o.source, scratch.path(), interrupt));
    HD_RETURN_IF_ERROR(archive.PutBlob(layout::kRolesBlob, roles));
  }

  // 6. Schema by pg_dump under the same snapshot, on its own thread, while
  //    N workers importing the snapshot move the data (every job on the
  //    scheduler, the TimescaleDB catalog first). The schema is stored as
  //    soon as it is dumped, then plan.json: tables, jobs and the files they
  //    write, sequence values (read by discovery right after the snapshot),
  //    the post-data map. Only data files follow them.
  observer.OnPhase("schema and data");
  DataPhaseTotals totals;
  auto store_schema = [&](const SchemaFile& schema) -> Status {
    HD_RETURN_IF_ERROR(StoreFileAsBlob(archive, layout::kSchemaBlob, schema.path));
    PlanAdditions file;
    for (const DataJob& job : plan.jobs) file.job_files.push_back(DataFileName(job, o.codec));
    for (const LargeObjectBatch& b : large_objects) {
      file.large_object_files.push_back(LargeObjectFileName(b.index, o.codec));
    }
    // Batches of 5,000 items: each costs about 0.7 KB an item while it is
    // written (its items, their query's result), and at 100,000 chunks the
    // dump's peak memory is reached here (issue 18).
    const TableFinder tables(plan);
    PostDataBatches post_data{
        schema.items.size(), 5000, [&](size_t begin, size_t end) {
          return MapPostData(leader, std::span(schema.items).subspan(begin, end - begin), tables);
        }};
    file.copy_format = CopyFormatName(o.copy_format);
    file.timescaledb_job_stats = nlohmann::json::parse(job_stats);
    HD_ASSIGN_OR_RETURN(std::unique_ptr<format::DataFileWriter> blob,
                        archive.BeginBlob(layout::kPlanBlob));
    HD_RETURN_IF_ERROR(WritePlanFile(
        plan, file, [&](std::string_view bytes) { return blob->Write(bytes); }, &post_data));
    return blob->Finish(0).status();
  };
  HD_RETURN_IF_ERROR(DumpSchemaAndData(o, snapshot, leader, plan, archive, scratch.path(),
                                       interrupt, sink, &totals, store_schema, cpu_log.get()));
  HD_RETURN_IF_ERROR(CheckInterrupt(interrupt));

  // 7. Large objects (data, owners, privileges, comments) under the same
  //    snapshot, in batches by OID range on N workers.
  if (!large_objects.empty()) {
    observer.OnPhase("large objects");
    LargeObjectDumpOptions lo{o.source, snapshot, o.jobs, o.codec, o.level};
    LargeObjectTotals lo_totals;
    HD_RETURN_IF_ERROR(DumpLargeObjects(lo, large_objects, archive, interrupt, sink, &lo_totals));
    totals.bytes += lo_totals.bytes.load();
    totals.stored_bytes += lo_totals.stored_bytes.load();
    HD_RETURN_IF_ERROR(CheckInterrupt(interrupt));
  }

  // 8. The manifest, last: only now is the archive complete. The snapshot
  //    transaction ends after it (nothing reads the source any more).
  observer.OnPhase("finish");
  HD_RETURN_IF_ERROR(CheckInterrupt(interrupt));
  CurrentFaultInjector().BeforeManifest();
  HD_RETURN_IF_ERROR(archive.Commit(SourceFacts(plan, snapshot, o)));
  committed = true;
  if (summary) {
    *summary = {static_cast<int64_t>(plan.tables.size()), static_cast<int64_t>(plan.jobs.size()),
                totals.rows.load(), totals.bytes.load(), totals.stored_bytes.load()};
  }
  leader.Run("COMMIT").IgnoreError();
  // The jobs rescheduled on the leader's connection (RunDump's guard
  // connects anew only when this fails, or on the way out of a failure).
  paused.Resume(&leader).IgnoreError();
  if (cpu_log) {
    cpu_log->Record({{"job", "leader session"}, {"kind", "leader"}}, leader_start,
                    MarkCpu(leader.backend_pid()));
  }
  return Status::Ok();
}

// Forwards everything to `inner` and keeps the last estimate, for the error
// of a dump that ran out of disk.
class EstimateKeeper final : public RunObserver {
 public:
  explicit EstimateKeeper(RunObserver& inner) : inner_(inner) {}
  void OnPhase(const std::string& name) override { inner_.OnPhase(name); }
  void OnEstimate(uint64_t bytes, uint64_t rows) override {
    bytes_ = bytes;
    inner_.OnEstimate(bytes, rows);
  }
  void OnWarning(const std::string& text) override { inner_.OnWarning(text); }
  void OnServerNotice(const ServerNotice& notice) override { inner_.OnServerNotice(notice); }
  uint64_t bytes() const { return bytes_; }

 private:
  RunObserver& inner_;
  uint64_t bytes_ = 0;
};

// A full disk: says how much the archive needs, from the plan's estimate of
// the COPY data (stored compressed), and how much was written when it filled.
Status ExplainNoSpace(const Status& s, const std::string& dir, uint64_t estimated_copy_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  uint64_t written = 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) written += it->file_size(ec);
  }
  std::string need = estimated_copy_bytes == 0
                         ? std::string("the dump needs more space than the disk has")
                         : "the dump needs about " + HumanBytes(estimated_copy_bytes / 4) +
                               " there (the source's " + HumanBytes(estimated_copy_bytes) +
                               " of COPY data, which zstd stores about 4x smaller; " +
                               "allow up to " + HumanBytes(estimated_copy_bytes) +
                               " for data that does not compress)";
  return Status(s.code(),
                s.message() + "; " + need + ", and had written " + HumanBytes(written) +
                    " when the disk filled",
                s.sqlstate());
}

// After a failure: an INCOMPLETE file saying why, or no directory at all when
// nothing in it is worth keeping (no data file, no jobs left to repair).
void MarkFailed(const std::string& dir, bool created_dir, const Status& why, bool jobs_paused) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool has_files = false;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    if (name == layout::kPausedJobsBlob && !jobs_paused) continue;
    if (name == layout::kSchemaBlob || name == layout::kPlanBlob) continue;
    has_files = true;
  }
  if (!has_files) {
    if (created_dir) {
      fs::remove_all(dir, ec);
    } else {
      for (const auto& e : fs::directory_iterator(dir, ec)) fs::remove_all(e.path(), ec);
    }
    return;
  }
  std::ofstream out(dir + "/" + kIncompleteMarker, std::ios::trunc);
  out << "This hyperdump archive is INCOMPLETE: the dump failed and wrote no manifest.\n"
      << "It cannot be restored; delete it and dump again.\n\nReason: " << why.message() << "\n";
  if (jobs_paused) {
    out << "\nTimescaleDB jobs listed in " << layout::kPausedJobsBlob
        << " are still unscheduled on the source: run\n  hyperdump resume-jobs " << dir
        << " -d SOURCE\n";
  }
}

}  // namespace

Status RunDump(const DumpOptions& options, const std::atomic<bool>& interrupt,
               scheduler::EventSink* sink, DumpSummary* summary, RunObserver* observer) {
  HD_RETURN_IF_ERROR(ValidateOptions(options));
  // Server notices of every connection below reach the observer, never the
  // terminal raw (declared first: it outlives the connections).
  NoticeForwarder notices(observer ? *observer : NoRunObserver());
  // 0. The archive directory: created private and empty; a non-empty one is
  //    refused, so a dump never mixes with other files.
  struct stat st;
  const bool created_dir = ::stat(options.dir.c_str(), &st) != 0;
  // A directory left by a dump that was killed: its paused_jobs.json may be
  // the only record of jobs still unscheduled on the source. Say so before
  // the generic "not empty" refusal, which would suggest deleting it.
  if (!created_dir && std::filesystem::exists(options.dir + "/" + layout::kPausedJobsBlob) &&
      !std::filesystem::exists(options.dir + "/manifest.json")) {
    return Status(StatusCode::kAlreadyExists,
                  "archive directory " + options.dir +
                      " holds a dump that did not finish (no manifest) and that paused "
                      "TimescaleDB jobs (" +
                      layout::kPausedJobsBlob + "): run hyperdump resume-jobs " + options.dir +
                      " -d SOURCE to reschedule them, then delete the directory or dump into "
                      "another one");
  }
  HD_ASSIGN_OR_RETURN(
      std::unique_ptr<format::ArchiveWriter> archive,
      format::ArchiveWriter::Create(options.dir, options.tool_version, options.writer));

  JobPauseGuard paused;
  bool committed = false;
  EstimateKeeper keeper(observer ? *observer : NoRunObserver());
  Status s = DumpPhases(options, interrupt, sink, keeper, *archive, paused, committed, summary);
  if (s.code() == StatusCode::kNoSpace) s = ExplainNoSpace(s, options.dir, keeper.bytes());

  // On every exit path, jobs are rescheduled before anything else.
  Status resumed = paused.Resume();
  if (!resumed.ok()) {
    Status repair(resumed.code(),
                  "TimescaleDB jobs paused for the dump could not be rescheduled (" +
                      resumed.message() + "); run: hyperdump resume-jobs " + options.dir + " -d " +
                      RedactConninfo(options.source),
                  resumed.sqlstate());
    if (committed) repair = repair.WithContext("the archive is complete, but");
    s = s.ok() ? repair
               : Status(s.code(), s.message() + "; also, " + repair.message(), s.sqlstate());
  }
  const bool still_paused = paused.active();
  paused.Release();  // reported above; the guard must not print it again
  archive.reset();
  if (!s.ok() && !committed) MarkFailed(options.dir, created_dir, s, still_paused);
  return s;
}

}  // namespace hyperdump::engine
