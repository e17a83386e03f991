// The plan of work: what a database holds, found under one snapshot by
// discovery (engine/plan/discovery.h), and the data jobs a dump runs.
//
// Plain values: a DumpPlan owns everything it holds and is shared read-only by
// the phases of a dump (locks, data jobs, manifest) after discovery returns.
#ifndef HYPERDUMP_ENGINE_PLAN_DUMP_PLAN_H_
#define HYPERDUMP_ENGINE_PLAN_DUMP_PLAN_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hyperdump::engine {

// What kind of relation carries the data of a job.
enum class TableKind {
  kTable,             // ordinary table (no parent)
  kPartition,         // leaf of a declarative partitioned table, any depth
  kInheritanceChild,  // child of a plain inheritance parent (parent rows are its own job)
  kChunk,             // TimescaleDB hypertable chunk (incl. continuous aggregate materialization)
  kCompressedChunk,   // TimescaleDB compressed companion of a chunk
  kHypertable,        // TimescaleDB hypertable parent: normally empty, dumped if it holds rows
  kExtensionConfig,   // pg_extension.extconfig table (e.g. the TimescaleDB catalog)
};
const char* TableKindName(
    TableKind kind);  // "table", "partition", ... (stable: stored in archives)

struct TableInfo {
  uint32_t oid = 0;
  std::string schema;
  std::string name;
  TableKind kind = TableKind::kTable;
  uint32_t relfilenode = 0;   // as seen in the snapshot (rewrite/truncate detection)
  int64_t bytes = 0;          // estimate: DiscoveryOptions::exact_sizes says how
  int64_t rows_estimate = 0;  // reltuples (0 when never analyzed)
  int64_t pages = 0;          // relpages, for ctid splitting
  std::string parent;         // "schema.name" of the partitioned/inheritance parent or hypertable
  std::string hypertable;     // for chunks: "schema.name" of the user-facing hypertable
  std::string compressed_of;  // for compressed chunks: "schema.name" of the chunk it belongs to
  std::string extension;      // for extension config tables: the extension's name
  // For extension config tables: pg_extension.extcondition (a WHERE clause,
  // e.g. "WHERE id >= 1000"), empty when the whole table is configuration.
  std::string copy_filter;
  // Tables (schema.name) whose data must be loaded before this one's on
  // restore (foreign keys among extension config tables, in order).
  std::vector<std::string> load_after;
  // Dump only (not in plan.json): columns whose archived value is an SQL
  // expression over the row instead of the stored value, as (column,
  // expression). The dump archives the TimescaleDB jobs it paused as they
  // were scheduled before it paused them.
  std::vector<std::pair<std::string, std::string>> column_values;
};

// A block range [start_block, end_block) of a split table; end 0 = to the end.
struct CtidRange {
  int64_t start_block = 0;
  int64_t end_block = 0;
};

// One unit of data movement: one table, or one ctid range of a large table.
struct DataJob {
  std::string id;                  // unique, file-name safe: e.g. "t000123" or "t000123.r002"
  size_t table_index = 0;          // into DumpPlan::tables
  std::optional<CtidRange> range;  // set when the table was split
  int64_t estimated_bytes = 0;
};

struct SequenceInfo {
  std::string schema;
  std::string name;
  std::string owned_by;  // "schema.table.column" when OWNED BY, else empty
  int64_t last_value = 0;
  bool is_called = false;
};

struct ServerFacts {
  int server_version_num = 0;  // e.g. 150018
  std::string server_version;  // e.g. "15.18"
  std::string database;
  std::string timescaledb_version;  // empty when the extension is absent
  std::vector<std::pair<std::string, std::string>> extensions;  // name, version
};

// What pg_dump --schema-only must be told beyond the user's -n/-N/-t/-T so
// that the schema defines exactly the relations the data needs: chunks and
// partitions follow their hypertable or partitioned parent here, which
// pg_dump's patterns do not do. Names are (schema, name), matched exactly.
// Empty without patterns (pg_dump then dumps everything, as the plan does).
struct SchemaSelection {
  using Name = std::pair<std::string, std::string>;
  std::vector<Name> include_tables;          // -t: with the user's -t (table mode)
  std::vector<std::string> include_schemas;  // -n: with the user's -n (schema mode)
  std::vector<Name> exclude_tables;          // -T: in every mode
};

