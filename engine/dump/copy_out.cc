#include "engine/dump/copy_out.h"

#include <strings.h>

#include <cstdlib>

namespace hyperdump::engine {

const char* CopyFormatName(CopyFormat format) {
  switch (format) {
    case CopyFormat::kBinary:
      return "binary";
    case CopyFormat::kAuto:
      return "auto";
    case CopyFormat::kText:
      break;
  }
  return "text";
}

CopyFormat ParseCopyFormat(const std::string& name) {
  if (name == "binary") return CopyFormat::kBinary;
  if (name == "auto") return CopyFormat::kAuto;
  return CopyFormat::kText;
}

CopyFormat ChooseCopyFormat(CopyFormat requested, TableKind kind, const CopyColumnSet& columns) {
  if (!columns.oid_free) return CopyFormat::kText;
  if (requested != CopyFormat::kAuto) return requested;
  if (!columns.binary_io) return CopyFormat::kText;
  // A compressed chunk is restorable only into the same TimescaleDB version
  // anyway, so a user type among its segmentby columns adds no risk.
  if (columns.portable || kind == TableKind::kCompressedChunk) return CopyFormat::kBinary;
  return CopyFormat::kText;
}

Result<std::vector<CopyColumnSet>> CopyColumns(PgConnection& conn,
                                               const std::vector<uint32_t>& oids) {
  std::string array = "{";
  for (uint32_t oid : oids) array += (array.size() > 1 ? "," : "") + std::to_string(oid);
  array += "}";
  // 16384 is FirstNormalObjectId: below it, the types initdb creates.
  HD_ASSIGN_OR_RETURN(
      PgResult cols,
      conn.ExecParams(
          "SELECT u.i, a.attname, t.typsend <> 0 AND t.typreceive <> 0,"
          " t.oid < 16384 OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
          "   JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid"
          "   WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = t.oid"
          "   AND d.deptype = 'e' AND e.extname = 'timescaledb'),"
          " NOT (t.oid < 16384 AND t.typname ~ '^_?reg')"
          " FROM unnest($1::oid[]) WITH ORDINALITY AS u(o, i)"
          " JOIN pg_catalog.pg_attribute a ON a.attrelid = u.o"
          " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
          " WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''"
          " ORDER BY u.i, a.attnum",
          {array}));
  std::vector<CopyColumnSet> out(oids.size());
  for (int i = 0; i < cols.rows(); ++i) {
    const size_t index = static_cast<size_t>(cols.GetInt(i, 0)) - 1;
    if (index >= out.size()) continue;
    CopyColumnSet& set = out[index];
    set.names.push_back(cols.GetString(i, 1));
    set.binary_io = set.binary_io && cols.GetBool(i, 2);
    set.portable = set.portable && cols.GetBool(i, 3);
    set.oid_free = set.oid_free && cols.GetBool(i, 4);
  }
  return out;
}

Result<std::vector<std::string>> CopyColumns(PgConnection& conn, uint32_t oid) {
  HD_ASSIGN_OR_RETURN(PgResult cols,
                      conn.ExecParams("SELECT attname FROM pg_attribute WHERE attrelid = $1::oid"
                                      " AND attnum > 0 AND NOT attisdropped AND attgenerated = ''"
                                      " ORDER BY attnum",
                                      {std::to_string(oid)}));
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(cols.rows()));
  for (int i = 0; i < cols.rows(); ++i) out.push_back(cols.GetString(i, 0));
  return out;
}

Result<std::string> BuildCopySql(PgConnection& conn, const TableInfo& table,
                                 const std::optional<CtidRange>& range, CopyFormat format) {
  const std::string name = QualifiedName(table.schema, table.name);
  const std::string suffix =
      format == CopyFormat::kBinary ? " TO STDOUT (FORMAT binary)" : " TO STDOUT";
  if (!range && table.copy_filter.empty() && table.column_values.empty()) {
    return "COPY " + name + suffix;
  }
  if (range && (table.kind == TableKind::kChunk || table.kind == TableKind::kCompressedChunk ||
                table.kind == TableKind::kHypertable)) {
    // A query on a chunk returns decompressed rows: never split one.
    return Internal("refusing to split TimescaleDB table " + name +
                    " into ctid ranges: a query on it would return decompressed rows");
  }
  // COPY table TO leaves out generated columns; the query must do the same.
  HD_ASSIGN_OR_RETURN(std::vector<std::string> cols, CopyColumns(conn, table.oid));
  std::string list;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) list += ", ";
    std::string value = QuoteIdent(cols[i]);
    for (const auto& [column, expression] : table.column_values) {
      if (column == cols[i]) value = "(" + expression + ") AS " + QuoteIdent(cols[i]);
    }
    list += value;
  }
  if (list.empty()) return "COPY " + name + suffix;  // zero columns: nothing to select
  std::string where;
  if (range) {
    where = " WHERE ctid >= '(" + std::to_string(range->start_block) + ",0)'::tid";
    if (range->end_block > 0) {
      where += " AND ctid < '(" + std::to_string(range->end_block) + ",0)'::tid";
    }
  }
  if (!table.copy_filter.empty()) {
    // extcondition is a full "WHERE ..." clause written by the extension.
    std::string cond = table.copy_filter;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!cond.empty() && space(cond.front())) cond.erase(cond.begin());
    while (!cond.empty() && space(cond.back())) cond.pop_back();
    const std::string kWhere = "WHERE ";
    if (cond.size() >= kWhere.size() && strncasecmp(cond.c_str(), kWhere.c_str(), 6) == 0) {
      cond = cond.substr(kWhere.size());
    }
    where += where.empty() ? " WHERE (" + cond + ")" : " AND (" + cond + ")";
  }
  return "COPY (SELECT " + list + " FROM ONLY " + name + where + ")" + suffix;
}

