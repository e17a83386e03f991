// Streams one archived data file into `COPY ... FROM STDIN`.
//
// The file's bytes go to the server as they are decoded; the reader checks
// size, checksum and line count when it reaches the end, before we end the
// COPY. Any read error (corrupt, truncated, I/O) ends the COPY with an error
// message instead (PQputCopyEnd(errmsg)), so the server aborts the statement
// and the caller's transaction can only roll back: no partial rows ever
// commit. The caller owns the transaction and the connection.
#ifndef HYPERDUMP_ENGINE_RESTORE_COPY_IN_H_
#define HYPERDUMP_ENGINE_RESTORE_COPY_IN_H_

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "engine/pg/pg.h"
#include "format/reader.h"

namespace hyperdump::engine {

struct CopyInStats {
  uint64_t rows = 0;   // as the server reported
  uint64_t bytes = 0;  // decoded bytes sent
};

// Called with the bytes sent since the previous call; returning false
// cancels the COPY (kCancelled).
using CopyProgressFn = std::function<bool(uint64_t bytes)>;

// Runs `copy_sql` (a COPY ... FROM STDIN statement) and feeds it `reader`.
// Errors: the reader's own (kCorrupt naming the file), the server's
// (kDatabase/kConnection with SQLSTATE), or kCancelled.
Result<CopyInStats> CopyIn(PgConnection& conn, const std::string& copy_sql,
                           format::DataFileReader& reader, const CopyProgressFn& progress);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_COPY_IN_H_
