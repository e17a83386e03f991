// The dump of large objects: one scheduler job per LargeObjectBatch, on
// worker connections that import the dump's snapshot, so the objects are
// exactly those of the instant the tables were read at.
#include <algorithm>
#include <cstring>
#include <mutex>

#include "base/job_kind.h"
#include "engine/dump/dump_data.h"
#include "engine/dump/snapshot.h"
#include "engine/large_objects.h"
#include "scheduler/runner.h"

namespace hyperdump::engine {
namespace {

using scheduler::JobContext;
using scheduler::JobOutcome;

// Small objects are read this many at a time (one round trip).
constexpr size_t kObjectsPerRead = 256;

// Owner, comment and privileges of the objects in [first, last], in OID order.
constexpr const char* kMetadataSql = R"sql(
SELECT m.oid, pg_catalog.pg_get_userbyid(m.lomowner),
       pg_catalog.obj_description(m.oid, 'pg_largeobject'),
       CASE WHEN m.lomacl IS NULL THEN NULL ELSE coalesce(
         (SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                   'grantee', CASE WHEN a.grantee = 0 THEN NULL
                                   ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
                   'privilege', a.privilege_type, 'grantable', a.is_grantable))
          FROM pg_catalog.aclexplode(m.lomacl) a), '[]') END
FROM pg_catalog.pg_largeobject_metadata m
WHERE m.oid BETWEEN $1 AND $2 ORDER BY m.oid
)sql";

class LargeObjectDump {
 public:
  LargeObjectDump(const LargeObjectDumpOptions& o, format::ArchiveWriter& archive,
                  LargeObjectTotals* totals)
      : o_(o), archive_(archive), totals_(totals), workers_(o.conninfo, o.snapshot, o.slots) {}

  Status OpenConnections() { return workers_.Open(); }
  void Cancel(int slot) { workers_.Cancel(slot); }

  JobOutcome Run(JobContext& ctx, const LargeObjectBatch& batch) {
    Result<PgConnection*> worker = workers_.Connection(ctx.slot);
    if (!worker.ok()) return JobOutcome::Retry(worker.status());
    PgConnection& conn = **worker;
    const std::string what = "large objects " + std::to_string(batch.first_oid()) + ".." +
                             std::to_string(batch.last_oid());
    Status s = BeginImportedSnapshot(conn, o_.snapshot);
    if (s.ok()) s = Write(conn, ctx, batch);
    if (s.ok()) s = conn.Run("COMMIT");
    if (!s.ok()) {
      if (conn.ok()) conn.Run("ROLLBACK").IgnoreError();
      Status with = s.WithContext("copying " + what);
      if (s.code() != StatusCode::kCancelled && IsTransient(s)) return JobOutcome::Retry(with);
      return JobOutcome::Fail(with);
    }
    return JobOutcome::Done();
  }

 private:
  // The batch's file: each object's header line, then its bytes.
  Status Write(PgConnection& conn, JobContext& ctx, const LargeObjectBatch& batch) {
    HD_ASSIGN_OR_RETURN(PgResult meta,
                        conn.ExecParams(kMetadataSql, {std::to_string(batch.first_oid()),
                                                       std::to_string(batch.last_oid())}));
    if (static_cast<size_t>(meta.rows()) != batch.objects.size()) {
      return Internal("the snapshot shows " + std::to_string(meta.rows()) +
                      " large objects in this range, but " + std::to_string(batch.objects.size()) +
                      " when they were listed");
    }
    format::FileOptions fo;
    fo.codec = o_.codec;
    fo.level = o_.codec == format::Codec::kZstd ? o_.level : 0;
    fo.job = "large objects/" + std::to_string(batch.index);
    fo.meta = {{"kind", kLargeObjectsKind},
               {"first_oid", batch.first_oid()},
               {"last_oid", batch.last_oid()},
               {"objects", batch.objects.size()},
               {"object", "large objects " + std::to_string(batch.first_oid()) + ".." +
                              std::to_string(batch.last_oid())}};
    HD_ASSIGN_OR_RETURN(std::unique_ptr<format::DataFileWriter> w,
                        archive_.BeginFile(LargeObjectFileName(batch.index, o_.codec), fo));
    const std::vector<LargeObjectInfo>& objects = batch.objects;
    for (size_t i = 0; i < objects.size();) {
      if (ctx.cancelled()) return Cancelled("cancelled");
      // A run of small objects, read in one round trip; or one big object,
      // read piece by piece.
      size_t end = i;
      uint64_t bytes = 0;
      while (end < objects.size() && end - i < kObjectsPerRead &&
             objects[end].bytes <= kLargeObjectChunk &&
             (end == i || bytes + objects[end].bytes <= kLargeObjectChunk)) {
        bytes += objects[end++].bytes;
      }
      if (end > i) {
        HD_RETURN_IF_ERROR(WriteSmall(conn, meta, i, objects, end, *w));
        ctx.AddProgress(bytes, 0);
        i = end;
      } else {
        HD_RETURN_IF_ERROR(WriteBig(conn, ctx, meta, i, objects[i], *w));
        ++i;
      }
    }
    HD_ASSIGN_OR_RETURN(format::FileEntry entry, w->Finish(objects.size()));
    ctx.AddProgress(0, objects.size());
    if (totals_) {
      totals_->objects += objects.size();
      totals_->bytes += batch.bytes;
      totals_->stored_bytes += entry.compressed_bytes;
    }
    return Status::Ok();
  }

