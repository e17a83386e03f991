// `hyperdump restore`: rebuilds a database from an archive (issue 7).
//
// RestoreFrom (restore.cc) reads as the list of its passes: the schema, the
// target, roles, the TimescaleDB window, the job graph, finish. Each lives
// in its own file: restore_checks, schema_restore, timescale_window,
// restore_jobs (the graph, one function per phase) with restore_runner (a
// job's ledgered transaction) and restore_load (COPY), ledger,
// matview_refresh. Nothing is written to the target before the archive and
// the target have passed every check.
#ifndef HYPERDUMP_ENGINE_RESTORE_RESTORE_H_
#define HYPERDUMP_ENGINE_RESTORE_RESTORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/restore/restore_checks.h"
#include "engine/restore/restore_selection.h"
#include "engine/run_observer.h"
#include "format/source.h"
#include "scheduler/events.h"

namespace hyperdump::engine {

class PgConnection;

struct RestoreOptions {
  std::string target;       // libpq conninfo or URI of the target database
  std::string archive_dir;  // a complete archive written by `hyperdump dump`
  int jobs = 1;             // connections, i.e. jobs running at once
  // Drop the archive's objects (DROP ... IF EXISTS, dependents first) and any
  // unfinished restore's ledger before restoring; the target need not be empty.
  bool clean = false;
  bool no_owner = false;                // as pg_restore: no ALTER ... OWNER
  bool no_privileges = false;           // as pg_restore: no GRANT/REVOKE
  bool no_tablespaces = false;          // as pg_restore: every object in the default tablespace
  bool roles = false;                   // create the archive's roles the target lacks
  bool resume = false;                  // finish an interrupted restore (its ledger)
  bool allow_version_mismatch = false;  // restore across TimescaleDB versions
  bool analyze = true;                  // ANALYZE the restored tables at the end
  // --index-workers: max_parallel_maintenance_workers of each key and index
  // build. -1 (auto): the slots idle when the build starts, with their share
  // of maintenance_work_mem (ParallelIndexBuild in target_settings.h).
  int index_workers = -1;
  bool verbose = false;  // one line per finished job on stderr
  // --cpu-log: one JSON line per job with its wall time and its server and
  // client CPU seconds (engine/cpu_log.h). Empty: none.
  std::string cpu_log;
  // pg_restore's -n/-N/-t/-I/--section/-s/-a/-L (engine/restore/restore_selection.h);
  // empty: the whole archive.
  RestoreSelection selection;
  std::string pg_bindir;  // pg_restore's directory; empty: PgBinDir() (engine/pg/subprocess.h)
  // Tables that will not get all their rows ("schema.name", with each one's
  // partitioned parent and hypertable), for a restore of part of the data
  // (`migrate --resume --partial`): a foreign key on or to one of them is
  // added NOT VALID or, where PostgreSQL cannot do that (on a partitioned
  // table), not added; a note says which.
  std::set<std::string> tables_lacking_rows;
  // Called once, when the target is complete and out of restore mode, just
  // before the ledger is dropped (the restore's last act), with the restore's
  // own connection and the archive id. `hyperdump migrate` records there
  // which target it finished, so that a kill after the drop is recognised by
  // --resume. A failure fails the restore; the ledger stays (--resume
  // finishes). Empty: nothing.
  std::function<Status(PgConnection& target, const std::string& archive_id)> before_finish;
};

struct RestoreSummary {
  int64_t rows = 0;    // rows loaded by this run
  uint64_t bytes = 0;  // decoded COPY bytes loaded by this run
  // Jobs as the scheduler (and so the progress display and the summary)
  // counts them: jobs_run + jobs_skipped = the summary's "jobs done".
  int jobs_run = 0;                // jobs whose work this run committed
  int jobs_skipped = 0;            // jobs a previous run had committed (--resume)
  int schema_items = 0;            // schema statements (pg_restore TOC items) run
  std::vector<std::string> notes;  // warnings for the user (skipped roles, overrides)
};

// Restores `options.archive_dir` into `options.target`. `interrupt` (Ctrl-C)
// stops the run cleanly; TimescaleDB's post_restore runs on every exit path.
// On failure the message lists the jobs that did not complete.
// `sink` (may be null) receives the scheduler's events (progress, timeline)
// from worker threads, as for RunDump; `observer` (may be null) the phases,
// the estimate and each note as it happens (engine/run_phases.h).
Status RunRestore(const RestoreOptions& options, const std::atomic<bool>& interrupt,
                  scheduler::EventSink* sink = nullptr, RestoreSummary* summary = nullptr,
                  RunObserver* observer = nullptr);

// Where the restore finds the archive's schema, which pg_restore reads.
struct SchemaSource {
  // A hyperdump archive's schema: the blob of this name in the archive
  // restored from (restore copies it, a piece at a time, to a private file) ...
  std::string blob;
  // Or an archive pg_restore reads where it is (a pg_dump directory, whose
  // indexes and keys are placed on their tables by their SQL) ...
  std::string path;
  std::string use_list;  // ... with the -L list of its schema items
};

// The restore proper, from an archive already read: `source` is complete
// (RunRestore) or still being written (`hyperdump migrate`: its reads wait
// for each file to be sealed), `input` its plan and files (the restore's
// own copy, which options.selection filters), `schema` its schema.
// `options.archive_dir` is not read. Checks the target, then runs every restore phase as RunRestore
// does.
Status RestoreFrom(const RestoreOptions& options, const format::ArchiveSource& source,
                   RestoreInput input, const SchemaSource& schema,
                   const std::atomic<bool>& interrupt, scheduler::EventSink* sink,
                   RestoreSummary* summary, RunObserver* observer);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_RESTORE_H_
