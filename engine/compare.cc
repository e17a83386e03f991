#include "engine/compare.h"

#include <future>
#include <set>
#include <span>

#include "engine/dump/copy_out.h"
#include "engine/timescaledb/timescale_jobs.h"
#include "format/checksum.h"

namespace hyperdump::engine {

namespace {

// Every relation with its own storage that holds user data; extension-owned
// tables only when registered as configuration (their filter applies).
constexpr const char* kTablesSql = R"sql(
SELECT n.nspname, c.relname,
       coalesce((SELECT x.extcondition[array_position(x.extconfig, c.oid)]
                 FROM pg_extension x WHERE c.oid = ANY (x.extconfig)), '') AS filter,
       EXISTS (SELECT 1 FROM pg_depend d
               WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                 AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e') AS ext_member,
       EXISTS (SELECT 1 FROM pg_extension x WHERE c.oid = ANY (x.extconfig)) AS ext_config
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_hyperdump')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
ORDER BY 1, 2
)sql";

// TimescaleDB 2.28's catalog: each chunk's hypertable (for a compressed
// companion, the hypertable of the chunk it compresses), and which
// hypertables are internal compressed ones.
constexpr const char* kChunkOwnersSql = R"sql(
SELECT c.schema_name, c.table_name, h.schema_name, h.table_name,
       (SELECT o.compression_state = 2 FROM _timescaledb_catalog.hypertable o
        WHERE o.id = c.hypertable_id)
FROM _timescaledb_catalog.chunk c
JOIN _timescaledb_catalog.hypertable h ON h.id = coalesce(
  (SELECT p.hypertable_id FROM _timescaledb_catalog.chunk p WHERE p.compressed_chunk_id = c.id
   LIMIT 1), c.hypertable_id)
)sql";
constexpr const char* kHypertablesSql = R"sql(
SELECT schema_name, table_name, compression_state = 2 FROM _timescaledb_catalog.hypertable
ORDER BY 1, 2
)sql";

// A hypertable parent's own rows, read with COPY: TimescaleDB hides them from
// every SELECT (even FROM ONLY) while its hooks are on, and only a superuser
// may turn them off. Each COPY text line is one row; the digest is the count
// and the sum (mod 2^64) of each line's XXH64 (the archive's checksum): equal
// sets, equal sums. Comparable only with another parent's digest made the
// same way.
Result<TableDigest> DigestByCopy(PgConnection& conn, const std::string& quoted) {
  uint64_t sum = 0;
  int64_t rows = 0;
  std::string line;  // a row split across COPY chunks
  auto write = [&](std::string_view bytes) -> Status {
    for (size_t end; (end = bytes.find('\n')) != std::string_view::npos;) {
      line.append(bytes.substr(0, end));
      sum += format::ChecksumOf(line);
      ++rows;
      line.clear();
      bytes.remove_prefix(end + 1);
    }
    line.append(bytes);
    return Status::Ok();
  };
  HD_RETURN_IF_ERROR(
      CopyOut(conn, "COPY " + quoted + " TO STDOUT", write, nullptr, nullptr).status());
  return TableDigest{rows, "copy:" + std::to_string(sum), ""};
}

// `from` names its relation `hd_row_`. The whole row is ROW(hd_row_.*), not
// `hd_row_::text`: a column of the same name would win over the alias and
// only that column would be hashed (as `t` did for tables with a column t).
std::string DigestSql(const std::string& from) {
  return "SELECT count(*), coalesce(sum(hashtextextended(ROW(hd_row_.*)::text, 0)::numeric), 0)"
         " FROM " +
         from;
}

// Each large object as one digest; lo_get reads it under the transaction's
// snapshot (a superuser, its owner or a role with SELECT may).
constexpr const char* kLargeObjectsSql = R"sql(
SELECT m.oid, pg_catalog.octet_length(d.data), pg_catalog.md5(d.data),
       pg_catalog.pg_get_userbyid(m.lomowner), coalesce(m.lomacl::text, 'default'),
       coalesce(pg_catalog.obj_description(m.oid, 'pg_largeobject'), '')
FROM pg_catalog.pg_largeobject_metadata m,
     LATERAL (SELECT pg_catalog.lo_get(m.oid) AS data OFFSET 0) d
ORDER BY m.oid
)sql";

Status DigestLargeObjects(PgConnection& conn, std::map<std::string, TableDigest>& out) {
  HD_ASSIGN_OR_RETURN(PgResult r, conn.Exec(kLargeObjectsSql));
  for (int i = 0; i < r.rows(); ++i) {
    out[LargeObjectKey(static_cast<uint32_t>(r.GetInt(i, 0)))] =
        TableDigest{0,
                    r.GetString(i, 1) + " bytes, md5 " + r.GetString(i, 2) + ", owner " +
                        QuoteIdent(r.Get(i, 3)) + ", privileges " + r.GetString(i, 4) +
                        ", comment " + QuoteLiteral(r.Get(i, 5)),
                    ""};
  }
  return Status::Ok();
}

}  // namespace