namespace {

// Reads and drops the rest of the COPY under way, if any (with none, libpq
// answers -2 at once).
void DiscardCopyRows(PgConnection& conn) {
  for (;;) {
    char* row = nullptr;
    int n = PQgetCopyData(conn.raw(), &row, 0);
    if (row) PQfreemem(row);
    if (n < 0) break;  // -1: this COPY ended; -2: the connection failed
  }
}

// Reads every result the server still sends for the current query string,
// the rows of any COPY among them included, until libpq has none left.
// (PQgetResult alone would return a COPY's PGRES_COPY_OUT again and again.)
void DrainResults(PgConnection& conn) {
  while (PGresult* r = PQgetResult(conn.raw())) {
    const ExecStatusType status = PQresultStatus(r);
    PQclear(r);
    if (status == PGRES_COPY_OUT) DiscardCopyRows(conn);
  }
}

}  // namespace

void AbandonCopies(PgConnection& conn) {
  conn.Cancel();
  // The COPY under way, if any, first: its rows come before any result.
  DiscardCopyRows(conn);
  DrainResults(conn);
}

Status StartCopies(PgConnection& conn, const std::vector<std::string>& copy_sqls) {
  std::string sql;
  for (const std::string& one : copy_sqls) sql.append(one).append(";\n");
  if (PQsendQuery(conn.raw(), sql.c_str()) != 1) {
    Status s = conn.ErrorStatus(nullptr, "sending COPY");
    DrainResults(conn);
    return s;
  }
  return Status::Ok();
}

Result<CopyStats> ReadNextCopy(PgConnection& conn,
                               const std::function<Status(std::string_view)>& write,
                               const std::function<void(uint64_t bytes)>& progress,
                               const std::function<bool()>& cancelled) {
  {
    PgResult start(PQgetResult(conn.raw()));
    if (PQresultStatus(start.raw()) != PGRES_COPY_OUT) {
      // The server's error (the rest of the string is skipped), or no
      // statement left: either way nothing of it is still to come but the end.
      Status s = start.raw() ? conn.ErrorStatus(start.raw(), "")
                             : Internal("no COPY left in the query string");
      DrainResults(conn);
      return s;
    }
  }
  CopyStats stats;
  std::string buf;
  buf.reserve(kCopyChunkBytes + size_t{64} * 1024);
  auto flush = [&]() -> Status {
    if (buf.empty()) return Status::Ok();
    Status s = write(buf);
    stats.bytes += buf.size();
    if (progress) progress(buf.size());
    buf.clear();
    return s;
  };
  for (;;) {
    char* row = nullptr;
    int n = PQgetCopyData(conn.raw(), &row, 0);
    if (n > 0) {
      buf.append(row, static_cast<size_t>(n));
      PQfreemem(row);
      if (buf.size() < kCopyChunkBytes) continue;
      Status s = flush();
      if (s.ok() && cancelled && cancelled()) s = Cancelled("dump interrupted");
      if (!s.ok()) {
        AbandonCopies(conn);
        return s;
      }
      continue;
    }
    if (n == -1) break;  // end of data: the final result follows
    // -2: the connection failed mid-COPY.
    Status s = conn.ErrorStatus(nullptr, "COPY failed");
    AbandonCopies(conn);
    return s;
  }
  Status s = flush();
  PgResult done(PQgetResult(conn.raw()));
  if (PQresultStatus(done.raw()) != PGRES_COMMAND_OK) {
    Status failed = conn.ErrorStatus(done.raw(), "");
    DrainResults(conn);
    return failed;
  }
  stats.rows = std::strtoull(PQcmdTuples(done.raw()), nullptr, 10);
  if (!s.ok()) {
    AbandonCopies(conn);
    return s;
  }
  return stats;
}

Status EndCopies(PgConnection& conn) {
  PGresult* r = PQgetResult(conn.raw());
  if (r == nullptr) return Status::Ok();
  PQclear(r);
  AbandonCopies(conn);
  return Internal("the server answered more COPY statements than were read");
}

Result<CopyStats> CopyOut(PgConnection& conn, const std::string& copy_sql,
                          const std::function<Status(std::string_view)>& write,
                          const std::function<void(uint64_t bytes)>& progress,
                          const std::function<bool()>& cancelled) {
  HD_RETURN_IF_ERROR(StartCopies(conn, {copy_sql}));
  HD_ASSIGN_OR_RETURN(CopyStats stats, ReadNextCopy(conn, write, progress, cancelled));
  HD_RETURN_IF_ERROR(EndCopies(conn));
  return stats;
}

}  // namespace hyperdump::engine
