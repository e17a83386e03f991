// Row-for-row comparison of two databases, table by table, without moving
// the rows: each side computes, per table, the row count and an
// order-independent hash (the sum of a 64-bit hash of every row's text form).
// Used by `hyperdump compare`, the demo and the tests.
#ifndef HYPERDUMP_ENGINE_COMPARE_H_
#define HYPERDUMP_ENGINE_COMPARE_H_

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/pg/pg.h"

namespace hyperdump::engine {

struct TableDigest {
  int64_t rows = 0;
  std::string hash;  // decimal sum of row hashes; equal sets give equal sums
  // For a TimescaleDB chunk or compressed companion: "schema.name" of the
  // hypertable it belongs to (the user's, for a companion), so that a
  // difference names the hypertable. Not compared.
  std::string hypertable;
  bool operator==(const TableDigest& o) const { return rows == o.rows && hash == o.hash; }
};

// The key of a hypertable's logical digest in DigestDatabase's map: every row
// the hypertable's chunks show, compressed chunks decompressed by TimescaleDB
// (the rows of the parent table itself are its own entry).
std::string HypertableKey(const std::string& qualified);
// The key of a large object's digest: "large object <oid>".
std::string LargeObjectKey(uint32_t oid);
bool IsLargeObjectKey(const std::string& key);

// Digests of every table holding data in `conn`'s database, keyed by
// "schema.name" (unquoted): ordinary tables, leaf partitions, inheritance
// parents and children (each ONLY itself), TimescaleDB chunks and compressed
// companions, and extension configuration tables filtered by their
// pg_extension.extcondition, as pg_dump would dump them. Schemas pg_catalog,
// information_schema, pg_toast* and hyperdump's own `_hyperdump` are skipped.
// On TimescaleDB, also one logical digest per hypertable (HypertableKey):
// the physical chunks must match, and so must the rows a user reads. The
// internal compressed hypertables' parents are skipped (they hold no rows,
// and TimescaleDB refuses to read them as tables). Every large object is one
// more entry (LargeObjectKey): its size, the md5 of its data, its owner,
// privileges and comment, so a missing or different object is named.
// Every digest reads one snapshot (exported by a transaction that lists the
// tables), in transactions of at most 1,000 tables on connections of their
// own: the server needs no lock slot per table, and no backend caches every
// relation. A hypertable's logical digest is the sum of its chunks' digests:
// no query goes through its root, which PostgreSQL would plan over every
// chunk at once. Opens its own connections to `conninfo`.
Result<std::map<std::string, TableDigest>> DigestDatabase(const std::string& conninfo);

struct CompareReport {
  std::vector<std::string> equal;
  std::vector<std::string> different;  // "schema.name: source N rows, target M rows"
  std::vector<std::string> missing;    // in source only
  std::vector<std::string> extra;      // in target only
  int64_t rows = 0;                    // rows compared equal
  int64_t large_objects = 0;           // large objects compared equal (not in `equal`)
  // Things to know about either database (e.g. TimescaleDB jobs a killed
  // dump left unscheduled, engine/timescaledb/timescale_jobs.h); not differences.
  std::vector<std::string> warnings;
  bool ok() const { return different.empty() && missing.empty() && extra.empty(); }
};

CompareReport CompareDigests(const std::map<std::string, TableDigest>& source,
                             const std::map<std::string, TableDigest>& target);

// Digests both databases (concurrently) and compares them.
Result<CompareReport> CompareDatabases(const std::string& source_uri,
                                       const std::string& target_uri);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_COMPARE_H_
