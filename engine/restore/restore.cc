// The restore, as a list of passes (RestoreFrom). Each pass takes only what
// it uses; the order matters and is explained at each step.
#include "engine/restore/restore.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <regex>
#include <thread>

#include "engine/archive_layout.h"
#include "engine/cpu_log.h"
#include "engine/pg/local_files.h"
#include "engine/pg/pg.h"
#include "engine/pg/session_pool.h"
#include "engine/pg/subprocess.h"
#include "engine/restore/fault_injector.h"
#include "engine/restore/ledger.h"
#include "engine/restore/matview_refresh.h"
#include "engine/restore/pg_dump_archive.h"
#include "engine/restore/restore_checks.h"
#include "engine/restore/restore_jobs.h"
#include "engine/restore/restore_runner.h"
#include "engine/restore/schema_restore.h"
#include "engine/restore/target_settings.h"
#include "engine/run_phases.h"
#include "engine/timescaledb/timescale_jobs.h"
#include "engine/timescaledb/timescale_window.h"
#include "format/reader.h"
#include "scheduler/runner.h"

namespace hyperdump::engine {

namespace {

// A warning shown now and kept for the caller's summary.
class Notes {
 public:
  Notes(RunObserver& observer, RestoreSummary& summary) : observer_(observer), summary_(summary) {}
  void Add(const std::string& text) {
    observer_.OnWarning(text);
    summary_.notes.push_back(text);
  }

 private:
  RunObserver& observer_;
  RestoreSummary& summary_;
};

// The archive's CREATE EXTENSION statement for TimescaleDB (the schema it
// goes to), or empty.
std::string TimescaleCreateSql(const SchemaScript& schema) {
  for (const SchemaItem& item : schema.items) {
    if (item.desc() == "EXTENSION" && item.toc_line().rfind("- timescaledb ", 0) == 0) {
      static const std::regex create(R"(CREATE EXTENSION[^;]*;)");
      std::smatch m;
      Result<std::string> sql = item.Sql();
      if (sql.ok() && std::regex_search(*sql, m, create)) return m.str();
    }
  }
  return "";
}

// The archive's schema as restore runs it.
struct RestoreSchema {
  TempDir temp;      // private (0700), holds schema.pgdump for pg_restore
  std::string path;  // schema.pgdump in `temp`
  SchemaOptions options;
  SchemaScript script;
  std::string timescale_create_sql;  // of the whole archive, before any selection
  SelectionOutcome selection;
  UncheckedForeignKeys unchecked_keys;  // options.tables_lacking_rows
};

// The blob `name` of `archive`, checked as it is read, copied to a new file
// at `path` (mode 0600) a piece at a time: schema.pgdump is tens of
// megabytes at 10,000 chunks.
Status CopyBlobToPrivateFile(const format::ArchiveSource& archive, const std::string& name,
                             const std::string& path) {
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::DataFileReader> reader, archive.OpenFile(name));
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::FileSink> file, format::FileSink::Create(path));
  std::string buffer(1 << 20, '\0');
  for (;;) {
    HD_ASSIGN_OR_RETURN(size_t n, reader->Read(buffer.data(), buffer.size()));
    if (n == 0) break;
    HD_RETURN_IF_ERROR(file->Write(std::string_view(buffer.data(), n)));
  }
  return file->Close();
}

