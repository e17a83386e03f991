// `hyperdump migrate`: dump and restore at once, source to target, through
// the archive. The dump writes the archive as `hyperdump dump` does; the
// restore reads it as it grows (format::LiveArchive), starting with the
// schema as soon as plan.json is sealed and loading each data file as soon
// as it is sealed. The archive on disk is the only buffer between the two
// sides, and the resume point: once the dump side has finished, `migrate
// --resume` (or `restore --resume DIR`) finishes the target from it.
#ifndef HYPERDUMP_ENGINE_MIGRATE_H_
#define HYPERDUMP_ENGINE_MIGRATE_H_

#include <atomic>

#include "base/status.h"
#include "engine/dump/dump.h"
#include "engine/restore/restore.h"
#include "engine/run_observer.h"
#include "scheduler/events.h"

namespace hyperdump::engine {

struct MigrateOptions {
  // The dump side: source, dir, jobs (--dump-jobs), selection and the rest.
  // `writer` is set by RunMigrate.
  DumpOptions dump;
  // The restore side: target, jobs (--restore-jobs), clean, resume, no_owner,
  // no_privileges, roles, analyze... `archive_dir` is set by RunMigrate.
  RestoreOptions restore;
  // With restore.resume, for an archive whose dump side did not finish:
  // restore what it had sealed instead of refusing (engine/migrate_resume.h).
  bool partial = false;
};

struct MigrateSummary {
  DumpSummary dump;
  RestoreSummary restore;
  bool resumed_from_archive = false;  // --resume finished the target from a complete archive
  // --resume found the target finished by this very migration (killed after
  // its restore side ended): nothing was done.
  bool already_finished = false;
  // --resume --partial restored (or, with already_finished, had restored)
  // what an unfinished dump had sealed; `lacking_data` names each table left
  // without all its data: "schema.name (k of n data files)".
  bool partial = false;
  std::vector<std::string> lacking_data;
};

// What each side reports to: the scheduler's events and the phases.
struct MigrateSide {
  scheduler::EventSink* sink = nullptr;  // may be null
  RunObserver* observer = nullptr;       // may be null
};

// Runs the migration. A failure of either side stops the other: the dump
// then leaves an INCOMPLETE archive with the source's jobs rescheduled, the
// restore leaves TimescaleDB out of restore mode, and the error says what
// to run next. `interrupt` (Ctrl-C) stops both.
// With options.restore.resume: finishes the target from the complete archive
// in options.dump.dir; an archive whose dump did not finish is refused (its
// snapshot is gone), with the ways out, unless options.partial asks for what
// it holds (engine/migrate_resume.h).
Status RunMigrate(const MigrateOptions& options, const std::atomic<bool>& interrupt,
                  MigrateSide dump_side, MigrateSide restore_side, MigrateSummary* summary);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_MIGRATE_H_
