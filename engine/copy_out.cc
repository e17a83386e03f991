#include "engine/copy_out.h"

#include <strings.h>

#include <cstdlib>

namespace hyperdump::engine {

const char* CopyFormatName(CopyFormat format) {
  return format == CopyFormat::kBinary ? "binary" : "text";
}

Result<std::vector<std::vector<std::string>>> CopyColumns(PgConnection& conn,
                                                          const std::vector<uint32_t>& oids) {
  std::string array = "{";
  for (uint32_t oid : oids) array += (array.size() > 1 ? "," : "") + std::to_string(oid);
  array += "}";
  HD_ASSIGN_OR_RETURN(
      PgResult cols,
      conn.ExecParams("SELECT u.i, a.attname FROM unnest($1::oid[]) WITH ORDINALITY AS u(o, i)"
                      " JOIN pg_attribute a ON a.attrelid = u.o"
                      " WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''"
                      " ORDER BY u.i, a.attnum",
                      {array}));
  std::vector<std::vector<std::string>> out(oids.size());
  for (int i = 0; i < cols.rows(); ++i) {
    const size_t index = static_cast<size_t>(cols.GetInt(i, 0)) - 1;
    if (index < out.size()) out[index].push_back(cols.GetString(i, 1));
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

// Ends an interrupted COPY: asks the server to stop, then reads what is left
// so the connection can take the next command.
void AbandonCopy(PgConnection& conn) {
  conn.Cancel();
  for (;;) {
    char* row = nullptr;
    int n = PQgetCopyData(conn.raw(), &row, 0);
    if (row) PQfreemem(row);
    if (n < 0) break;
  }
  while (PGresult* r = PQgetResult(conn.raw())) PQclear(r);
}

}  // namespace

Result<CopyStats> CopyOut(PgConnection& conn, const std::string& copy_sql,
                          const std::function<Status(std::string_view)>& write,
                          const std::function<void(uint64_t bytes)>& progress,
                          const std::function<bool()>& cancelled) {
  {
    PgResult start(PQexec(conn.raw(), copy_sql.c_str()));
    if (PQresultStatus(start.raw()) != PGRES_COPY_OUT) {
      return conn.ErrorStatus(start.raw(), "");
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
        AbandonCopy(conn);
        return s;
      }
      continue;
    }
    if (n == -1) break;  // end of data: the final result follows
    // -2: the connection failed mid-COPY.
    Status s = conn.ErrorStatus(nullptr, "COPY failed");
    AbandonCopy(conn);
    return s;
  }
  Status s = flush();
  PgResult done(PQgetResult(conn.raw()));
  Status copy_status = PQresultStatus(done.raw()) == PGRES_COMMAND_OK
                           ? Status::Ok()
                           : conn.ErrorStatus(done.raw(), "");
  if (copy_status.ok()) {
    stats.rows = std::strtoull(PQcmdTuples(done.raw()), nullptr, 10);
  }
  while (PGresult* r = PQgetResult(conn.raw())) PQclear(r);
  HD_RETURN_IF_ERROR(copy_status);
  HD_RETURN_IF_ERROR(s);
  return stats;
}

}  // namespace hyperdump::engine