// Pass 1: schema.pgdump cut into items by pg_restore (with --no-owner...),
// each index and key on the table plan.json's post-data map names; then, for a selective restore
// (-n, -t, -L, --section, -a...), only what pg_restore would restore of it, chunks with their
// hypertable (restore_selection.h); `input` is filtered alike.
Result<RestoreSchema> LoadSchema(const RestoreOptions& options,
                                 const format::ArchiveSource& archive, const SchemaSource& source,
                                 RestoreInput& input) {
  HD_ASSIGN_OR_RETURN(TempDir temp, TempDir::Create("hyperdump-restore"));
  RestoreSchema s{std::move(temp), "", {}, {}, "", {}, {}};
  s.options = {options.pg_bindir.empty() ? PgBinDir() : options.pg_bindir,
               options.no_owner,
               options.no_privileges,
               options.no_tablespaces,
               "",
               false};
  if (source.path.empty()) {
    s.path = s.temp.path() + "/" + layout::kSchemaBlob;
    HD_RETURN_IF_ERROR(CopyBlobToPrivateFile(archive, source.blob, s.path));
  } else {
    s.path = source.path;
    s.options.use_list = source.use_list;
    s.options.tables_from_sql = true;
  }
  HD_ASSIGN_OR_RETURN(s.script, LoadSchemaScript(s.path, s.options, std::move(input.placements)));
  s.timescale_create_sql = TimescaleCreateSql(s.script);
  HD_ASSIGN_OR_RETURN(s.selection, SelectForRestore(options.selection, options.clean, s.path,
                                                    s.options.pg_bindir, input, s.script));
  if (!options.tables_lacking_rows.empty()) {
    std::set<std::string> partitioned;  // parents of partitions
    for (const RestoreTable& t : input.tables) {
      if (t.kind == "partition" && !t.parent.empty()) partitioned.insert(t.parent);
    }
    s.unchecked_keys =
        LeaveForeignKeysUnchecked(s.script, options.tables_lacking_rows, partitioned);
  }
  return s;
}

// Pass 2: the target is empty, or holds the ledger of this very archive's
// unfinished restore (--resume), or is cleaned (--clean); a selective
// restore, as pg_restore, may go into any database. Returns the ledger of
// the restore to resume, if any.
Result<std::optional<ledger::State>> PrepareTarget(PgConnection& conn,
                                                   const RestoreOptions& options,
                                                   const RestoreSchema& schema,
                                                   const std::string& archive_id) {
  // A killed restore's sessions may still be finishing their statements.
  HD_RETURN_IF_ERROR(WaitForEarlierRestoreSessions(conn, 30000));
  HD_ASSIGN_OR_RETURN(std::optional<ledger::State> state, ledger::Load(conn));
  if (options.clean) {
    HD_ASSIGN_OR_RETURN(std::string drops, LoadCleanScript(schema.path, schema.options));
    HD_RETURN_IF_ERROR(CleanTarget(conn, drops));
    HD_RETURN_IF_ERROR(ledger::Drop(conn));
    state.reset();
  } else if (state && !options.resume) {
    return Status(StatusCode::kAlreadyExists,
                  "target database \"" + conn.database() +
                      "\" holds an unfinished restore (schema _hyperdump): finish it with "
                      "--resume, or start over with --clean");
  } else if (state && state->archive_id != archive_id) {
    return Status(StatusCode::kInvalidArgument,
                  "--resume: the unfinished restore in \"" + conn.database() +
                      "\" came from another archive (" + state->archive_id + ", this one is " +
                      archive_id + "): resume with that archive, or start over with --clean");
  } else if (!state && !schema.selection.selective) {
    // --resume with nothing to resume starts afresh on an empty target.
    HD_RETURN_IF_ERROR(CheckTargetEmpty(conn, options.resume));
  }
  return state;
}

// The restore's last commit: its ledger dropped. When the connection fails
// on it, the server may have committed the drop and died before answering
// (a restart at that very moment): the restore is then complete, and a
// --resume would find a full target without a ledger and refuse it. So the
// target is asked again, on a new connection once the server is back (up to
// a minute): no ledger means done; a ledger is dropped now.
Status DropLedger(PgConnection& conn, const std::string& target) {
  Status dropped = ledger::Drop(conn);
  if (dropped.ok() && CurrentFaultInjector().LoseLastReply()) {
    dropped = conn.Run("SELECT pg_catalog.pg_terminate_backend(pg_catalog.pg_backend_pid())");
  }
  if (!IsTransient(dropped)) return dropped;
  for (int attempt = 0; attempt < 120; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    Result<PgConnection> again = PgConnection::Connect(target, "hyperdump restore");
    if (!again.ok()) continue;
    Result<std::optional<ledger::State>> state = ledger::Load(*again);
    if (!state.ok()) continue;
    return *state ? ledger::Drop(*again) : Status::Ok();
  }
  return dropped.WithContext("dropping the restore's ledger (schema _hyperdump)");
}

