#include "engine/migrate_resume.h"

#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "engine/archive_layout.h"
#include "engine/pg/local_files.h"
#include "engine/restore/ledger.h"
#include "engine/restore/restore.h"
#include "engine/restore/restore_checks.h"
#include "engine/timescaledb/timescale_jobs.h"
#include "format/live.h"
#include "format/manifest.h"
#include "format/reader.h"
#include "format/seal_journal.h"
#include "format/sink.h"
#include "format/writer.h"

namespace hyperdump::engine {

namespace fs = std::filesystem;

namespace {

std::string FinishRecordPath(const std::string& dir) {
  return (fs::path(dir) / format::kLocalDir / "migrated.json").string();
}

}  // namespace

bool HasManifest(const std::string& dir) {
  std::error_code ec;
  return fs::exists(fs::path(dir) / format::kManifestName, ec);
}

Result<DatabaseIdentity> IdentifyDatabase(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(PgResult r, conn.Exec("SELECT d.oid::text || ' ' || d.datname, "
                                            "pg_catalog.pg_postmaster_start_time()::text "
                                            "FROM pg_catalog.pg_database d "
                                            "WHERE d.datname = pg_catalog.current_database()"));
  if (r.rows() == 0) return DatabaseIdentity{};
  return DatabaseIdentity{r.GetString(0, 0), r.GetString(0, 1)};
}

Status RecordFinished(const std::string& dir, PgConnection& target, const std::string& archive_id,
                      const nlohmann::json& extra) {
  HD_ASSIGN_OR_RETURN(DatabaseIdentity identity, IdentifyDatabase(target));
  const fs::path local = fs::path(dir) / format::kLocalDir;
  std::error_code ec;
  fs::create_directories(local, ec);
  if (ec) return IoError("cannot create " + local.string() + ": " + ec.message());
  fs::permissions(local, fs::perms::owner_all, ec);
  const std::string path = FinishRecordPath(dir);
  const std::string temp = path + format::kTempSuffix;
  fs::remove(temp, ec);
  nlohmann::json record = {
      {"archive_id", archive_id}, {"target", identity.database}, {"finished_at", format::NowUtc()}};
  record.update(extra);
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::FileSink> sink, format::FileSink::Create(temp));
  HD_RETURN_IF_ERROR(sink->Write(record.dump(2) + "\n"));
  HD_RETURN_IF_ERROR(sink->Sync());
  HD_RETURN_IF_ERROR(sink->Close());
  fs::rename(temp, path, ec);
  if (ec) return IoError("cannot rename " + temp + ": " + ec.message());
  return format::SyncDirectory(local.string());
}

RestoreOptions MigrationRestoreOptions(const MigrateOptions& o, nlohmann::json extra) {
  RestoreOptions r = o.restore;
  r.archive_dir = o.dump.dir;
  r.before_finish = [dir = o.dump.dir, extra = std::move(extra)](PgConnection& target,
                                                                 const std::string& archive_id) {
    return RecordFinished(dir, target, archive_id, extra);
  };
  return r;
}

namespace {

// After a migration that died: the source's jobs its dump paused are
// rescheduled (as `hyperdump resume-jobs` does), whatever else happens. A
// failure only warns, naming the command that repairs it.
void RescheduleSourceJobs(const MigrateOptions& o, RunObserver& observer) {
  std::error_code ec;
  if (!fs::exists(fs::path(o.dump.dir) / layout::kPausedJobsBlob, ec)) return;
  Result<PgConnection> source = PgConnection::Connect(o.dump.source, "hyperdump migrate");
  Status s = source.ok() ? ResumeJobsPausedBy(*source, o.dump.dir).status() : source.status();
  if (!s.ok()) {
    observer.OnWarning(
        "the TimescaleDB jobs the interrupted dump paused on the source could not "
        "be rescheduled (" +
        s.message() + "): run hyperdump resume-jobs " + o.dump.dir + " -d SOURCE");
  }
}

// True when local/migrated.json says archive `archive_id` finished the
// target (`target_uri`), whose ledger is gone: the migration ended and only
// its process was lost.
Result<bool> FinishedBefore(const std::string& dir, const std::string& target_uri,
                            const std::string& archive_id) {
  std::error_code ec;
  if (!fs::exists(FinishRecordPath(dir), ec)) return false;
  HD_ASSIGN_OR_RETURN(PgConnection target, PgConnection::Connect(target_uri, "hyperdump migrate"));
  HD_ASSIGN_OR_RETURN(std::optional<ledger::State> state, ledger::Load(target));
  if (state) return false;  // unfinished: the ledger decides
  HD_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(FinishRecordPath(dir)));
  nlohmann::json record = nlohmann::json::parse(text, nullptr, false);
  if (!record.is_object()) return false;
  HD_ASSIGN_OR_RETURN(DatabaseIdentity identity, IdentifyDatabase(target));
  return record.value("archive_id", "") == archive_id &&
         record.value("target", "") == identity.database;
}

