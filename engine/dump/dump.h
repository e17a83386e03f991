// `hyperdump dump`: a consistent, parallel dump of one database into an
// archive directory (engine/archive_layout.h says what the archive holds).
#ifndef HYPERDUMP_ENGINE_DUMP_DUMP_H_
#define HYPERDUMP_ENGINE_DUMP_DUMP_H_

#include <atomic>
#include <string>

#include "base/status.h"
#include "engine/dump/copy_out.h"
#include "engine/plan/dump_plan.h"
#include "engine/run_observer.h"
#include "format/codec.h"
#include "format/writer.h"
#include "scheduler/events.h"

namespace hyperdump::engine {

struct DumpOptions {
  std::string source;          // libpq URI or conninfo; shown only through RedactConninfo
  std::string dir;             // created 0700; an existing one must be empty
  int jobs = 2;                // worker connections (the leader is one more)
  DiscoveryOptions selection;  // -n/-N/-t/-T, --split-larger-than
  format::Codec codec = format::Codec::kZstd;
  int level = format::kDefaultZstdLevel;
  CopyFormat copy_format = CopyFormat::kText;
  bool lock_per_job = false;  // lock each table only while a job copies it
  int lock_timeout_ms = 10000;
  bool pause_jobs = true;             // unschedule TimescaleDB jobs >= 1000 for the dump
  int wait_jobs_timeout_ms = 600000;  // how long to wait for running jobs before the snapshot
  bool roles = false;                 // also store pg_dumpall --roles-only
  bool no_large_objects = false;  // leave large objects out (else dumped, engine/large_objects.h)
  std::string tool_version;       // written to the manifest
  // --cpu-log: one JSON line per data job with its wall time and its server
  // and client CPU seconds, and one for the leader's session
  // (engine/cpu_log.h). Empty: none.
  std::string cpu_log;
  // The archive writer's options: `hyperdump migrate` sets created_at and
  // on_sealed (to start restoring each file as soon as it is sealed).
  format::WriterOptions writer;
};

// What a successful dump moved (for the one-line summary).
struct DumpSummary {
  int64_t tables = 0, jobs = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;         // COPY output, uncompressed
  uint64_t stored_bytes = 0;  // data files on disk
};

// Runs the dump. On success the archive has its manifest; on any failure it
// has none, holds an INCOMPLETE file saying why (or is removed when nothing in
// it is worth keeping), and TimescaleDB jobs paused by the dump are
// rescheduled (if even that fails, the error says how to repair it).
// `interrupt` (Ctrl-C) stops the dump cleanly with kCancelled. `sink` (may be
// null) receives the data jobs' progress events from worker threads;
// `observer` (may be null) the phases and the estimate (engine/run_phases.h).
Status RunDump(const DumpOptions& options, const std::atomic<bool>& interrupt,
               scheduler::EventSink* sink = nullptr, DumpSummary* summary = nullptr,
               RunObserver* observer = nullptr);

// The name of the marker file left in the directory of a failed dump.
inline constexpr const char* kIncompleteMarker = "INCOMPLETE";

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_DUMP_DUMP_H_