// Pass 3 (--roles): the archive's roles the target lacks (cluster-wide,
// outside the restore proper).
Status RestoreArchiveRoles(PgConnection& conn, const format::ArchiveSource& archive, Notes& notes) {
  auto roles_sql = archive.ReadBlob(layout::kRolesBlob);
  if (!roles_sql.ok()) return roles_sql.status().WithContext("--roles: the archive has no roles");
  HD_ASSIGN_OR_RETURN(std::vector<std::string> skipped, RestoreRoles(conn, *roles_sql));
  for (const std::string& r : skipped) {
    notes.Add("role " + QuoteIdent(r) + " already exists on the target: left as is");
  }
  return Status::Ok();
}

// "3 jobs did not complete: copy public.t (data/t1.copy.zst: ...), ..."
Status Unfinished(const scheduler::RunReport& report) {
  std::string list;
  int shown = 0;
  for (scheduler::JobId id : report.failed) {
    const scheduler::JobReport& j = report.jobs[id];
    if (shown++ < 10) list += "\n  failed: " + j.status.message();
  }
  for (scheduler::JobId id : report.cancelled) {
    if (shown++ < 10) list += "\n  cancelled: " + report.jobs[id].name;
  }
  size_t missing = report.failed.size() + report.cancelled.size() + report.not_started.size();
  StatusCode code = report.first_error.ok() ? StatusCode::kInternal : report.first_error.code();
  for (scheduler::JobId id : report.failed) {
    if (report.jobs[id].status.code() == StatusCode::kCorrupt) code = StatusCode::kCorrupt;
  }
  return Status(code, "restore incomplete: " + std::to_string(missing) + " of " +
                          std::to_string(report.jobs.size()) + " jobs did not complete (" +
                          std::to_string(report.not_started.size()) + " not started)" + list +
                          "\nfix the cause, then run the same command with --resume to finish");
}

// What every worker session runs first. Workers commit asynchronously: a
// job's ledger row commits with its data, so a crash loses both together
// and --resume redoes the job; the final ledger drop is a synchronous commit
// that makes all of them durable.
// Pass 2, last: what the target's settings cost this restore, as a note
// (engine/restore/target_settings.h); unreadable settings are no reason to stop.
// Returns the target's maintenance_work_mem (0 when unread), which the index
// builds share out (ParallelIndexBuild).
int64_t NoteSettingsAdvice(PgConnection& conn, const RestoreInput& input, Notes& notes) {
  uint64_t data = 0, largest = 0;
  for (const RestoreTable& t : input.tables) {
    data += t.bytes;
    largest = std::max(largest, t.bytes);
  }
  Result<TargetSettings> settings = ReadTargetSettings(conn);
  if (!settings.ok()) return 0;
  if (std::string advice = SettingsAdvice(*settings, data, largest); !advice.empty()) {
    notes.Add(advice);
  }
  return settings->maintenance_work_mem_bytes;
}

std::string WorkerSetup(const SchemaScript& script, bool in_window) {
  return script.preamble + "SET synchronous_commit = off;\n" +
         (in_window ? std::string(kRestoringSetting) + ";\n" : "");
}

// Pass 5: phases 2-7 as one job graph on the pool's N connections
// (restore_jobs.h): schema, catalog, data largest first, each table's
// indexes as soon as its data is in, foreign keys, the rest, ANALYZE.
// After a failed or interrupted job graph: the restored TimescaleDB jobs
// unscheduled until --resume finishes (timescale_jobs.h), on a connection of
// its own (the restore's may be the one that broke). Says what it did, or
// that it could not.
void PauseJobsOfUnfinishedRestore(const std::string& target, Notes& notes) {
  Result<PgConnection> conn = PgConnection::Connect(target, "hyperdump restore");
  Result<int> paused = conn.ok() ? PauseRestoredJobs(*conn) : Result<int>(conn.status());
  if (!paused.ok()) {
    notes.Add("the restored TimescaleDB jobs could not be paused (" + paused.status().message() +
              "): they may run on the unfinished target before --resume");
  } else if (*paused > 0) {
    notes.Add(std::to_string(*paused) +
              " TimescaleDB jobs of the unfinished target are paused; --resume schedules them "
              "again when the restore finishes");
  }
}

