// The plan of work: what a database holds, found under one snapshot by
// discovery (engine/discovery.h), and the data jobs a dump runs.
//
// Plain values: a Plan owns everything it holds and is shared read-only by
// the phases of a dump (locks, data jobs, manifest) after discovery returns.
#ifndef HYPERDUMP_ENGINE_PLAN_H_
#define HYPERDUMP_ENGINE_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hyperdump::engine {

// What kind of relation carries the data of a job.
enum class TableKind {
  kTable,              // ordinary table (no parent)
  kPartition,          // leaf of a declarative partitioned table, any depth
  kInheritanceChild,   // child of a plain inheritance parent (parent rows are its own job)
  kChunk,              // TimescaleDB hypertable chunk (incl. continuous aggregate materialization)
  kCompressedChunk,    // TimescaleDB compressed companion of a chunk
  kHypertable,         // TimescaleDB hypertable parent: normally empty, dumped if it holds rows
  kExtensionConfig,    // pg_extension.extconfig table (e.g. the TimescaleDB catalog)
};
const char* TableKindName(TableKind kind);  // "table", "partition", ... (stable: stored in archives)

struct TableInfo {
  uint32_t oid = 0;
  std::string schema;
  std::string name;
  TableKind kind = TableKind::kTable;
  uint32_t relfilenode = 0;       // as seen in the snapshot (rewrite/truncate detection)
  int64_t bytes = 0;              // pg_table_size estimate
  int64_t rows_estimate = 0;      // reltuples (0 when never analyzed)
  int64_t pages = 0;              // relpages, for ctid splitting
  std::string parent;             // "schema.name" of the partitioned/inheritance parent or hypertable
  std::string hypertable;         // for chunks: "schema.name" of the user-facing hypertable
  std::string compressed_of;      // for compressed chunks: "schema.name" of the chunk it belongs to
  std::string extension;          // for extension config tables: the extension's name
  // For extension config tables: pg_extension.extcondition (a WHERE clause,
  // e.g. "WHERE id >= 1000"), empty when the whole table is configuration.
  std::string copy_filter;
  // Tables (schema.name) whose data must be loaded before this one's on
  // restore (foreign keys among extension config tables, in order).
  std::vector<std::string> load_after;
};

// A block range [start_block, end_block) of a split table; end 0 = to the end.
struct CtidRange {
  int64_t start_block = 0;
  int64_t end_block = 0;
};

// One unit of data movement: one table, or one ctid range of a large table.
struct DataJob {
  std::string id;                  // unique, file-name safe: e.g. "t000123" or "t000123.r002"
  size_t table_index = 0;          // into Plan::tables
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
  int server_version_num = 0;       // e.g. 150018
  std::string server_version;       // e.g. "15.18"
  std::string database;
  std::string timescaledb_version;  // empty when the extension is absent
  std::vector<std::pair<std::string, std::string>> extensions;  // name, version
};

struct Plan {
  ServerFacts server;
  std::vector<TableInfo> tables;     // every relation whose data is dumped, exactly once
  std::vector<DataJob> jobs;         // largest first
  std::vector<SequenceInfo> sequences;
  int64_t large_objects = 0;         // counted, never dropped silently
};

// pg_dump-like selection: -n/-N schema patterns, -t/-T table patterns
// (psql-style patterns: *, ?, quoted identifiers), --split-larger-than.
struct DiscoveryOptions {
  std::vector<std::string> include_schemas;
  std::vector<std::string> exclude_schemas;
  std::vector<std::string> include_tables;
  std::vector<std::string> exclude_tables;
  int64_t split_larger_than = 1LL << 30;  // bytes; 0 = never split
};

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PLAN_H_