std::string LargeObjectKey(uint32_t oid) { return "large object " + std::to_string(oid); }
bool IsLargeObjectKey(const std::string& key) { return key.rfind("large object ", 0) == 0; }

std::string HypertableKey(const std::string& qualified) {
  return qualified + " [hypertable: all rows]";
}

namespace {

// One table to digest, as listed under the leader's snapshot.
struct DigestItem {
  std::string schema, name, plain;  // plain: "schema.name", unquoted
  std::string filter;               // an extension configuration table's WHERE
  enum Kind { kOnly, kChunk, kHypertableParent } kind = kOnly;
  std::string hypertable;  // for a chunk or companion: its user hypertable
};

// Tables digested per transaction (and per connection). Each digest locks
// its table until the transaction ends, so one transaction over every table
// needs a lock slot per table: a database of 10,000 chunks would overflow a
// default server's lock table (64 x 100 slots). A fresh connection per batch
// also bounds the backend's relation cache.
constexpr size_t kDigestBatch = 1000;

Status DigestBatch(const std::string& conninfo, const std::string& snapshot,
                   std::span<const DigestItem> items, std::map<std::string, TableDigest>& out) {
  HD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(conninfo, "hyperdump compare"));
  // client_min_messages: TimescaleDB answers COPY of a hypertable parent with
  // a NOTICE that no data will be copied, then copies the parent's rows.
  HD_RETURN_IF_ERROR(
      conn.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION "
               "SNAPSHOT " +
               QuoteLiteral(snapshot) + "; SET LOCAL client_min_messages = warning"));
  for (const DigestItem& item : items) {
    const std::string quoted = QualifiedName(item.schema, item.name);
    if (item.kind == DigestItem::kHypertableParent) {
      auto d = DigestByCopy(conn, quoted);
      if (!d.ok()) return d.status().WithContext("digesting " + item.plain);
      out[item.plain] = std::move(d).value();
      continue;
    }
    // A chunk without ONLY: with its hooks on, TimescaleDB reads `ONLY
    // chunk` as empty (seen on 2.28.3: 0 rows of 144). A chunk has no
    // children, so without ONLY it is its own rows, plus, when compressed,
    // the rows of its companion decompressed (which is digested as it is too).
    auto r = conn.Exec(DigestSql((item.kind == DigestItem::kChunk ? "" : "ONLY ") + quoted +
                                 " AS hd_row_ " + item.filter));
    if (!r.ok()) return r.status().WithContext("digesting " + item.plain);
    out[item.plain] = TableDigest{r->GetInt(0, 0), r->GetString(0, 1), item.hypertable};
  }
  return conn.Run("COMMIT");
}

// 128 bits hold the sum of 2^63 row hashes of up to 2^63 each. GCC's and
// Clang's extension; __extension__ keeps -Wpedantic quiet about it.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

// A decimal sum of row hashes as PostgreSQL's numeric prints it.
Int128 ParseSum(const std::string& s) {
  Int128 v = 0;
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) v = v * 10 + (s[i] - '0');
  return (!s.empty() && s[0] == '-') ? -v : v;
}

std::string FormatSum(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  UInt128 u = negative ? -static_cast<UInt128>(v) : static_cast<UInt128>(v);
  std::string digits;
  for (; u > 0; u /= 10) digits.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
  if (negative) digits.push_back('-');
  return {digits.rbegin(), digits.rend()};
}

}  // namespace

