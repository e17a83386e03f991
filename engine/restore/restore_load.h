// How restore loads archived data: one file into its table (COPY ... FROM
// STDIN), a batch of small tables with their keys and indexes in one
// transaction, and the order of the TimescaleDB catalog's tables. Each runs
// inside the caller's transaction (engine/restore/restore_runner.h).
#ifndef HYPERDUMP_ENGINE_RESTORE_RESTORE_LOAD_H_
#define HYPERDUMP_ENGINE_RESTORE_RESTORE_LOAD_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/pg/pg.h"
#include "engine/restore/restore_checks.h"
#include "engine/restore/restore_runner.h"
#include "engine/restore/schema_restore.h"
#include "format/reader.h"
#include "scheduler/graph.h"

namespace hyperdump::engine {

// How a data job loads its table.
enum class Load {
  kAppend,          // plain COPY (the table is shared with other jobs)
  kTruncateFreeze,  // TRUNCATE ONLY, then COPY FREEZE: the job fills the whole table
  kFreeze,          // COPY FREEZE after a TRUNCATE earlier in the same transaction
};

// COPY ... FROM STDIN of the archived file `planned` into `table`, reporting
// progress to `ctx`. kCorrupt when the file's rows disagree with the manifest.
Result<Loaded> LoadFile(const format::ArchiveSource& archive, scheduler::JobContext& ctx,
                        PgConnection& conn, const RestoreTable& table,
                        const format::FileEntry& planned, Load load);

// Extension configuration tables in foreign-key order (load_after first).
std::vector<const RestoreTable*> CatalogOrder(const RestoreInput& input);

// Small tables loaded, keyed, indexed and analyzed together (issue 18: at
// 10,000 chunks a job's fixed cost, not its bytes, is what a restore spends).
struct SmallTableBatch {
  std::vector<const RestoreTable*> tables;
  std::vector<std::vector<const SchemaItem*>> items;  // each table's keys, then indexes
};
inline constexpr size_t kMaxTablesPerRestoreBatch = 64;  // locks: a table, its indexes, its TOAST

// The batches: tables archived as one file, below a quarter of the byte
// budget (SmallJobBudget(total_bytes, slots)), none of whose ledger keys a
// previous run committed (`done_before`: a batch commits all or nothing; a
// --resume with another -j may cut other batches), grouped up to the budget
// and kMaxTablesPerRestoreBatch, largest first. Not the catalog. `items_of`: each
// table's keys and indexes, keys first.
using TableItemsFn = std::function<const std::vector<const SchemaItem*>&(const RestoreTable&)>;
std::vector<SmallTableBatch> SmallTableBatches(
    const std::vector<RestoreTable>& tables, const TableItemsFn& items_of, uint64_t total_bytes,
    int slots, const std::function<bool(const std::string&)>& done_before);

// One batch's transaction: each table loaded with a plain COPY (no TRUNCATE:
// the batch commits with its ledger rows or not at all, so a table of an
// uncommitted batch is still as pre-data created it, empty; and a new
// relfilenode per tiny chunk cost more than FREEZE saves on a few rows),
// then the keys and indexes of them all in one round trip (RunSchemaItems);
// with `analyze`, one ANALYZE for all of them at the end.
Result<Loaded> LoadBatch(const format::ArchiveSource& archive, bool analyze,
                         scheduler::JobContext& ctx, PgConnection& conn, const SmallTableBatch& b);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_RESTORE_LOAD_H_
