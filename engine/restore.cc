#include "engine/restore.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <regex>

#include "engine/archive_layout.h"
#include "engine/ledger.h"
#include "engine/local_files.h"
#include "engine/matview_refresh.h"
#include "engine/pg.h"
#include "engine/restore_checks.h"
#include "engine/restore_jobs.h"
#include "engine/run_phases.h"
#include "engine/schema_restore.h"
#include "engine/session_pool.h"
#include "engine/subprocess.h"
#include "engine/timescale_jobs.h"
#include "engine/timescale_window.h"
#include "format/reader.h"
#include "scheduler/runner.h"

namespace hyperdump::engine {

namespace {

// The archive's CREATE EXTENSION statement for TimescaleDB (the schema it
// goes to), or empty.
std::string TimescaleCreateSql(const SchemaScript& schema) {
  for (const SchemaItem& item : schema.items) {
    if (item.desc == "EXTENSION" && item.toc_line.rfind("- timescaledb ", 0) == 0) {
      static const std::regex create(R"(CREATE EXTENSION[^;]*;)");
      std::smatch m;
      if (std::regex_search(item.sql, m, create)) return m.str();
    }
  }
  return "";
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

}  // namespace

Status RunRestore(const RestoreOptions& options, const std::atomic<bool>& interrupt,
                  scheduler::EventSink* sink, RestoreSummary* summary, RunObserver* observer_in) {
  RunObserver& observer = observer_in ? *observer_in : NoRunObserver();
  // Server notices of every connection below reach the observer, never the
  // terminal raw (declared first: it outlives the connections).
  NoticeForwarder notices(observer);
  observer.OnPhase("checks");
  if (options.jobs < 1) return InvalidArgument("--jobs must be at least 1");

  // 1. The archive: complete (manifest present), a version we read, its plan
  //    and schema consistent.
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::ArchiveReader> archive,
                      format::ArchiveReader::Open(options.archive_dir));
  HD_ASSIGN_OR_RETURN(RestoreInput input, ReadRestoreInput(*archive));
  HD_ASSIGN_OR_RETURN(std::string schema_bytes, archive->ReadBlob(layout::kSchemaBlob));
  return RestoreFrom(options, *archive, input, schema_bytes, interrupt, sink, summary, &observer);
}

Status RestoreFrom(const RestoreOptions& options, const format::ArchiveSource& source,
                   RestoreInput input, const std::string& schema_bytes,
                   const std::atomic<bool>& interrupt, scheduler::EventSink* sink,
                   RestoreSummary* summary, RunObserver* observer_in) {
  RestoreSummary local;
  if (!summary) summary = &local;
  RunObserver& observer = observer_in ? *observer_in : NoRunObserver();
  const format::ArchiveSource* archive = &source;
  auto note = [&](const std::string& text) {  // shown now, and kept for the caller
    observer.OnWarning(text);
    summary->notes.push_back(text);
  };
  HD_ASSIGN_OR_RETURN(TempDir temp, TempDir::Create("hyperdump-restore"));  // private, 0700
  const std::string schema_path = temp.path() + "/" + layout::kSchemaBlob;
  HD_RETURN_IF_ERROR(WritePrivateFile(schema_path, schema_bytes));
  SchemaOptions schema_options{options.pg_bindir.empty() ? PgBinDir() : options.pg_bindir,
                               options.no_owner, options.no_privileges, options.no_tablespaces};
  HD_ASSIGN_OR_RETURN(SchemaScript schema, LoadSchemaScript(schema_path, schema_options));
  const std::string timescale_create_sql = TimescaleCreateSql(schema);
  // Selective restore (-n, -t, -L, --section, -a...): only what pg_restore
  // would restore of it, chunks with their hypertable (restore_selection.h).
  HD_ASSIGN_OR_RETURN(SelectionOutcome selection,
                      SelectForRestore(options.selection, options.clean, schema_path,
                                       schema_options.pg_bindir, input, schema));
  for (const std::string& text : selection.notes) note(text);

  // 2. The target: reachable; empty, or holding the ledger of this very
  //    archive's unfinished restore (--resume), or cleaned (--clean).
  HD_ASSIGN_OR_RETURN(PgConnection conn,
                      PgConnection::Connect(options.target, "hyperdump restore"));
  HD_RETURN_IF_ERROR(CheckBinaryDataFits(input, conn.server_version()));  // before --clean
  // A killed restore's sessions may still be finishing their statements.
  HD_RETURN_IF_ERROR(WaitForEarlierRestoreSessions(conn, 30000));
  HD_ASSIGN_OR_RETURN(std::optional<ledger::State> state, ledger::Load(conn));
  if (options.clean) {
    HD_ASSIGN_OR_RETURN(std::string drops, LoadCleanScript(schema_path, schema_options));
    HD_RETURN_IF_ERROR(CleanTarget(conn, drops));
    HD_RETURN_IF_ERROR(ledger::Drop(conn));
    state.reset();
  } else if (state && !options.resume) {
    return Status(StatusCode::kAlreadyExists,
                  "target database \"" + conn.database() +
                      "\" holds an unfinished restore (schema _hyperdump): finish it with "
                      "--resume, or start over with --clean");
  } else if (state && state->archive_id != input.archive_id) {
    return Status(StatusCode::kInvalidArgument,
                  "--resume: the unfinished restore in \"" + conn.database() +
                      "\" came from another archive (" + state->archive_id + ", this one is " +
                      input.archive_id + "): resume with that archive, or start over with --clean");
  } else if (!state && !selection.selective) {
    // --resume with nothing to resume starts afresh on an empty target.
    // (A selective restore, as pg_restore, may go into any database.)
    HD_RETURN_IF_ERROR(CheckTargetEmpty(conn, options.resume));
  }
  std::string warning;
  HD_RETURN_IF_ERROR(CheckTimescaleVersion(conn, input.timescaledb_version,
                                           options.allow_version_mismatch, &warning));
  if (!warning.empty()) note(warning);

  // Roles first (cluster-wide, outside the restore proper).
  if (options.roles) {
    auto roles_sql = archive->ReadBlob(layout::kRolesBlob);
    if (!roles_sql.ok()) return roles_sql.status().WithContext("--roles: the archive has no roles");
    HD_ASSIGN_OR_RETURN(std::vector<std::string> skipped, RestoreRoles(conn, *roles_sql));
    for (const std::string& r : skipped) {
      note("role " + QuoteIdent(r) + " already exists on the target: left as is");
    }
  }

  // 3. Phase 1: the TimescaleDB window (extension, pre_restore) committed
  //    before any worker connects; post_restore on every way out from here.
  std::unique_ptr<TimescaleWindow> window;
  if (!input.timescaledb_version.empty()) {
    observer.OnPhase("pre_restore");
    HD_ASSIGN_OR_RETURN(
        window, TimescaleWindow::Open(
                    options.target, timescale_create_sql,
                    options.allow_version_mismatch ? std::string() : input.timescaledb_version));
  }
  if (!state) {
    HD_RETURN_IF_ERROR(ledger::Create(conn, input.archive_id));
    state.emplace();
    state->archive_id = input.archive_id;
  }

  // 4. Phases 2-7 as one job graph on N connections: schema, catalog, data
  //    largest first, each table's indexes as soon as its data is in, foreign
  //    keys, the rest, ANALYZE.
  // Workers commit asynchronously: a job's ledger row commits with its data,
  // so a crash loses both together and --resume redoes the job; the final
  // ledger drop is a synchronous commit that makes all of them durable.
  std::string setup = schema.preamble + "SET synchronous_commit = off;\n" +
                      (window ? std::string(kRestoringSetting) + ";\n" : "");
  SessionPool sessions(options.target, setup, options.jobs);
  RestoreWork work;
  work.archive = archive;
  work.input = &input;
  work.schema = &schema;
  work.done = &state->done;
  work.sessions = &sessions;
  work.slots = options.jobs;
  work.analyze = options.analyze;
  work.verbose = options.verbose;
  work.large_objects = {options.no_owner, options.no_privileges, options.clean};
  work.append_only = selection.append_only;
  work.load_order = selection.load_order;
  scheduler::JobGraph graph;
  HD_RETURN_IF_ERROR(BuildRestoreGraph(work, graph));
  ReportEstimate(observer, RestoreEstimate(input, state->done));
  RestorePhaseSink phases(sink, observer, graph);  // names the graph's phases
  scheduler::RunOptions run;
  run.slots = options.jobs;
  run.max_attempts = 5;
  run.interrupt = &interrupt;
  run.sink = &phases;
  run.on_cancel_slot = [&sessions](int slot) { sessions.Cancel(slot); };
  scheduler::RunReport report = scheduler::Run(graph, run);
  summary->rows = work.rows;
  summary->bytes = work.bytes;
  summary->jobs_run = work.committed;
  summary->jobs_skipped = work.skipped;
  summary->schema_items = work.schema_items;
  if (!report.ok()) {
    if (interrupt.load())
      return Cancelled("interrupted: run the same command with --resume to finish");
    return Unfinished(report);
  }

  // 5. Phase 6: leave restore mode.
  observer.OnPhase(window ? "post_restore" : "finish");
  if (window) {
    // The jobs' schedules first: post_restore starts the scheduler, which
    // would run every job without a bgw_job_stat row at once.
    HD_RETURN_IF_ERROR(RestoreJobStats(conn, input.timescaledb_job_stats));
    HD_RETURN_IF_ERROR(window->Close());
  }
  // 6. Materialized views refreshed, now that TimescaleDB reads every row;
  //    then drop the ledger (a synchronous commit, so everything before it
  //    is durable when we report success).
  HD_ASSIGN_OR_RETURN(int refreshed,
                      RefreshMaterializedViews(options.target, schema, state->done, interrupt));
  summary->schema_items += refreshed;  // not scheduler jobs: counted as the items they are
  if (options.before_finish) HD_RETURN_IF_ERROR(options.before_finish(conn, input.archive_id));
  return ledger::Drop(conn);
}

}  // namespace hyperdump::engine