Status RunJobGraph(const RestoreOptions& options, const format::ArchiveSource& archive,
                   const RestoreInput& input, const RestoreSchema& schema,
                   int64_t maintenance_work_mem, const std::set<std::string>& done,
                   SessionPool& sessions, const std::atomic<bool>& interrupt,
                   scheduler::EventSink* sink, RunObserver& observer, RestoreSummary& summary) {
  RestoreCounters counters;
  std::unique_ptr<CpuLog> cpu_log;
  if (!options.cpu_log.empty()) {
    HD_ASSIGN_OR_RETURN(cpu_log, CpuLog::Open(options.cpu_log));
  }
  RestoreJobRunner runner(sessions, done, counters, options.verbose, cpu_log.get());
  RestoreGraphOptions graph_options{options.jobs,
                                    options.analyze,
                                    {options.no_owner, options.no_privileges, options.clean},
                                    schema.selection.append_only,
                                    schema.selection.load_order,
                                    maintenance_work_mem,
                                    options.index_workers};
  scheduler::JobGraph graph;
  HD_RETURN_IF_ERROR(
      BuildRestoreGraph(runner, archive, input, schema.script, graph_options, graph));
  ReportEstimate(observer, RestoreEstimate(input, done));
  RestorePhaseSink phases(sink, observer, graph);  // names the graph's phases
  scheduler::RunOptions run;
  run.slots = options.jobs;
  run.max_attempts = 5;
  run.interrupt = &interrupt;
  run.sink = &phases;
  run.on_cancel_slot = [&sessions](int slot) { sessions.Cancel(slot); };
  scheduler::RunReport report = scheduler::Run(graph, run);
  summary.rows = counters.rows;
  summary.bytes = counters.bytes;
  summary.jobs_run = counters.committed;
  summary.jobs_skipped = counters.skipped;
  summary.schema_items = counters.schema_items;
  if (report.ok()) return Status::Ok();
  if (interrupt.load()) {
    return Cancelled("interrupted: run the same command with --resume to finish");
  }
  return Unfinished(report);
}

}  // namespace

Status RunRestore(const RestoreOptions& options, const std::atomic<bool>& interrupt,
                  scheduler::EventSink* sink, RestoreSummary* summary, RunObserver* observer_in) {
  RunObserver& observer = observer_in ? *observer_in : NoRunObserver();
  // Server notices of every connection below reach the observer, never the
  // terminal raw (declared first: it outlives the connections).
  NoticeForwarder notices(observer);
  observer.OnPhase("checks");
  if (options.jobs < 1) return InvalidArgument("--jobs must be at least 1");
  // An archive of pg_dump --format=directory: read through pg_restore.
  HD_RETURN_IF_ERROR(RefusePgDumpFile(options.archive_dir));
  if (IsPgDumpDirectory(options.archive_dir)) {
    return RestorePgDumpDirectory(options, interrupt, sink, summary, &observer);
  }

  // The archive: complete (manifest present), a version we read, its plan
  // and schema consistent.
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::ArchiveReader> archive,
                      format::ArchiveReader::Open(options.archive_dir));
  HD_ASSIGN_OR_RETURN(RestoreInput input, ReadRestoreInput(*archive));
  return RestoreFrom(options, *archive, std::move(input), SchemaSource{layout::kSchemaBlob, "", ""},
                     interrupt, sink, summary, &observer);
}

