// The restore of one archived batch of large objects, inside the caller's
// transaction: each object created with its archived OID (so that OID
// columns referring to it stay valid), its data written, then its owner,
// comment and privileges.
#include <algorithm>
#include <cstring>

#include "engine/large_objects.h"

namespace hyperdump::engine {
namespace {

// Small objects are created this many at a time (one round trip).
constexpr size_t kObjectsPerWrite = 256;

// Reads a large object file: header lines and exact byte counts, over a
// DataFileReader (which verifies the file when it reaches its end).
class ObjectStream {
 public:
  explicit ObjectStream(format::DataFileReader& reader) : reader_(reader) {}

  // The next header line without its '\n'; nullopt at the (verified) end.
  Result<std::optional<std::string>> Line() {
    while (true) {
      size_t nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) {
        std::string line = buf_.substr(pos_, nl - pos_);
        pos_ = nl + 1;
        return std::optional<std::string>(std::move(line));
      }
      HD_ASSIGN_OR_RETURN(bool more, Fill());
      if (!more) {
        if (pos_ < buf_.size()) return Corrupt(reader_.entry().name + " ends inside a header");
        return std::optional<std::string>();
      }
    }
  }

  // Exactly `n` bytes (n <= kLargeObjectChunk).
  Result<std::string> Bytes(uint64_t n) {
    while (buf_.size() - pos_ < n) {
      HD_ASSIGN_OR_RETURN(bool more, Fill());
      if (!more) return Corrupt(reader_.entry().name + " ends inside a large object's data");
    }
    std::string out = buf_.substr(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  Result<bool> Fill() {
    if (pos_ > 0) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    char chunk[1 << 16];
    HD_ASSIGN_OR_RETURN(size_t n, reader_.Read(chunk, sizeof chunk));
    buf_.append(chunk, n);
    return n > 0;
  }

  format::DataFileReader& reader_;
  std::string buf_;
  size_t pos_ = 0;
};

// Objects read but not yet created: small ones, sent together.
struct Pending {
  std::vector<std::string> params;  // oid, data, oid, data...
  std::vector<bool> binary;
  std::vector<std::string> oids;
  std::string metadata_sql;
  uint64_t bytes = 0;
  size_t objects() const { return oids.size(); }
};

Status Unlink(PgConnection& conn, const std::vector<std::string>& oids) {
  std::string list;
  for (const std::string& oid : oids) list += (list.empty() ? "" : ",") + oid;
  return conn
      .ExecParams(
          "SELECT pg_catalog.lo_unlink(m.oid) FROM pg_catalog.pg_largeobject_metadata m"
          " WHERE m.oid = ANY ($1::pg_catalog.oid[])",
          {"{" + list + "}"})
      .status();
}

Status Flush(PgConnection& conn, Pending& p, const LargeObjectRestoreOptions& options) {
  if (p.objects() == 0) return Status::Ok();
  if (options.clean) HD_RETURN_IF_ERROR(Unlink(conn, p.oids));
  std::string sql = "SELECT ";
  for (size_t i = 0; i < p.objects(); ++i) {
    sql += (i ? ", " : "") + std::string("pg_catalog.lo_from_bytea($") + std::to_string(2 * i + 1) +
           "::pg_catalog.oid, $" + std::to_string(2 * i + 2) + "::pg_catalog.bytea)";
  }
  Status s = conn.ExecBinary(sql, p.params, p.binary, false).status();
  if (!s.ok()) {
    return s.WithContext("creating large objects " + p.oids.front() + ".." + p.oids.back());
  }
  if (!p.metadata_sql.empty()) {
    s = conn.Run(p.metadata_sql);
    if (!s.ok()) {
      return s.WithContext("setting owner, comment or privileges of large objects " +
                           p.oids.front() + ".." + p.oids.back());
    }
  }
  p = Pending{};
  return Status::Ok();
}

// One object bigger than a chunk: created empty, then written piece by piece.
Status WriteBig(PgConnection& conn, ObjectStream& in, const std::string& oid, uint64_t bytes,
                const std::string& metadata_sql, const LargeObjectRestoreOptions& options,
                const std::function<bool(uint64_t)>& progress) {
  if (options.clean) HD_RETURN_IF_ERROR(Unlink(conn, {oid}));
  HD_RETURN_IF_ERROR(
      conn.ExecParams("SELECT pg_catalog.lo_create($1::pg_catalog.oid)", {oid}).status());
  for (uint64_t done = 0; done < bytes;) {
    uint64_t len = std::min(kLargeObjectChunk, bytes - done);
    HD_ASSIGN_OR_RETURN(std::string piece, in.Bytes(len));
    HD_RETURN_IF_ERROR(conn.ExecBinary("SELECT pg_catalog.lo_put($1::pg_catalog.oid,"
                                       " $2::pg_catalog.int8, $3::pg_catalog.bytea)",
                                       {oid, std::to_string(done), std::move(piece)},
                                       {false, false, true}, false)
                           .status());
    done += len;
    if (progress && !progress(len)) return Cancelled("cancelled");
  }
  if (!metadata_sql.empty()) HD_RETURN_IF_ERROR(conn.Run(metadata_sql));
  return Status::Ok();
}

}  // namespace

Result<int64_t> RestoreLargeObjectFile(PgConnection& conn, const format::ArchiveSource& archive,
                                       const format::FileEntry& file,
                                       const LargeObjectRestoreOptions& options,
                                       const std::function<bool(uint64_t)>& progress) {
  HD_ASSIGN_OR_RETURN(std::unique_ptr<format::DataFileReader> reader, archive.OpenFile(file.name));
  ObjectStream in(*reader);
  Pending pending;
  int64_t objects = 0;
  while (true) {
    HD_ASSIGN_OR_RETURN(std::optional<std::string> line, in.Line());
    if (!line) break;
    nlohmann::json header = nlohmann::json::parse(*line, nullptr, false);
    if (header.is_discarded() || !header.is_object() || !header.contains("oid") ||
        !header["oid"].is_number_unsigned() || !header.contains("bytes") ||
        !header["bytes"].is_number_unsigned()) {
      return Corrupt(file.name + " holds a damaged large object header after " +
                     std::to_string(objects) + " objects");
    }
    const std::string oid = std::to_string(header["oid"].get<uint64_t>());
    const uint64_t bytes = header["bytes"].get<uint64_t>();
    Result<std::string> metadata = LargeObjectMetadataSql(header, options);
    if (!metadata.ok()) return metadata.status().WithContext(file.name);
    ++objects;
    if (bytes > kLargeObjectChunk) {
      HD_RETURN_IF_ERROR(Flush(conn, pending, options));
      Status s = WriteBig(conn, in, oid, bytes, *metadata, options, progress);
      if (!s.ok()) return s.WithContext("restoring large object " + oid);
      continue;
    }
    if (pending.objects() >= kObjectsPerWrite || pending.bytes + bytes > kLargeObjectChunk) {
      uint64_t sent = pending.bytes;
      HD_RETURN_IF_ERROR(Flush(conn, pending, options));
      if (progress && !progress(sent)) return Cancelled("cancelled");
    }
    HD_ASSIGN_OR_RETURN(std::string data, in.Bytes(bytes));
    pending.params.push_back(oid);
    pending.params.push_back(std::move(data));
    pending.binary.push_back(false);
    pending.binary.push_back(true);
    pending.oids.push_back(oid);
    pending.metadata_sql += *metadata;
    pending.bytes += bytes;
  }
  uint64_t sent = pending.bytes;
  HD_RETURN_IF_ERROR(Flush(conn, pending, options));
  if (progress && !progress(sent)) return Cancelled("cancelled");
  if (file.rows && static_cast<int64_t>(*file.rows) != objects) {
    return Corrupt(file.name + " holds " + std::to_string(objects) +
                   " large objects but the archive's manifest says " + std::to_string(*file.rows));
  }
  return objects;
}

}  // namespace hyperdump::engine