  // The header line of object `row` of the metadata result.
  static Result<std::string> Header(const PgResult& meta, size_t row, const LargeObjectInfo& lo) {
    const int r = static_cast<int>(row);
    if (static_cast<uint32_t>(meta.GetInt(r, 0)) != lo.oid) {
      return Internal("large object " + std::to_string(lo.oid) +
                      " is not in the snapshot's metadata any more");
    }
    nlohmann::json h = {{"oid", lo.oid},
                        {"bytes", lo.bytes},
                        {"owner", meta.GetString(r, 1)},
                        {"comment", nullptr},
                        {"grants", nullptr}};
    if (!meta.IsNull(r, 2)) h["comment"] = meta.GetString(r, 2);
    if (!meta.IsNull(r, 3)) h["grants"] = nlohmann::json::parse(meta.Get(r, 3));
    return h.dump() + "\n";
  }

  static Status CheckSize(const LargeObjectInfo& lo, uint64_t got) {
    if (got == lo.bytes) return Status::Ok();
    return Internal("large object " + std::to_string(lo.oid) + " read as " + std::to_string(got) +
                    " bytes, but it has " + std::to_string(lo.bytes) + " under the snapshot");
  }

  static Status WriteSmall(PgConnection& conn, const PgResult& meta, size_t begin,
                           const std::vector<LargeObjectInfo>& objects, size_t end,
                           format::DataFileWriter& w) {
    std::string oids = "{";
    for (size_t k = begin; k < end; ++k) {
      oids += (k == begin ? "" : ",") + std::to_string(objects[k].oid);
    }
    oids += "}";
    HD_ASSIGN_OR_RETURN(
        PgResult data,
        conn.ExecBinary("SELECT pg_catalog.lo_get(u.o) FROM pg_catalog.unnest($1::pg_catalog.oid[])"
                        " WITH ORDINALITY AS u(o, i) ORDER BY u.i",
                        {oids}, {false}, true));
    for (size_t k = begin; k < end; ++k) {
      HD_ASSIGN_OR_RETURN(std::string header, Header(meta, k, objects[k]));
      std::string_view bytes = data.Get(static_cast<int>(k - begin), 0);
      HD_RETURN_IF_ERROR(CheckSize(objects[k], bytes.size()));
      HD_RETURN_IF_ERROR(w.Write(header));
      HD_RETURN_IF_ERROR(w.Write(bytes));
    }
    return Status::Ok();
  }

  static Status WriteBig(PgConnection& conn, JobContext& ctx, const PgResult& meta, size_t row,
                         const LargeObjectInfo& lo, format::DataFileWriter& w) {
    HD_ASSIGN_OR_RETURN(std::string header, Header(meta, row, lo));
    HD_RETURN_IF_ERROR(w.Write(header));
    uint64_t done = 0;
    while (done < lo.bytes) {
      if (ctx.cancelled()) return Cancelled("cancelled");
      uint64_t len = std::min(kLargeObjectChunk, lo.bytes - done);
      HD_ASSIGN_OR_RETURN(
          PgResult piece,
          conn.ExecBinary("SELECT pg_catalog.lo_get($1::pg_catalog.oid, $2::pg_catalog.int8,"
                          " $3::pg_catalog.int4)",
                          {std::to_string(lo.oid), std::to_string(done), std::to_string(len)},
                          {false, false, false}, true));
      std::string_view bytes = piece.Get(0, 0);
      if (bytes.size() != len) return CheckSize(lo, done + bytes.size());
      HD_RETURN_IF_ERROR(w.Write(bytes));
      done += len;
      ctx.AddProgress(len, 0);
    }
    return Status::Ok();
  }

  const LargeObjectDumpOptions& o_;
  format::ArchiveWriter& archive_;
  LargeObjectTotals* totals_;
  SnapshotWorkers workers_;  // one connection per slot
};

}  // namespace

Status DumpLargeObjects(const LargeObjectDumpOptions& options,
                        const std::vector<LargeObjectBatch>& batches,
                        format::ArchiveWriter& archive, const std::atomic<bool>& interrupt,
                        scheduler::EventSink* sink, LargeObjectTotals* totals) {
  if (batches.empty()) return Status::Ok();
  LargeObjectDumpOptions o = options;
  o.slots = std::max(1, std::min(o.slots, static_cast<int>(batches.size())));
  LargeObjectDump dump(o, archive, totals);
  HD_RETURN_IF_ERROR(dump.OpenConnections());
  scheduler::JobGraph graph;
  for (const LargeObjectBatch& batch : batches) {
    scheduler::JobSpec spec;
    spec.name = "copy large objects " + std::to_string(batch.first_oid()) + ".." +
                std::to_string(batch.last_oid());
    spec.kind = JobKindName(JobKind::kCopy);
    // Round trips cost too: count each object as a small page of work.
    spec.weight = std::max<uint64_t>(batch.bytes + 1024 * batch.objects.size(), 1);
    spec.fn = [&dump, &batch](JobContext& ctx) { return dump.Run(ctx, batch); };
    graph.Add(std::move(spec));
  }
  return RunDumpJobs(
      graph, o.slots, sink, interrupt, [&dump](int slot) { dump.Cancel(slot); },
      "large object phase");
}

}  // namespace hyperdump::engine