// What discovery found and the dump moves: the source's facts, its tables
// and their data jobs. (scheduler::Plan is another thing: the scheduler's
// state of a running job graph.)
struct DumpPlan {
  ServerFacts server;
  std::vector<TableInfo> tables;  // every relation whose data is dumped, exactly once
  std::vector<DataJob> jobs;      // largest first
  std::vector<SequenceInfo> sequences;
  int64_t large_objects = 0;         // counted, never dropped silently
  SchemaSelection schema_selection;  // for pg_dump --schema-only (not in plan.json)
};

// --split-larger-than auto: a table is split into block ranges only when it
// alone is more than a worker's fair share of all the data (PlanJobs).
inline constexpr int64_t kSplitByBalance = -1;

// pg_dump-like selection: -n/-N schema patterns, -t/-T table patterns
// (psql-style patterns: *, ?, quoted identifiers), --split-larger-than.
struct DiscoveryOptions {
  std::vector<std::string> include_schemas;
  std::vector<std::string> exclude_schemas;
  std::vector<std::string> include_tables;
  std::vector<std::string> exclude_tables;
  // Bytes; 0 = never split; kSplitByBalance = as balance over `slots` needs.
  int64_t split_larger_than = kSplitByBalance;
  int slots = 1;  // workers that will copy the data (the dump's -j)
  // Sizes: by default estimates from the catalog ((relpages + toast relpages)
  // * block size, as of the last VACUUM/ANALYZE), which take no lock.
  // `exact_sizes` asks the storage (pg_table_size/pg_relation_size) instead:
  // exact, but it takes ACCESS SHARE on every table until the snapshot
  // transaction ends (a lock slot each: mind max_locks_per_transaction).
  bool exact_sizes = false;
};

// The data jobs for `tables`, largest first (ties by id): one per table, or,
// for a plain table, partition or inheritance child (never a TimescaleDB
// chunk, compressed chunk or hypertable, nor an extension config table)
// larger than the limit, ceil(bytes / limit) block ranges (at most one per
// block) of about equal size covering [0, pages), the last one open-ended
// (end_block 0) so rows stored beyond `pages` (an estimate) are never
// missed. Ids: "t000123" or "t000123.r002".
// The limit is `split_larger_than` when > 0; none when 0; with
// kSplitByBalance it is a worker's fair share, all tables' bytes / `slots`,
// and only a table above 1.25 times that share splits: each range costs the
// server a ctid-range scan beside the plain COPY, so splitting pays only
// when one table would otherwise keep a worker busy after the others ran
// out of work (issue 13: the 1 GB demo dumped 3% faster unsplit). One
// worker never splits. Ranges are at least kMinSplitRange bytes.
inline constexpr int64_t kMinSplitRange = int64_t{32} << 20;
std::vector<DataJob> PlanJobs(const std::vector<TableInfo>& tables, int64_t split_larger_than,
                              int slots = 1);

// The byte budget of one batch of small tables, shared by the dump's and the
// restore's batching (issue 18): total / (16 x slots), clamped to 1..64 MiB,
// so that batches stay small beside the big jobs and spread over the slots.
// A table below a quarter of it is small.
inline uint64_t SmallJobBudget(uint64_t total_bytes, int slots) {
  return std::clamp<uint64_t>(total_bytes / (static_cast<uint64_t>(std::max(slots, 1)) * 16),
                              uint64_t{1} << 20, uint64_t{64} << 20);
}

// The plan as a human-readable report (hyperdump dump --dry-run): server
// facts, then one line per job (id, kind, range, estimated size, rows,
// object, dependencies), then sequences and large objects.
std::string FormatPlan(const DumpPlan& plan);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PLAN_DUMP_PLAN_H_
