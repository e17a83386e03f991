// What restore checks before it writes anything, and what it reads from the
// archive to plan its work (engine/archive_layout.h is the contract).
#ifndef HYPERDUMP_ENGINE_RESTORE_RESTORE_CHECKS_H_
#define HYPERDUMP_ENGINE_RESTORE_RESTORE_CHECKS_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/pg/pg.h"
#include "engine/plan/dump_plan.h"
#include "engine/plan/plan_json.h"
#include "format/reader.h"

namespace hyperdump::engine {

// One table of plan.json with the data files that fill it.
struct RestoreTable {
  std::string schema, name;
  std::string_view kind = "table";              // TableKindName: static storage, never owned
  std::string extension;                        // set for extension configuration tables
  std::string parent;                           // "schema.name" of its parent table
  std::string hypertable;                       // a chunk's hypertable: "schema.name"
  std::vector<std::string> load_after;          // "schema.name"
  std::vector<const format::FileEntry*> files;  // into the reader's manifest
  uint64_t bytes = 0;                           // decoded bytes of its files
  std::string Key() const { return schema + "." + name; }
  std::string Quoted() const { return QualifiedName(schema, name); }
};

// The archive as restore sees it. Pointers refer to the reader's manifest,
// which must outlive this value.
struct RestoreInput {
  std::vector<RestoreTable> tables;
  std::vector<SequenceInfo> sequences;
  // Data files of large objects (meta.kind "large_objects"), in name order.
  std::vector<const format::FileEntry*> large_object_files;
  std::string timescaledb_version;    // of the source; empty when it had none
  int source_server_version_num = 0;  // plan.json's server.server_version_num (0: unknown)
  std::string archive_id;             // identifies the archive for --resume
  // plan.json's "timescaledb_job_stats": the source's bgw_job_stat rows of
  // its user jobs (a JSON array), "" when the archive has none.
  std::string timescaledb_job_stats;
  // plan.json's "post_data": the table of each post-data item (empty only
  // for a plan.json without it: its indexes and keys then run after all data).
  // Moved into the schema's items by LoadSchemaScript.
  std::vector<ItemPlacement> placements;
};

// Reads plan.json and the manifest. kCorrupt when they disagree (a data
// file naming no table of the plan).
Result<RestoreInput> ReadRestoreInput(const format::ArchiveReader& archive);

// What identifies an archive for --resume: when its writer was created and
// plan.json's checksum (known as soon as plan.json is sealed).
std::string ArchiveId(const std::string& created_at, uint64_t plan_checksum);

// ArchiveId of a complete archive, from its manifest.
std::string ArchiveIdOf(const format::Manifest& manifest);

// The input of a restore from an archive still being written (`hyperdump
// migrate`): plan.json, sealed early, announces every data file (each job's
// "file", and "large_object_files"). Each becomes a planned entry in
// `planned` (name, table, the job's estimated bytes), which must outlive the
// input; the restore opens the files through a format::LiveArchive, which
// waits for each to be sealed and checks it against its real entry.
Result<RestoreInput> PlannedRestoreInput(const std::string& plan_text, const std::string& dir,
                                         const std::string& archive_id,
                                         std::deque<format::FileEntry>* planned);

// Binary COPY data is restored only into the PostgreSQL major version it
// was dumped from: binary I/O formats are not promised across majors.
// kInvalidArgument naming a table with binary files and the fix otherwise.
Status CheckBinaryDataFits(const RestoreInput& input, int target_server_version_num);

// OK when the target holds no user objects (relations, functions, types
// outside extensions; hyperdump's own ledger schema excepted); otherwise
// kAlreadyExists naming a few and the ways out (--clean, another database).
// `resume`: the caller was asked to --resume but found no unfinished restore
// (no ledger); the message then says what that means.
Status CheckTargetEmpty(PgConnection& conn, bool resume = false);

// Sessions of an earlier restore on `conn`'s database that are still there
// (hyperdump's own and its pg_restore's, other than `conn`): after a restore
// is killed, its backends finish the statement they were running (a CREATE
// EXTENSION, an index build) and only then notice that their client is gone;
// what they commit meanwhile would race a --resume. Waits for them to end,
// at most `timeout_ms`; then kAlreadyExists naming their pids and what they
// run (a restore that is still alive), with the fix.
Status WaitForEarlierRestoreSessions(PgConnection& conn, int timeout_ms);

// --clean: runs `drops` (LoadCleanScript: pg_restore --clean --if-exists's
// statements, dependents first) in one transaction, statement by statement.
// A constraint or index of a partition that pg_restore drops on its own but
// PostgreSQL refuses to drop apart from its parent's ("cannot drop inherited
// constraint", "index ... requires it") is left to go with its table, whose
// DROP TABLE follows; any other error rolls everything back.
Status CleanTarget(PgConnection& conn, const std::string& drops);

// Refuses (kUnsupportedVersion) unless the target has, or can create,
// exactly `source_version` of TimescaleDB; the message names both versions
// and the fix. With `allow_mismatch` a mismatch only fills `warning`.
// Nothing to check when `source_version` is empty.
Status CheckTimescaleVersion(PgConnection& conn, const std::string& source_version,
                             bool allow_mismatch, std::string* warning);

// Runs the CREATE ROLE / ALTER ROLE / GRANT statements of roles.sql
// (pg_dumpall --roles-only) for the roles the target lacks; returns the
// names of the roles that already existed and were left untouched.
Result<std::vector<std::string>> RestoreRoles(PgConnection& conn, const std::string& roles_sql);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_RESTORE_CHECKS_H_