Status RestoreFrom(const RestoreOptions& options, const format::ArchiveSource& source,
                   RestoreInput input, const SchemaSource& schema_source,
                   const std::atomic<bool>& interrupt, scheduler::EventSink* sink,
                   RestoreSummary* summary_out, RunObserver* observer_in) {
  RestoreSummary local;
  RestoreSummary& summary = summary_out ? *summary_out : local;
  RunObserver& observer = observer_in ? *observer_in : NoRunObserver();
  Notes notes(observer, summary);

  // 1. The schema, cut into items; the selection applied to it and to `input`.
  HD_ASSIGN_OR_RETURN(RestoreSchema schema, LoadSchema(options, source, schema_source, input));
  for (const std::string& text : schema.selection.notes) notes.Add(text);
  if (schema.unchecked_keys.not_valid > 0) {
    notes.Add(std::to_string(schema.unchecked_keys.not_valid) +
              " foreign keys on or to tables lacking rows were added NOT VALID: once the data "
              "is complete, run ALTER TABLE ... VALIDATE CONSTRAINT on each (SELECT "
              "conrelid::regclass, conname FROM pg_constraint WHERE contype = 'f' AND NOT "
              "convalidated)");
  }
  for (const std::string& key : schema.unchecked_keys.not_added) {
    notes.Add(
        "not added, as PostgreSQL cannot add it NOT VALID on a partitioned table and "
        "rows it checks are missing: " +
        key + " (run it once the data is complete)");
  }

  // 2. The target: reachable; empty, resumable or cleaned; a TimescaleDB we
  //    can restore into. Nothing was written to it before this point.
  HD_ASSIGN_OR_RETURN(PgConnection conn,
                      PgConnection::Connect(options.target, "hyperdump restore"));
  HD_RETURN_IF_ERROR(CheckBinaryDataFits(input, conn.server_version()));  // before --clean
  HD_ASSIGN_OR_RETURN(std::optional<ledger::State> state,
                      PrepareTarget(conn, options, schema, input.archive_id));
  std::string warning;
  HD_RETURN_IF_ERROR(CheckTimescaleVersion(conn, input.timescaledb_version,
                                           options.allow_version_mismatch, &warning));
  if (!warning.empty()) notes.Add(warning);
  const int64_t maintenance_work_mem = NoteSettingsAdvice(conn, input, notes);

  // 3. Roles first (--roles).
  if (options.roles) HD_RETURN_IF_ERROR(RestoreArchiveRoles(conn, source, notes));

  // 4. Phase 1: the TimescaleDB window (extension, pre_restore) committed
  //    before any worker connects; post_restore on every way out from here.
  //    Then the ledger of this restore, unless resuming one.
  std::unique_ptr<TimescaleWindow> window;
  if (!input.timescaledb_version.empty()) {
    observer.OnPhase("pre_restore");
    HD_ASSIGN_OR_RETURN(
        window, TimescaleWindow::Open(
                    options.target, schema.timescale_create_sql,
                    options.allow_version_mismatch ? std::string() : input.timescaledb_version));
  }
  if (!state) {
    HD_RETURN_IF_ERROR(ledger::Create(conn, input.archive_id));
    state.emplace();
    state->archive_id = input.archive_id;
  }

  // 5. Phases 2-7: the job graph on N connections.
  SessionPool sessions(options.target, WorkerSetup(schema.script, window != nullptr), options.jobs);
  Status ran = RunJobGraph(options, source, input, schema, maintenance_work_mem, state->done,
                           sessions, interrupt, sink, observer, summary);
  if (!ran.ok()) {
    // The window closes on the way out, starting the target's scheduler:
    // its jobs must not run on a half-restored database.
    if (window) PauseJobsOfUnfinishedRestore(options.target, notes);
    return ran;
  }

  // 6. Finish. Phase 6, leave restore mode: the jobs' schedules first
  //    (post_restore starts the scheduler, which would run every job without
  //    a bgw_job_stat row at once), then post_restore. Then the materialized
  //    views, refreshed now that TimescaleDB reads every row; then drop the
  //    ledger (a synchronous commit, so everything before it is durable when
  //    we report success).
  observer.OnPhase(window ? "post_restore" : "finish");
  if (window) {
    HD_RETURN_IF_ERROR(ReschedulePausedJobs(conn, state->done));
    HD_RETURN_IF_ERROR(RestoreJobStats(conn, input.timescaledb_job_stats));
    HD_RETURN_IF_ERROR(window->Close());
  }
  HD_ASSIGN_OR_RETURN(int refreshed, RefreshMaterializedViews(options.target, schema.script,
                                                              state->done, interrupt));
  summary.schema_items += refreshed;  // not scheduler jobs: counted as the items they are
  if (options.before_finish) HD_RETURN_IF_ERROR(options.before_finish(conn, input.archive_id));
  return DropLedger(conn, options.target);
}

}  // namespace hyperdump::engine
