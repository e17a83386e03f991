// `hyperdump migrate --resume`, and the finish record both a migration and
// its resume write (engine/migrate.h is the public interface). The archive is
// the resume point:
// - complete (manifest.json): restore's ledger finishes the target from it;
// - incomplete, its dump side dead, so its snapshot gone: refused, naming
//   --clean; or, with --partial, the target gets what the dump had sealed
//   (local/sealed.jsonl), and the tables left without all their data are
//   named;
// - either way, a target this very migration already finished (the process
//   died after its last step) is recognised from local/migrated.json.
#ifndef HYPERDUMP_ENGINE_MIGRATE_RESUME_H_
#define HYPERDUMP_ENGINE_MIGRATE_RESUME_H_

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "engine/migrate.h"
#include "engine/pg/pg.h"

namespace hyperdump::engine {

// What tells one database from another. `database` is the connected
// database's OID and name, as the finish record names its target (a
// database dropped and created again under the same name is another one);
// `server` is the cluster's start time, which with `database` answers "is
// the target the source?".
struct DatabaseIdentity {
  std::string database;
  std::string server;
};
Result<DatabaseIdentity> IdentifyDatabase(PgConnection& conn);

// True when `dir` holds manifest.json: the dump side finished.
bool HasManifest(const std::string& dir);

// The restore side's last act before it drops its ledger: local/migrated.json
// names the target and the archive, plus `extra` (a --partial restore's
// list of tables lacking data), durably (temporary file, fsync, rename,
// directory fsync). Without it, a kill between the ledger's drop and the
// process's exit would leave a complete target that --resume cannot tell
// from a foreign non-empty database.
Status RecordFinished(const std::string& dir, PgConnection& target, const std::string& archive_id,
                      const nlohmann::json& extra = nlohmann::json::object());

// The restore side's options, for a migration's run and its resumes: the
// archive is options.dump.dir, and the restore ends by recording there,
// with `extra`, which target it finished (RecordFinished).
RestoreOptions MigrationRestoreOptions(const MigrateOptions& options,
                                       nlohmann::json extra = nlohmann::json::object());

// --resume (options.restore.resume): as the header comment says. The
// source's jobs the dead dump paused are rescheduled first, whatever else
// happens.
Status ResumeMigration(const MigrateOptions& options, const std::atomic<bool>& interrupt,
                       MigrateSide side, MigrateSummary* summary);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_MIGRATE_RESUME_H_
