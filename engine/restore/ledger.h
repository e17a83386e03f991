// The restore ledger: which jobs of a restore have committed, kept in the
// target database itself so that `hyperdump restore --resume` can finish a
// restore after kill -9, a lost connection or a server restart.
//
// A job's ledger row is inserted in the SAME transaction as its work (the
// COPY, the CREATE INDEX...), so the row exists exactly when the work does.
// The ledger lives in schema `_hyperdump` (table restore_ledger, plus
// restore_run naming the archive being restored) and is dropped after a
// successful restore. All functions run on the caller's connection and
// transaction; none keeps state.
#ifndef HYPERDUMP_ENGINE_RESTORE_LEDGER_H_
#define HYPERDUMP_ENGINE_RESTORE_LEDGER_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "base/status.h"
#include "engine/pg/pg.h"

namespace hyperdump::engine::ledger {

inline constexpr const char* kSchema = "_hyperdump";

// The ledger of an unfinished restore, if the database has one.
struct State {
  std::string archive_id;      // which archive was being restored
  std::set<std::string> done;  // keys of committed jobs
};
Result<std::optional<State>> Load(PgConnection& conn);

// Creates the ledger (own transaction) for the archive `archive_id`.
Status Create(PgConnection& conn, const std::string& archive_id);
// Records `key` as done, inside the caller's open transaction.
Status Record(PgConnection& conn, const std::string& key, int64_t rows);
// Records several keys at once, inside the caller's open transaction.
Status RecordAll(PgConnection& conn, const std::set<std::string>& keys);
// Whether `key` has committed (to settle a COMMIT whose answer was lost).
Result<bool> IsDone(PgConnection& conn, const std::string& key);
// Removes the ledger (after a successful restore).
Status Drop(PgConnection& conn);

// Called after each committed job: hands the moment to the process's
// FaultInjector (engine/restore/fault_injector.h), which does nothing in the shipped
// binary; the test build of it crashes or interrupts the restore here
// (tests/README.md).
void AfterCommit();

}  // namespace hyperdump::engine::ledger

#endif  // HYPERDUMP_ENGINE_RESTORE_LEDGER_H_
