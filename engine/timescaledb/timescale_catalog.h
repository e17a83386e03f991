// What discovery needs from TimescaleDB's catalog (_timescaledb_catalog),
// read in the caller's snapshot: which relations are hypertables, chunks and
// compressed companions, and who owns them.
//
// The catalog's shape changes between versions (docs/timescaledb-notes.md):
// the queries probe the columns that differ (chunk.relid from 2.29 instead of
// schema_name/table_name, hypertable.compression_state vs the older boolean
// `compressed`, chunk.osm_chunk, chunk.dropped) instead of assuming one shape.
#ifndef HYPERDUMP_ENGINE_TIMESCALEDB_TIMESCALE_CATALOG_H_
#define HYPERDUMP_ENGINE_TIMESCALEDB_TIMESCALE_CATALOG_H_

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>

#include "base/status.h"
#include "engine/pg/pg.h"

namespace hyperdump::engine {

struct HypertableRow {
  int32_t id = 0;
  uint32_t oid = 0;
  uint32_t nsp = 0;
  std::string qualified;             // "schema.name"
  bool internal_compressed = false;  // compression_state = 2: holds compressed chunks
  int32_t compressed_hypertable_id = 0;
  // Whose selection this hypertable follows: itself, or for a continuous
  // aggregate's materialization hypertable, the aggregate's user view.
  uint32_t owner_oid = 0;
  uint32_t owner_nsp = 0;
};

struct ChunkRow {
  int32_t id = 0;
  int32_t hypertable_id = 0;
  uint32_t oid = 0;
  int32_t compressed_chunk_id = 0;  // 0 when not compressed
  bool osm = false;                 // tiered-storage (OSM) chunk: not local data
};

struct TimescaleCatalog {
  std::unordered_map<int32_t, HypertableRow> hypertables;    // by id
  std::unordered_map<int32_t, ChunkRow> chunks;              // by id
  std::unordered_map<uint32_t, int32_t> hypertable_by_oid;   // relation oid -> id
  std::unordered_map<uint32_t, int32_t> chunk_by_oid;        // relation oid -> id
  std::unordered_map<int32_t, int32_t> chunk_by_compressed;  // companion id -> chunk id
};

// Reads the catalog; the extension must be installed in the database.
Result<TimescaleCatalog> ReadTimescaleCatalog(PgConnection& conn);

// For a dump of some hypertables only (-t/-n): the WHERE clause that keeps
// the rows of TimescaleDB config table `table` (with `columns`) that belong
// to hypertables `ids` ("1,2,5": the selected ones, their compressed and
// materialization hypertables; oids `oids` of the same hypertables), ANDed
// with the table's own extcondition `condition`. Decided by column, so it
// follows the catalog's shape: id (the hypertable table), hypertable_id,
// mat_hypertable_id, materialization_id, chunk_id, dimension_id, relid
// (compression_settings); a table with none of them (metadata) is kept whole.
std::string CatalogRowFilter(const std::string& table, const std::set<std::string>& columns,
                             const std::string& ids, const std::string& oids,
                             const std::string& condition);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_TIMESCALEDB_TIMESCALE_CATALOG_H_
