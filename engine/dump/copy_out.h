// COPY ... TO STDOUT, streamed in bounded chunks.
//
// A table is read with `COPY schema.table TO STDOUT`, never through a query
// when avoidable: on a TimescaleDB chunk a SELECT goes through the planner
// and returns decompressed rows. Only ctid-range jobs of ordinary tables and
// filtered extension configuration tables use COPY (SELECT ...), with the
// table's non-generated columns, so every form yields the columns that
// `COPY table FROM` expects.
//
// Memory: at most kCopyChunkBytes (plus one row) are buffered before being
// handed to the writer, whatever the table's size.
#ifndef HYPERDUMP_ENGINE_DUMP_COPY_OUT_H_
#define HYPERDUMP_ENGINE_DUMP_COPY_OUT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/pg/pg.h"
#include "engine/plan/dump_plan.h"

namespace hyperdump::engine {

// kAuto is a choice, never a file's format: each table gets binary when every
// column type has binary I/O and is built in or TimescaleDB's (binary I/O of
// those is PostgreSQL's and TimescaleDB's own contract), and always for
// TimescaleDB's compressed chunks (their compressed columns are long text in
// COPY's text format); text otherwise (ChooseCopyFormat).
enum class CopyFormat { kText, kBinary, kAuto };
const char* CopyFormatName(CopyFormat format);  // "text" / "binary" / "auto" (stored in archives)
// The inverse of CopyFormatName, for --copy-format (validated by the CLI):
// anything else is kText.
CopyFormat ParseCopyFormat(const std::string& name);

inline constexpr size_t kCopyChunkBytes = size_t{256} * 1024;

// The COPY statement for `table` (whole, or the block range `range`). Reads
// the column list from `conn` (in the job's snapshot) when a query is needed.
// Refuses ranges on TimescaleDB chunks and hypertables.
// The columns `COPY table TO STDOUT` writes, in its order: not dropped, not
// generated, by attnum. Stored with each data file ("columns") so restore can
// name them: a child's column order may differ between source and target.
Result<std::vector<std::string>> CopyColumns(PgConnection& conn, uint32_t oid);
// The columns of one table as the dump copies them, with what decides its
// COPY format under kAuto.
struct CopyColumnSet {
  std::vector<std::string> names;
  bool binary_io = true;  // every column type has send and receive functions
  bool portable = true;   // ... and is built in (OID < 16384) or TimescaleDB's
  // No column is of a reg* type (regclass, regproc, ... or an array of one):
  // their binary form is the raw OID, which names another object, or none,
  // on the target (TimescaleDB's catalog has regclass columns), while their
  // text form is the object's name.
  bool oid_free = true;
};
// The same for several tables in one query, in the order of `oids`.
Result<std::vector<CopyColumnSet>> CopyColumns(PgConnection& conn,
                                               const std::vector<uint32_t>& oids);

// The format a table's file is written in: `requested` unless it is kAuto
// (see CopyFormat), and text whatever was requested for a table with a
// reg* column (CopyColumnSet::oid_free). Pure: a function of the table's
// kind and columns.
CopyFormat ChooseCopyFormat(CopyFormat requested, TableKind kind, const CopyColumnSet& columns);

Result<std::string> BuildCopySql(PgConnection& conn, const TableInfo& table,
                                 const std::optional<CtidRange>& range, CopyFormat format);

struct CopyStats {
  uint64_t rows = 0;   // as COPY reported it
  uint64_t bytes = 0;  // uncompressed bytes handed to `write`
};

// Runs `copy_sql` and hands its output to `write` in chunks. `progress` (may
// be empty) gets the bytes of each chunk. When `write` fails or `cancelled()`
// turns true, the COPY is cancelled on the server and the connection left
// usable (its transaction aborted).
Result<CopyStats> CopyOut(PgConnection& conn, const std::string& copy_sql,
                          const std::function<Status(std::string_view)>& write,
                          const std::function<void(uint64_t bytes)>& progress,
                          const std::function<bool()>& cancelled);

// Several COPY ... TO STDOUT statements at once, for a batch of small tables
// (issue 18): sent as one query string, which the server runs one statement
// after the other without waiting for the client in between, so a batch
// costs one round trip instead of one per table (about 50 us of server CPU
// a table on this project's VM, where every wake-up is expensive). libpq's
// pipeline mode would do the same with the extended protocol, but it refuses
// COPY.
//
// StartCopies sends them; then ReadNextCopy once per statement, in order, as
// CopyOut reads one; then EndCopies. Any failure of ReadNextCopy (the
// server's error, `write`'s, a cancel) has already cancelled the rest on the
// server and read what it still sent: the connection takes the next command
// (its transaction aborted). Before giving up between two ReadNextCopy calls
// (a file that cannot be created), call AbandonCopies. The connection runs
// nothing else in between.
Status StartCopies(PgConnection& conn, const std::vector<std::string>& copy_sqls);
Result<CopyStats> ReadNextCopy(PgConnection& conn,
                               const std::function<Status(std::string_view)>& write,
                               const std::function<void(uint64_t bytes)>& progress,
                               const std::function<bool()>& cancelled);
// After the last ReadNextCopy: reads the end of the query string's answer.
// Fails if the server sent anything but that end (more statements than
// ReadNextCopy calls), having cancelled and read it.
Status EndCopies(PgConnection& conn);
// Cancels what is left of the query string on the server and reads it.
void AbandonCopies(PgConnection& conn);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_DUMP_COPY_OUT_H_
