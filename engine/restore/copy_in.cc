#include "engine/restore/copy_in.h"

#include <cstdlib>
#include <vector>

namespace hyperdump::engine {

namespace {

// Ends the COPY with `why` so the server aborts it, and collects the
// server's answer so the connection is usable (for ROLLBACK) afterwards.
void AbortCopy(PgConnection& conn, const std::string& why) {
  PQputCopyEnd(conn.raw(), why.c_str());
  while (PGresult* r = PQgetResult(conn.raw())) PQclear(r);
}

}  // namespace

Result<CopyInStats> CopyIn(PgConnection& conn, const std::string& copy_sql,
                           format::DataFileReader& reader, const CopyProgressFn& progress) {
  {
    PgResult start(PQexec(conn.raw(), copy_sql.c_str()));
    if (PQresultStatus(start.raw()) != PGRES_COPY_IN) return conn.ErrorStatus(start.raw(), "");
  }
  CopyInStats stats;
  std::vector<char> buf(1 << 18);
  for (;;) {
    Result<size_t> n = reader.Read(buf.data(), buf.size());
    if (!n.ok()) {
      AbortCopy(conn, "hyperdump: " + n.status().message());
      return n.status();
    }
    if (*n == 0) break;
    if (PQputCopyData(conn.raw(), buf.data(), static_cast<int>(*n)) != 1) {
      return conn.ErrorStatus(nullptr, "sending COPY data");
    }
    stats.bytes += *n;
    if (progress && !progress(*n)) {
      AbortCopy(conn, "hyperdump: restore cancelled");
      return Cancelled("cancelled");
    }
  }
  if (PQputCopyEnd(conn.raw(), nullptr) != 1) return conn.ErrorStatus(nullptr, "ending COPY");
  Status status;
  while (PGresult* raw = PQgetResult(conn.raw())) {
    PgResult r(raw);
    if (PQresultStatus(raw) == PGRES_COMMAND_OK) {
      stats.rows = std::strtoull(PQcmdTuples(raw), nullptr, 10);
    } else if (status.ok()) {
      status = conn.ErrorStatus(raw, "");
    }
  }
  if (!status.ok()) return status;
  return stats;
}

}  // namespace hyperdump::engine
