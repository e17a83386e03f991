#include "engine/timescaledb/timescale_catalog.h"

#include <strings.h>

#include <set>

namespace hyperdump::engine {
namespace {

// Column names of a _timescaledb_catalog table (empty set when it is absent).
Result<std::set<std::string>> Columns(PgConnection& conn, const std::string& table) {
  HD_ASSIGN_OR_RETURN(
      PgResult r, conn.ExecParams("SELECT a.attname FROM pg_catalog.pg_attribute a "
                                  "WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 "
                                  "AND NOT a.attisdropped",
                                  {QualifiedName("_timescaledb_catalog", table)}));
  std::set<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.insert(r.GetString(i, 0));
  return out;
}

Status ReadHypertables(PgConnection& conn, TimescaleCatalog* cat) {
  HD_ASSIGN_OR_RETURN(auto cols, Columns(conn, "hypertable"));
  HD_ASSIGN_OR_RETURN(auto cagg_cols, Columns(conn, "continuous_agg"));
  std::string state = cols.count("compression_state") ? "h.compression_state::int"
                      : cols.count("compressed")      ? "CASE WHEN h.compressed THEN 2 ELSE 0 END"
                                                      : "0";
  std::string compressed_id =
      cols.count("compressed_hypertable_id") ? "COALESCE(h.compressed_hypertable_id, 0)" : "0";
  std::string owner = "c.oid, c.relnamespace";
  std::string cagg_join;
  if (cagg_cols.count("user_view_schema")) {
    owner = "COALESCE(v.oid, c.oid), COALESCE(v.relnamespace, c.relnamespace)";
    cagg_join =
        " LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id"
        " LEFT JOIN pg_catalog.pg_namespace vn ON vn.nspname = ca.user_view_schema"
        " LEFT JOIN pg_catalog.pg_class v ON v.relnamespace = vn.oid"
        " AND v.relname = ca.user_view_name";
  }
  HD_ASSIGN_OR_RETURN(
      PgResult r, conn.Exec("SELECT h.id, c.oid, c.relnamespace, n.nspname, c.relname, " + state +
                            ", " + compressed_id + ", " + owner +
                            " FROM _timescaledb_catalog.hypertable h"
                            " JOIN pg_catalog.pg_namespace n ON n.nspname = h.schema_name"
                            " JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid"
                            " AND c.relname = h.table_name" +
                            cagg_join));
  for (int i = 0; i < r.rows(); ++i) {
    HypertableRow h;
    h.id = static_cast<int32_t>(r.GetInt(i, 0));
    h.oid = static_cast<uint32_t>(r.GetInt(i, 1));
    h.nsp = static_cast<uint32_t>(r.GetInt(i, 2));
    h.qualified = r.GetString(i, 3) + "." + r.GetString(i, 4);
    h.internal_compressed = r.GetInt(i, 5) == 2;
    h.compressed_hypertable_id = static_cast<int32_t>(r.GetInt(i, 6));
    h.owner_oid = static_cast<uint32_t>(r.GetInt(i, 7));
    h.owner_nsp = static_cast<uint32_t>(r.GetInt(i, 8));
    cat->hypertable_by_oid[h.oid] = h.id;
    cat->hypertables[h.id] = std::move(h);
  }
  return Status::Ok();
}

Status ReadChunks(PgConnection& conn, TimescaleCatalog* cat) {
  HD_ASSIGN_OR_RETURN(auto cols, Columns(conn, "chunk"));
  std::string join = cols.count("relid")
                         ? " JOIN pg_catalog.pg_class c ON c.oid = ch.relid"
                         : " JOIN pg_catalog.pg_namespace n ON n.nspname = ch.schema_name"
                           " JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid"
                           " AND c.relname = ch.table_name";
  std::string osm = cols.count("osm_chunk") ? "ch.osm_chunk" : "false";
  // A dropped chunk (before 2.26) keeps its catalog row but has no table.
  std::string where = cols.count("dropped") ? " WHERE NOT ch.dropped" : "";
  HD_ASSIGN_OR_RETURN(PgResult r,
                      conn.Exec("SELECT ch.id, ch.hypertable_id, c.oid, "
                                "COALESCE(ch.compressed_chunk_id, 0), " +
                                osm + " FROM _timescaledb_catalog.chunk ch" + join + where));
  for (int i = 0; i < r.rows(); ++i) {
    ChunkRow ch;
    ch.id = static_cast<int32_t>(r.GetInt(i, 0));
    ch.hypertable_id = static_cast<int32_t>(r.GetInt(i, 1));
    ch.oid = static_cast<uint32_t>(r.GetInt(i, 2));
    ch.compressed_chunk_id = static_cast<int32_t>(r.GetInt(i, 3));
    ch.osm = r.GetBool(i, 4);
    cat->chunk_by_oid[ch.oid] = ch.id;
    if (ch.compressed_chunk_id != 0) cat->chunk_by_compressed[ch.compressed_chunk_id] = ch.id;
    cat->chunks[ch.id] = ch;
  }
  return Status::Ok();
}

}  // namespace

std::string CatalogRowFilter(const std::string& table, const std::set<std::string>& columns,
                             const std::string& ids, const std::string& oids,
                             const std::string& condition) {
  const std::string in = " IN (" + ids + ")";
  std::string mine;
  if (table == "hypertable" && columns.count("id")) {
    mine = "id" + in;
  } else if (columns.count("hypertable_id")) {
    mine = "hypertable_id" + in;
  } else if (columns.count("mat_hypertable_id")) {
    mine = "mat_hypertable_id" + in;
  } else if (columns.count("materialization_id")) {
    mine = "materialization_id" + in;
  } else if (columns.count("chunk_id")) {
    mine = "chunk_id IN (SELECT id FROM _timescaledb_catalog.chunk WHERE hypertable_id" + in + ")";
  } else if (columns.count("dimension_id")) {
    mine = "dimension_id IN (SELECT id FROM _timescaledb_catalog.dimension WHERE hypertable_id" +
           in + ")";
  } else if (columns.count("relid")) {
    // The hypertables themselves and their chunks (which inherit them).
    mine = "relid::pg_catalog.oid IN (" + oids +
           ") OR relid::pg_catalog.oid IN (SELECT inhrelid FROM pg_catalog.pg_inherits"
           " WHERE inhparent IN (" +
           oids + "))";
  }
  // extcondition is a WHERE clause ("WHERE id >= 1000") or empty.
  std::string own = condition;
  own.erase(0, own.find_first_not_of(" \t\n"));
  if (own.size() >= 5 && strncasecmp(own.c_str(), "WHERE", 5) == 0) own = own.substr(5);
  own.erase(0, own.find_first_not_of(" \t\n"));
  if (mine.empty()) return condition;
  if (own.empty()) return "WHERE " + mine;
  return "WHERE (" + own + ") AND (" + mine + ")";
}

Result<TimescaleCatalog> ReadTimescaleCatalog(PgConnection& conn) {
  TimescaleCatalog cat;
  HD_RETURN_IF_ERROR(ReadHypertables(conn, &cat).WithContext("reading TimescaleDB hypertables"));
  HD_RETURN_IF_ERROR(ReadChunks(conn, &cat).WithContext("reading TimescaleDB chunks"));
  return cat;
}

}  // namespace hyperdump::engine
