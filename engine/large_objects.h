// Large objects (pg_largeobject_metadata and their data): listed under the
// dump's snapshot, archived in batches by OID range, restored with their
// original OIDs, owners, privileges and comments.
//
// pg_dump --no-blobs (how hyperdump takes the schema) emits nothing about
// large objects, not even their comments and ACLs: everything about them is
// here, so each is restored exactly once.
//
// Archive encoding (engine/archive_layout.h, docs/format.md section 9): one
// data file per batch, large_objects/<batch>.lo[.zst], holding, for each
// object in OID order, one JSON header line
//   {"oid": 16384, "bytes": 5, "owner": "alice", "comment": "..." | null,
//    "grants": [{"grantee": "bob" | null (PUBLIC), "privilege": "SELECT",
//                "grantable": false}] | null (default privileges)}
// followed by exactly `bytes` bytes of the object's data. The file's rows
// are its objects.
//
// Data is read with lo_get (works for a superuser, the owner, or a role with
// SELECT on the object) and written with lo_from_bytea / lo_put; an object
// is never held whole in memory, only kLargeObjectChunk bytes of it.
//
// Threads: plain functions on connections the caller owns exclusively.
#ifndef HYPERDUMP_ENGINE_LARGE_OBJECTS_H_
#define HYPERDUMP_ENGINE_LARGE_OBJECTS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/pg/pg.h"
#include "format/codec.h"
#include "format/reader.h"
#include "format/writer.h"
#include "scheduler/events.h"

namespace hyperdump::engine {

// The largest piece of one object read or written at once.
inline constexpr uint64_t kLargeObjectChunk = 4u << 20;

// meta.kind of a large object data file.
inline constexpr const char* kLargeObjectsKind = "large_objects";

struct LargeObjectInfo {
  uint32_t oid = 0;
  uint64_t bytes = 0;
};

// Every large object, in OID order, with its size, as the snapshot of
// `conn`'s open transaction sees them. Opens each one for reading, so a role
// that may not read one fails here, before anything is written, with an
// error naming the object and the ways out (a superuser, --no-large-objects).
Result<std::vector<LargeObjectInfo>> ListLargeObjects(PgConnection& conn);

// A dump job: consecutive objects (an OID range), at most `max_objects` of
// them and `max_bytes` of data, except that an object bigger than
// `max_bytes` is a batch of its own.
struct LargeObjectBatch {
  int index = 0;  // 0, 1, ... in OID order; names the file
  std::vector<LargeObjectInfo> objects;
  uint64_t bytes = 0;
  uint32_t first_oid() const { return objects.front().oid; }
  uint32_t last_oid() const { return objects.back().oid; }
};
struct BatchLimits {
  size_t max_objects = 2000;
  uint64_t max_bytes = 64u << 20;
};
// Pure; `objects` in OID order. Every object lands in exactly one batch.
std::vector<LargeObjectBatch> BatchLargeObjects(const std::vector<LargeObjectInfo>& objects,
                                                BatchLimits limits = {});

// "large_objects/<index, 4 digits>.lo[.zst]".
std::string LargeObjectFileName(int index, format::Codec codec);

struct LargeObjectDumpOptions {
  std::string conninfo;  // for the worker connections
  std::string snapshot;  // exported by the leader, open until this returns
  int slots = 2;
  format::Codec codec = format::Codec::kZstd;
  int level = format::kDefaultZstdLevel;
};
struct LargeObjectTotals {
  std::atomic<uint64_t> objects{0}, bytes{0}, stored_bytes{0};
};

// Archives every batch, one scheduler job each, on `options.slots` worker
// connections that import the snapshot. Returns the first failure (the run
// then stops), kCancelled on interrupt.
Status DumpLargeObjects(const LargeObjectDumpOptions& options,
                        const std::vector<LargeObjectBatch>& batches,
                        format::ArchiveWriter& archive, const std::atomic<bool>& interrupt,
                        scheduler::EventSink* sink, LargeObjectTotals* totals);

struct LargeObjectRestoreOptions {
  bool no_owner = false;       // leave the objects to the restoring role
  bool no_privileges = false;  // no GRANT/REVOKE
  bool clean = false;          // unlink an object of the same OID first
};

// Restores every object of the archived file `file` inside the caller's
// open transaction on `conn` (so the caller commits them with its ledger
// row, or not at all). `progress` gets decoded bytes as they are sent;
// returning false cancels (kCancelled). Returns the objects restored.
Result<int64_t> RestoreLargeObjectFile(PgConnection& conn, const format::ArchiveSource& archive,
                                       const format::FileEntry& file,
                                       const LargeObjectRestoreOptions& options,
                                       const std::function<bool(uint64_t)>& progress);

// The SQL that gives object `oid` its owner, privileges and comment, from
// its header line (one statement per line). kCorrupt for a header that
// does not read as one (a privilege other than SELECT or UPDATE). Pure.
Result<std::string> LargeObjectMetadataSql(const nlohmann::json& header,
                                           const LargeObjectRestoreOptions& options);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_LARGE_OBJECTS_H_