Result<std::map<std::string, TableDigest>> DigestDatabase(const std::string& conninfo) {
  HD_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(conninfo, "hyperdump compare"));
  // One snapshot for the whole digest, so a concurrent writer cannot make
  // two tables disagree with each other: this transaction lists the tables
  // and stays open while the batches import its snapshot.
  HD_RETURN_IF_ERROR(conn.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  auto fail = [&](const Status& s, const std::string& what) {
    conn.Run("ROLLBACK").IgnoreError();
    return s.WithContext(what);
  };
  auto snapshot = conn.Exec("SELECT pg_export_snapshot()");
  if (!snapshot.ok()) return fail(snapshot.status(), "exporting the snapshot");
  auto tables = conn.Exec(kTablesSql);
  if (!tables.ok()) return fail(tables.status(), "listing tables");
  auto ts = conn.Exec("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'");
  if (!ts.ok()) return fail(ts.status(), "looking for TimescaleDB");
  std::map<std::string, std::string> owner;  // chunk -> hypertable
  std::set<std::string> companions;          // compressed companions of chunks
  std::set<std::string> internal;            // internal compressed hypertables
  std::set<std::string> parents;             // the other hypertables
  if (ts->rows() > 0) {
    auto chunks = conn.Exec(kChunkOwnersSql);
    if (!chunks.ok()) return fail(chunks.status(), "reading TimescaleDB chunks");
    for (int i = 0; i < chunks->rows(); ++i) {
      std::string chunk = chunks->GetString(i, 0) + "." + chunks->GetString(i, 1);
      owner[chunk] = chunks->GetString(i, 2) + "." + chunks->GetString(i, 3);
      if (chunks->GetBool(i, 4)) companions.insert(chunk);
    }
    auto hts = conn.Exec(kHypertablesSql);
    if (!hts.ok()) return fail(hts.status(), "reading TimescaleDB hypertables");
    for (int i = 0; i < hts->rows(); ++i) {
      std::string name = hts->GetString(i, 0) + "." + hts->GetString(i, 1);
      (hts->GetBool(i, 2) ? internal : parents).insert(std::move(name));
    }
  }
  std::vector<DigestItem> items;
  items.reserve(tables->rows());
  for (int i = 0; i < tables->rows(); ++i) {
    if (tables->GetBool(i, 3) && !tables->GetBool(i, 4)) continue;  // extension-owned, not config
    DigestItem item{
        tables->GetString(i, 0), tables->GetString(i, 1), "", "", DigestItem::kOnly, ""};
    item.plain = item.schema + "." + item.name;
    if (internal.count(item.plain)) continue;
    if (parents.count(item.plain)) {
      item.kind = DigestItem::kHypertableParent;
    } else if (auto it = owner.find(item.plain); it != owner.end()) {
      item.hypertable = it->second;
      if (!companions.count(item.plain)) item.kind = DigestItem::kChunk;
    } else {
      item.filter = tables->GetString(i, 2);
    }
    items.push_back(std::move(item));
  }
  tables = PgResult();  // the listing can be large; the items hold what is needed
  std::map<std::string, TableDigest> out;
  for (size_t at = 0; at < items.size(); at += kDigestBatch) {
    std::span<const DigestItem> batch(items.data() + at, std::min(kDigestBatch, items.size() - at));
    Status s = DigestBatch(conninfo, snapshot->GetString(0, 0), batch, out);
    if (!s.ok()) {
      conn.Run("ROLLBACK").IgnoreError();
      return s;
    }
  }
  // A hypertable's logical digest: the sum of its chunks' digests (each
  // chunk read as TimescaleDB shows it, decompressed). Never one query
  // through the root: PostgreSQL plans such a query over every chunk at
  // once, and over 100,000 chunks its backend grew to 16.6 GB.
  std::map<std::string, std::pair<int64_t, Int128>> sums;
  for (const std::string& h : parents) sums[h] = {0, 0};
  for (const DigestItem& item : items) {
    if (item.kind != DigestItem::kChunk) continue;
    const TableDigest& d = out[item.plain];
    auto& [rows, sum] = sums[item.hypertable];
    rows += d.rows;
    sum += ParseSum(d.hash);
  }
  for (const auto& [plain, total] : sums) {
    out[HypertableKey(plain)] = TableDigest{total.first, FormatSum(total.second), plain};
  }
  Status lo = DigestLargeObjects(conn, out);
  if (!lo.ok()) return fail(lo, "digesting large objects");
  HD_RETURN_IF_ERROR(conn.Run("COMMIT"));
  return out;
}

CompareReport CompareDigests(const std::map<std::string, TableDigest>& source,
                             const std::map<std::string, TableDigest>& target) {
  CompareReport report;
  for (const auto& [name, digest] : source) {
    auto it = target.find(name);
    if (it == target.end()) {
      report.missing.push_back(name);
    } else if (IsLargeObjectKey(name)) {
      if (it->second == digest) {
        ++report.large_objects;
      } else {
        report.different.push_back(name + ": source " + digest.hash + "; target " +
                                   it->second.hash);
      }
    } else if (it->second == digest) {
      report.equal.push_back(name);
      // A hypertable's logical digest counts rows its chunks counted already.
      if (HypertableKey(digest.hypertable) != name) report.rows += digest.rows;
    } else {
      std::string what = name;
      if (!digest.hypertable.empty() && HypertableKey(digest.hypertable) != name) {
        what = digest.hypertable + " (chunk " + name + ")";
      }
      report.different.push_back(
          what + ": source " + std::to_string(digest.rows) + " rows, target " +
          std::to_string(it->second.rows) + " rows" +
          (digest.rows == it->second.rows ? " (same count, different content)" : ""));
    }
  }
  for (const auto& [name, digest] : target) {
    if (!source.count(name)) report.extra.push_back(name);
  }
  return report;
}

Result<CompareReport> CompareDatabases(const std::string& source_uri,
                                       const std::string& target_uri) {
  auto target_future = std::async(std::launch::async, DigestDatabase, target_uri);
  auto source = DigestDatabase(source_uri);
  auto target = target_future.get();
  if (!source.ok()) return source.status().WithContext("source");
  if (!target.ok()) return target.status().WithContext("target");
  CompareReport report = CompareDigests(*source, *target);
  for (const std::string& uri : {source_uri, target_uri}) {
    auto conn = PgConnection::Connect(uri, "hyperdump compare");
    if (!conn.ok()) continue;
    auto marker = ReadPausedJobsMarker(*conn);
    if (marker.ok() && !marker->job_ids.empty()) {
      report.warnings.push_back(PausedJobsWarning(*marker, conn->database()));
    }
  }
  return report;
}

}  // namespace hyperdump::engine
