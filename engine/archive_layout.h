// What the engine stores in an archive, on top of format/ (which knows only
// files, blobs and opaque JSON). This is the contract between `hyperdump
// dump` and `hyperdump restore`; docs/format.md ("Engine contents") mirrors it.
//
// Blobs (format::ArchiveWriter::PutBlob):
//   schema.pgdump   pg_dump --format=custom --schema-only --snapshot=<S>: read
//                   section by section / item by item with pg_restore -l/-L.
//   plan.json       the dump's view of the source (see below).
//   roles.sql       pg_dumpall --roles-only (only with --roles).
//   paused_jobs.json  TimescaleDB job ids unscheduled for the dump; written
//                   before any data so a crash can be repaired
//                   (`hyperdump resume-jobs`).
// Data files: data/<job id>.copy[.zst], one per DataJob, COPY text format
// (or binary with --format=binary), with meta:
//   {"table": <index into plan.json tables>, "schema": s, "name": n,
//    "kind": TableKindName, "range": [start_block, end_block] | null,
//    "copy_format": "text" | "binary"}
// and row count = rows COPY reported.
//
// plan.json:
//   {"tables": [{"schema","name","kind","parent","hypertable","compressed_of",
//                "extension","copy_filter","load_after":[..],"bytes","rows"}],
//    "sequences": [{"schema","name","last_value","is_called"}],
//    "post_data": [{"desc": "INDEX"|"CONSTRAINT"|"FK CONSTRAINT"|"TRIGGER"|...,
//                   "schema": s, "name": item name as in the TOC tag,
//                   "table": "schema.name" it belongs to,
//                   "references": "schema.name" (FKs: the other table)}],
//    "large_objects": count}
#ifndef HYPERDUMP_ENGINE_ARCHIVE_LAYOUT_H_
#define HYPERDUMP_ENGINE_ARCHIVE_LAYOUT_H_

namespace hyperdump::engine::layout {

inline constexpr const char* kSchemaBlob = "schema.pgdump";
inline constexpr const char* kPlanBlob = "plan.json";
inline constexpr const char* kRolesBlob = "roles.sql";
inline constexpr const char* kPausedJobsBlob = "paused_jobs.json";
inline constexpr const char* kDataDir = "data";

// Source facts keys in the manifest (format::ArchiveWriter::Commit).
inline constexpr const char* kFactServerVersion = "server_version";
inline constexpr const char* kFactTimescaleDbVersion = "timescaledb_version";
inline constexpr const char* kFactSnapshot = "snapshot";
inline constexpr const char* kFactDatabase = "database";
inline constexpr const char* kFactOptions = "options";

}  // namespace hyperdump::engine::layout

#endif  // HYPERDUMP_ENGINE_ARCHIVE_LAYOUT_H_
