// `hyperdump bench`: dump and restore throughput of hyperdump side by side
// with pg_dump/pg_restore, on the demo database, on the user's own server.
//
// RunBench reads as its list of phases: check the client programs' version,
// build (or reuse) the demo source, digest it (which also warms the cache),
// then for each job count: hyperdump dump + restore, hyperdump migrate (both at
// once), pg_dump -Fd + pg_restore
// (or, when the source has TimescaleDB, the documented staged procedure).
// Every restored database is compared row for row with the source before its
// time counts; a dump counts only through the restore of its archive. A
// difference fails the bench with the table named.
//
// Databases: only ones named kBenchPrefix* are created or dropped. The source
// (kBenchSourceDb) is kept for the next bench unless drop_source; each target
// is dropped right after its comparison, on every path.
#ifndef HYPERDUMP_BENCH_BENCH_H_
#define HYPERDUMP_BENCH_BENCH_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/demo_data.h"

namespace hyperdump::bench {

inline constexpr const char* kBenchPrefix = "hyperdump_bench_";
inline constexpr const char* kBenchSourceDb = "hyperdump_bench_source";

struct BenchOptions {
  std::string server;                  // conninfo/URI of a maintenance database (e.g. postgres)
  uint64_t size_bytes = 1ull << 30;    // demo-data --size
  std::string size_text = "1GB";       // as the user wrote it, for the report
  bool timescaledb = true;             // build the demo with TimescaleDB when offered
  DemoShape shape = DemoShape::kDemo;  // demo-data --shape
  std::vector<int> jobs = {4};         // one round per job count
  bool analyze = true;                 // hyperdump restore runs ANALYZE (as users run it)
  bool drop_source = false;            // drop the demo source at the end too
  std::string keep_dir;                // keep archives here; empty: private temp dir, removed
  std::string tool_version;            // hyperdump's version, for its manifests
  std::string pg_bindir;               // pg_dump's directory; empty: PgBinDir()
};

// One timed, verified run.
struct BenchRun {
  std::string tool;       // "hyperdump", "pg_dump -Fd", "pg_restore", "staged pg_restore"
  std::string operation;  // "dump", "restore" or "migrate" (hyperdump's both at once)
  int jobs = 0;
  double seconds = 0;
  uint64_t archive_bytes = 0;  // the archive written (dump) or read (restore)
  double ratio = 0;  // the pg_dump/pg_restore time at the same -j / this one's (migrate: both)
};

struct BenchReport {
  std::string source_db;
  bool source_reused = false;
  std::string timescaledb;    // source's TimescaleDB: "none" or its extversion
  std::string shape;          // DemoShapeName of the source
  uint64_t source_bytes = 0;  // pg_database_size of the source
  int64_t source_rows = 0;    // rows in every table that holds data
  int64_t source_tables = 0;  // tables compared
  int server_major = 0;       // PostgreSQL major of the server...
  int client_major = 0;       // ...and of pg_dump/pg_restore (equal, or RunBench fails)
  std::string pg_bindir;
  std::string size_text;
  std::string archive_dir;  // where archives were written (removed unless keep_dir)
  std::vector<BenchRun> runs;

  // The source's size on disk over the run's seconds.
  double BytesPerSecond(const BenchRun& r) const {
    return r.seconds > 0 ? static_cast<double>(source_bytes) / r.seconds : 0;
  }
  double RowsPerSecond(const BenchRun& r) const {
    return r.seconds > 0 ? static_cast<double>(source_rows) / r.seconds : 0;
  }
};

// Progress lines for the user ("bench: hyperdump dump -j 2: 1.23 s").
using BenchLog = std::function<void(const std::string&)>;

// Runs the bench. `interrupt` (Ctrl-C) stops it cleanly with kCancelled.
Result<BenchReport> RunBench(const BenchOptions& options, const std::atomic<bool>& interrupt,
                             const BenchLog& log);

// Parses -j's "1,2,4": positive job counts (1..256), at least one.
Result<std::vector<int>> ParseJobsList(const std::string& text);

// The report as a table for people and as JSON for machines
// (docs/user-guide.md shows both).
std::string FormatBenchTable(const BenchReport& report);
std::string FormatBenchJson(const BenchReport& report);

}  // namespace hyperdump::bench

#endif  // HYPERDUMP_BENCH_BENCH_H_
