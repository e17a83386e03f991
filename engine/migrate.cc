#include "engine/migrate.h"

#include <chrono>
#include <deque>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/archive_layout.h"
#include "engine/migrate_resume.h"
#include "engine/pg/local_files.h"
#include "engine/pg/pg.h"
#include "engine/restore/fault_injector.h"
#include "engine/restore/ledger.h"
#include "engine/restore/restore_checks.h"
#include "engine/timescaledb/timescale_jobs.h"
#include "format/live.h"
#include "format/manifest.h"
#include "format/reader.h"
#include "format/seal_journal.h"
#include "format/sink.h"
#include "format/writer.h"

namespace hyperdump::engine {

namespace {

namespace fs = std::filesystem;

Status CheckConnected(const MigrateOptions& o, PgConnection& source, PgConnection& target,
                      RunObserver& observer);

// 1. Both servers reachable; the target not the source; empty, or --clean;
//    TimescaleDB versions equal; binary COPY only within one major version.
Status CheckBothSides(const MigrateOptions& o, RunObserver& observer) {
  Result<PgConnection> source = PgConnection::Connect(o.dump.source, "hyperdump migrate");
  if (!source.ok()) return source.status().WithContext("the source (-d)");
  Result<PgConnection> target = PgConnection::Connect(o.restore.target, "hyperdump migrate");
  if (!target.ok()) return target.status().WithContext("the target (--to)");
  return CheckConnected(o, *source, *target, observer);
}

Status CheckConnected(const MigrateOptions& o, PgConnection& source, PgConnection& target,
                      RunObserver& observer) {
  HD_ASSIGN_OR_RETURN(DatabaseIdentity source_id, IdentifyDatabase(source));
  HD_ASSIGN_OR_RETURN(DatabaseIdentity target_id, IdentifyDatabase(target));
  if (source_id.server == target_id.server && source_id.database == target_id.database) {
    return InvalidArgument("--to names the source database \"" + source.database() +
                           "\" itself: give another database as the target");
  }
  HD_ASSIGN_OR_RETURN(std::optional<ledger::State> state, ledger::Load(target));
  if (state && !o.restore.clean) {
    return Status(StatusCode::kAlreadyExists,
                  "target database \"" + target.database() +
                      "\" holds an unfinished restore (schema _hyperdump): finish it with "
                      "--resume (when its archive is complete), or start over with --clean");
  }
  if (!state && !o.restore.clean) HD_RETURN_IF_ERROR(CheckTargetEmpty(target));
  HD_ASSIGN_OR_RETURN(
      PgResult ts,
      source.Exec("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'timescaledb'"));
  std::string warning;
  HD_RETURN_IF_ERROR(CheckTimescaleVersion(target, ts.rows() > 0 ? ts.GetString(0, 0) : "",
                                           o.restore.allow_version_mismatch, &warning));
  if (!warning.empty()) observer.OnWarning(warning);
  if (o.dump.copy_format != CopyFormat::kText &&
      source.server_version() / 10000 != target.server_version() / 10000) {
    return InvalidArgument(
        "binary COPY data moves only between servers of one PostgreSQL major version (source " +
        std::to_string(source.server_version() / 10000) + ", target " +
        std::to_string(target.server_version() / 10000) + "): use --copy-format text");
  }
  return Status::Ok();
}

// 2. The archive directory: new or empty; with --clean, the remains of an
//    earlier migration whose dump did not finish (no manifest) are removed.
//    A complete archive is never overwritten.
Status PrepareArchiveDir(const std::string& dir, bool clean) {
  std::error_code ec;
  if (!fs::exists(dir, ec) || fs::is_empty(dir, ec)) return Status::Ok();
  if (HasManifest(dir)) {
    return Status(StatusCode::kAlreadyExists,
                  "archive directory " + dir +
                      " holds a complete archive: finish its migration with --resume, or "
                      "choose another -f DIR");
  }
  if (!clean) return Status::Ok();  // the dump refuses it, naming the fix
  bool ours = fs::exists(fs::path(dir) / "INCOMPLETE", ec) ||
              fs::exists(fs::path(dir) / layout::kPlanBlob, ec) ||
              fs::exists(fs::path(dir) / layout::kPausedJobsBlob, ec) ||
              fs::exists(fs::path(dir) / layout::kDataDir, ec) ||
              fs::exists(format::SealJournalPath(dir), ec);
  if (!ours) return Status::Ok();
  for (const auto& e : fs::directory_iterator(dir, ec)) fs::remove_all(e.path(), ec);
  if (ec) return IoError("--clean: cannot empty " + dir + ": " + ec.message());
  return Status::Ok();
}

// 4. The restore side: from plan.json (sealed right after the schema) on,
//    every file is read from `live` as soon as the dump seals it.
Status RestoreSide(const MigrateOptions& o, const format::LiveArchive& live,
                   const std::string& created_at, const std::atomic<bool>& stop, MigrateSide side,
                   RestoreSummary* summary, std::atomic<bool>* began) {
  HD_ASSIGN_OR_RETURN(const format::FileEntry* plan_entry, live.Wait(layout::kPlanBlob));
  HD_ASSIGN_OR_RETURN(std::string plan_text, live.ReadBlob(layout::kPlanBlob));
  std::deque<format::FileEntry> planned;  // outlives the restore below
  HD_ASSIGN_OR_RETURN(RestoreInput input,
                      PlannedRestoreInput(plan_text, live.dir(),
                                          ArchiveId(created_at, plan_entry->checksum), &planned));
  CurrentFaultInjector().BeforeMigrateRestoreWrites();
  *began = true;  // from here on the target may be written
  return RestoreFrom(MigrationRestoreOptions(o), live, std::move(input),
                     SchemaSource{layout::kSchemaBlob, "", ""}, stop, side.sink, summary,
                     side.observer);
}

}  // namespace

Status RunMigrate(const MigrateOptions& o, const std::atomic<bool>& interrupt,
                  MigrateSide dump_side, MigrateSide restore_side, MigrateSummary* summary) {
  MigrateSummary local;
  if (!summary) summary = &local;
  RunObserver& observer = restore_side.observer ? *restore_side.observer : NoRunObserver();
  NoticeForwarder notices(observer);  // the sides' own forwarders nest inside it
  if (o.restore.resume) return ResumeMigration(o, interrupt, restore_side, summary);

  // 1. Checks before any work, on both servers.
  observer.OnPhase("checks");
  HD_RETURN_IF_ERROR(CheckBothSides(o, observer));
  // 2. The archive directory.
  HD_RETURN_IF_ERROR(PrepareArchiveDir(o.dump.dir, o.restore.clean));

  // 3. The dump on its own thread; each sealed file is announced to `live`.
  //    Either side's failure stops the other; Ctrl-C stops both.
  format::LiveArchive live(o.dump.dir);
  DumpOptions d = o.dump;
  d.writer.created_at = format::NowUtc();
  // Each sealed file is also noted in local/sealed.jsonl, which lets
  // `--resume --partial` restore what a dump that dies had completed. A
  // journal that cannot be written only warns: the migration itself goes on.
  format::SealJournal journal(o.dump.dir, d.writer.created_at);
  std::atomic<bool> journal_failed{false};
  d.writer.on_sealed = [&](const format::FileEntry& e) {
    if (!journal_failed.load()) {
      Status noted = journal.Append(e);
      if (!noted.ok() && !journal_failed.exchange(true)) {
        observer.OnWarning("the seal journal stopped (" + noted.message() +
                           "): if the dump side dies, --resume --partial will not see the "
                           "files sealed from now on");
      }
    }
    live.Seal(e);
  };
  std::atomic<bool> stop_dump{false}, stop_restore{false}, dump_ended{false};
  Status dump_status;
  std::thread dump_thread([&] {
    dump_status = RunDump(d, stop_dump, dump_side.sink, &summary->dump, dump_side.observer);
    live.Finish(dump_status);
    if (!dump_status.ok()) stop_restore = true;
    dump_ended = true;
  });
  std::atomic<bool> restore_ended{false}, restore_began{false};
  std::thread watcher([&] {
    while (!(dump_ended.load() && restore_ended.load())) {
      if (interrupt.load()) {
        stop_dump = true;
        stop_restore = true;
        live.Stop(Cancelled("interrupted"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  // 4. The restore, reading the archive as it grows.
  Status restore_status = RestoreSide(o, live, d.writer.created_at, stop_restore, restore_side,
                                      &summary->restore, &restore_began);
  if (!restore_status.ok()) {
    stop_dump = true;
    live.Stop(restore_status);
  }
  restore_ended = true;
  dump_thread.join();
  watcher.join();
  if (dump_status.ok()) {  // the manifest lists what the journal noted
    std::error_code ec;
    fs::remove(format::SealJournalPath(o.dump.dir), ec);
  }

  // 5. The outcome, and what to run next.
  const std::string again = "fix the cause, then start again with the same command and --clean";
  if (interrupt.load()) {
    if (dump_status.ok()) {
      return Cancelled("migration interrupted; the archive " + o.dump.dir +
                       " is complete: run the same command with --resume to finish the target");
    }
    return Cancelled("migration interrupted before the dump side finished, so the archive " +
                     o.dump.dir + " is incomplete: start again with the same command and --clean");
  }
  if (!dump_status.ok() && (restore_status.ok() || stop_restore.load())) {
    if (restore_status.ok()) {
      return dump_status.WithContext(
          "the target is restored and every file it loaded was verified, but the archive " +
          o.dump.dir + " could not be completed");
    }
    if (!restore_began.load()) {
      return Status(
          dump_status.code(),
          "the dump side failed: " + dump_status.message() + "; nothing was written to the target",
          dump_status.sqlstate());
    }
    return Status(dump_status.code(),
                  "the dump side failed: " + dump_status.message() +
                      "; the restore side stopped, leaving the target out of TimescaleDB restore "
                      "mode with part of the data; " +
                      again,
                  dump_status.sqlstate());
  }
  if (!restore_status.ok()) {
    if (dump_status.ok()) {
      return Status(restore_status.code(),
                    "the restore side failed: " + restore_status.message() + "; the archive " +
                        o.dump.dir +
                        " is complete: fix the cause, then run the same command with --resume",
                    restore_status.sqlstate());
    }
    return Status(restore_status.code(),
                  "the restore side failed: " + restore_status.message() +
                      "; the dump side was stopped (its archive is incomplete and the source's "
                      "jobs are rescheduled); " +
                      again,
                  restore_status.sqlstate());
  }
  return Status::Ok();
}

}  // namespace hyperdump::engine
