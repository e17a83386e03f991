// What the engine stores in an archive, on top of format/ (which knows only
// files, blobs and opaque JSON). This is the contract between `hyperdump
// dump` and `hyperdump restore`; docs/format.md specifies the container itself.
//
// Blobs (format::ArchiveWriter::PutBlob, stored uncompressed):
//   schema.pgdump   pg_dump --format=custom --section=pre-data --section=post-data
//                   --no-blobs --snapshot=<S> (the schema, plus the REFRESH
//                   of each populated materialized view)
//                   (-n/-N/-t/-T passed through): read section by section /
//                   item by item with pg_restore -l/-L.
//   plan.json       the dump's view of the source (see below). Stored right
//                   after schema.pgdump, before the data files are done: it
//                   names every data file the dump will write, so that a
//                   restore reading the archive as it grows (`hyperdump
//                   migrate`) knows its whole job graph from the start.
//   roles.sql       pg_dumpall --roles-only --no-role-passwords (only with
//                   --roles): role definitions WITHOUT password hashes; set
//                   passwords on the target.
//   paused_jobs.json  {"database": name, "job_ids": [1000, ...]}: TimescaleDB
//                   jobs unscheduled for the dump; written before the first
//                   alter_job so a crash can be repaired (`hyperdump
//                   resume-jobs DIR -d SOURCE` reads it straight from the
//                   directory, manifest or not). Absent without TimescaleDB or
//                   with --no-pause-jobs. Informational once the dump ended:
//                   the archived bgw_job rows keep the source's `scheduled`.
// Data files: data/<job id>.copy.zst (data/<job id>.copy with --compress=none),
// one per DataJob, whatever the COPY format, with meta:
//   {"table": <index into plan.json tables>, "schema": s, "name": n,
//    "kind": TableKindName, "range": [start_block, end_block] | null,
//    "copy_format": "text" | "binary",
//    "columns": [column names in the order COPY wrote them],
//    "object": "schema.name" (display only: `hyperdump list` shows it)}
// Restore names these columns in its COPY ... FROM: an inheritance child's
// column order can differ between source and target (a parent column added
// after the child had local columns), so position alone is not enough.
// and row count = rows COPY reported (text files also have lines == rows).
// A table's file(s) hold its rows exactly as `COPY schema.table TO STDOUT`
// gives them (generated columns excluded), read under the dump's snapshot:
//  - COPY table TO for whole tables, chunks and compressed chunks (never a
//    query: compressed chunks stay compressed, each table as it is);
//  - COPY (SELECT <non-generated columns> FROM ONLY t WHERE ctid ...) for the
//    block ranges of split ordinary tables (never chunks), and with
//    `copy_filter` for extension configuration tables.
// Every table in plan.json has at least one data file, empty tables included.
// Large object files: large_objects/<batch, 4 digits>.lo[.zst] (version 1.1),
// one per LargeObjectBatch (consecutive OIDs, at most 2,000 objects and 64 MiB,
// or one bigger object alone), with meta
//   {"kind": "large_objects", "first_oid", "last_oid", "objects",
//    "object": "large objects <first>..<last>"}
// and row count = objects. The stream is, per object in OID order, a JSON
// header line {"oid","bytes","owner","comment","grants"} and then exactly
// `bytes` bytes of data (engine/large_objects.h, docs/format.md section 9).
// pg_dump's schema (--no-blobs) holds nothing about large objects: their
// owners, privileges and comments are only here, so restored exactly once.
//
// plan.json: engine/plan/plan_json.h (PlanFile, its to_json/from_json) is its
// schema, docs/format.md section 10 documents its fields. Sequence values
// are read right after the snapshot is taken (sequences are not
// transactional: a value can be slightly ahead of the rows, never behind).
//
// Manifest source facts (format::ArchiveWriter::Commit): the kFact* keys
// below plus "server_version_num"; "options" holds the dump's flags (jobs,
// copy_format, codec, level, lock_per_job, pause_jobs, roles, large_objects,
// include/exclude patterns, split_larger_than). Never a conninfo.
//
// A failed dump leaves no manifest.json: the directory holds an INCOMPLETE
// text file saying why, or is removed when no data file was written.
//
#ifndef HYPERDUMP_ENGINE_ARCHIVE_LAYOUT_H_
#define HYPERDUMP_ENGINE_ARCHIVE_LAYOUT_H_

namespace hyperdump::engine::layout {

inline constexpr const char* kSchemaBlob = "schema.pgdump";
inline constexpr const char* kPlanBlob = "plan.json";
inline constexpr const char* kRolesBlob = "roles.sql";
inline constexpr const char* kPausedJobsBlob = "paused_jobs.json";
inline constexpr const char* kDataDir = "data";
inline constexpr const char* kLargeObjectsDir = "large_objects";

// Source facts keys in the manifest (format::ArchiveWriter::Commit).
inline constexpr const char* kFactServerVersion = "server_version";
inline constexpr const char* kFactTimescaleDbVersion = "timescaledb_version";
inline constexpr const char* kFactSnapshot = "snapshot";
inline constexpr const char* kFactDatabase = "database";
inline constexpr const char* kFactOptions = "options";

}  // namespace hyperdump::engine::layout

#endif  // HYPERDUMP_ENGINE_ARCHIVE_LAYOUT_H_