// The archive id of a complete archive, from its manifest.
Result<std::string> CompleteArchiveId(const std::string& dir) {
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::ArchiveReader> archive,
                      format::ArchiveReader::Open(dir));
  return ArchiveIdOf(archive->manifest());
}

// Reads `entry`'s file to its end: OK only when it matches the entry (size,
// checksum, decoded size, lines), as a restore would find at its end.
Status VerifySealedFile(const std::string& dir, const format::FileEntry& entry) {
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::DataFileReader> reader,
                      format::DataFileReader::Open(dir, entry));
  std::string buffer(1 << 16, '\0');
  for (;;) {
    HD_ASSIGN_OR_RETURN(size_t n, reader->Read(buffer.data(), buffer.size()));
    if (n == 0) return Status::Ok();
  }
}

// The tables of `input` that will not get all their data: each keeps only
// the files `live` has sealed. "schema.name (k of n data files)"; `keys`
// gets each one's "schema.name", its partitioned parent's and its
// hypertable's (RestoreOptions::tables_lacking_rows).
std::vector<std::string> KeepSealedFiles(const format::LiveArchive& live, RestoreInput& input,
                                         std::set<std::string>* keys) {
  std::vector<std::string> lacking;
  auto keep = [&live](std::vector<const format::FileEntry*>& files) {
    const size_t planned = files.size();
    std::erase_if(files, [&live](const format::FileEntry* f) { return !live.IsSealed(f->name); });
    return planned;
  };
  for (RestoreTable& t : input.tables) {
    const size_t planned = keep(t.files);
    if (t.files.size() < planned) {
      lacking.push_back(t.Key() + " (" + std::to_string(t.files.size()) + " of " +
                        std::to_string(planned) + " data files)");
      for (const std::string& key : {t.Key(), t.parent, t.hypertable}) {
        if (!key.empty()) keys->insert(key);
      }
    }
    t.bytes = 0;
    for (const format::FileEntry* f : t.files) t.bytes += f->uncompressed_bytes;
  }
  const size_t planned = keep(input.large_object_files);
  if (input.large_object_files.size() < planned) {
    lacking.push_back("large objects (" + std::to_string(input.large_object_files.size()) + " of " +
                      std::to_string(planned) + " data files)");
  }
  return lacking;
}

// --resume --partial on an archive whose dump side died: the snapshot is
// gone, so nothing can be added to what the dump sealed. The target gets
// exactly that: each file the seal journal names, once verified, through
// restore's ledger (so what the dead run loaded is not loaded twice); the
// foreign keys are added NOT VALID, since rows they point to may be missing;
// the tables left without all their data are named, in the output and in
// local/migrated.json.
Status ResumePartial(const MigrateOptions& o, const std::atomic<bool>& interrupt, MigrateSide side,
                     MigrateSummary* summary) {
  const std::string& dir = o.dump.dir;
  const std::string again = "start again with the same command and --clean instead of --resume";
  Result<format::SealedFiles> journal = format::ReadSealJournal(dir);
  if (!journal.ok() && journal.status().code() == StatusCode::kNotFound) {
    return Status(StatusCode::kIncomplete,
                  "--resume --partial: the dump side stopped before it sealed any file in " + dir +
                      " (no " + format::kLocalDir + "/" + format::kSealJournalName +
                      "), so there is nothing to restore: " + again);
  }
  if (!journal.ok()) return journal.status();

  // plan.json and the schema first: they name the archive, and without them
  // there is nothing to restore.
  std::map<std::string, const format::FileEntry*> blobs;
  for (const format::FileEntry& e : journal->files) {
    if (e.kind == format::FileKind::kBlob) blobs[e.name] = &e;
  }
  for (const char* blob : {layout::kPlanBlob, layout::kSchemaBlob}) {
    if (!blobs.count(blob)) {
      return Status(StatusCode::kIncomplete,
                    "--resume --partial: the dump side stopped before it sealed " +
                        std::string(blob) + " in " + dir +
                        ", so there is no schema to restore: " + again);
    }
  }
  const std::string archive_id = ArchiveId(journal->created_at, blobs[layout::kPlanBlob]->checksum);
  HD_ASSIGN_OR_RETURN(bool finished, FinishedBefore(dir, o.restore.target, archive_id));
  if (finished) {
    summary->already_finished = true;
    summary->partial = true;
    return Status::Ok();
  }

  // The sealed files that still match their entries: a file the dead
  // process renamed but the machine lost, or damaged since, is left out.
  format::LiveArchive live(dir);
  std::vector<std::string> unreadable;
  for (const format::FileEntry& e : journal->files) {
    Status ok = VerifySealedFile(dir, e);
    if (ok.ok()) {
      live.Seal(e);
    } else {
      unreadable.push_back(ok.message());
    }
  }
  live.Finish(Status(StatusCode::kIncomplete, "the dump side never sealed this file"));
  for (const char* blob : {layout::kPlanBlob, layout::kSchemaBlob}) {
    if (!live.IsSealed(blob)) {
      const std::string what = std::string(blob) + " in " + dir + " does not verify";
      return Status(StatusCode::kIncomplete,
                    "--resume --partial: " + what + ", so there is no schema to restore: " + again);
    }
  }
  HD_ASSIGN_OR_RETURN(std::string plan_text, live.ReadBlob(layout::kPlanBlob));
  std::deque<format::FileEntry> planned;  // outlives the restore below
  HD_ASSIGN_OR_RETURN(RestoreInput input,
                      PlannedRestoreInput(plan_text, dir, archive_id, &planned));
  // An extension's configuration table (TimescaleDB's catalog) short of
  // rows would leave the extension inconsistent, not merely short of data.
  for (const RestoreTable& t : input.tables) {
    if (t.extension.empty()) continue;
    for (const format::FileEntry* f : t.files) {
      if (live.IsSealed(f->name)) continue;
      return Status(StatusCode::kIncomplete,
                    "--resume --partial: the dump side stopped before it sealed the data of " +
                        t.extension + "'s catalog table " + t.Key() + " (" + f->name +
                        "), without which the extension's objects would be inconsistent: " + again);
    }
  }
  summary->partial = true;
  std::set<std::string> lacking_keys;
  summary->lacking_data = KeepSealedFiles(live, input, &lacking_keys);
  RunObserver& observer = side.observer ? *side.observer : NoRunObserver();
  for (const std::string& why : unreadable) {
    observer.OnWarning("--partial: left out a sealed file that does not verify: " + why);
  }
  if (!summary->lacking_data.empty()) {
    std::string some;
    for (size_t i = 0; i < summary->lacking_data.size() && i < 3; ++i) {
      some += (i ? ", " : "") + summary->lacking_data[i];
    }
    observer.OnWarning("--partial: " + std::to_string(summary->lacking_data.size()) +
                       " tables will lack data, e.g. " + some + " (all of them in " + dir +
                       "/local/migrated.json when the restore ends)");
  }

  RestoreOptions r =
      MigrationRestoreOptions(o, {{"partial", true}, {"lacking_data", summary->lacking_data}});
  r.tables_lacking_rows = std::move(lacking_keys);
  summary->resumed_from_archive = true;
  return RestoreFrom(r, live, std::move(input), SchemaSource{layout::kSchemaBlob, "", ""},
                     interrupt, side.sink, &summary->restore, side.observer);
}

}  // namespace

Status ResumeMigration(const MigrateOptions& o, const std::atomic<bool>& interrupt,
                       MigrateSide side, MigrateSummary* summary) {
  const std::string& dir = o.dump.dir;
  RescheduleSourceJobs(o, side.observer ? *side.observer : NoRunObserver());
  if (HasManifest(dir)) {
    HD_ASSIGN_OR_RETURN(std::string archive_id, CompleteArchiveId(dir));
    HD_ASSIGN_OR_RETURN(bool finished, FinishedBefore(dir, o.restore.target, archive_id));
    if (finished) {
      summary->already_finished = true;
      return Status::Ok();
    }
    summary->resumed_from_archive = true;
    return RunRestore(MigrationRestoreOptions(o), interrupt, side.sink, &summary->restore,
                      side.observer);
  }
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    return NotFound("--resume: archive directory " + dir +
                    " does not exist, so there is no migration to resume: start one without "
                    "--resume");
  }
  if (o.partial) return ResumePartial(o, interrupt, side, summary);
  return Status(StatusCode::kIncomplete,
                "--resume: the dump side of this migration did not finish (" + dir +
                    " has no manifest.json), and the snapshot it was reading ended with it: "
                    "the target cannot be finished without mixing two snapshots of the "
                    "source. Either start again with the same command and --clean instead of "
                    "--resume (it drops what the target received and rewrites " +
                    dir +
                    "), or restore what the dump completed with --resume --partial (the "
                    "tables it had not finished stay without all their data, and are named)");
}

}  // namespace hyperdump::engine
