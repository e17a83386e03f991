// The pg_dump/pg_restore side of `hyperdump bench` (bench/bench.h), run as a
// user would run it, through engine/pg/subprocess.h (no shell, password only in
// the child's environment). Each function is one timed step.
#ifndef HYPERDUMP_BENCH_BENCH_PG_H_
#define HYPERDUMP_BENCH_BENCH_PG_H_

#include <atomic>
#include <string>

#include "base/status.h"

namespace hyperdump::bench {

// Where the pg_* programs are and where their outputs (listings, stderr) go.
struct PgTools {
  std::string bindir;
  std::string work_dir;  // private; each step writes <work_dir>/<step>.out and .out.stderr
  const std::atomic<bool>* interrupt = nullptr;
};

// pg_dump -Fd -j JOBS -f DIR -d SOURCE.
Status RunPgDump(const PgTools& tools, const std::string& source, const std::string& dir, int jobs);

// pg_restore -j JOBS -d TARGET DIR, for a database without TimescaleDB.
Status RunPgRestore(const PgTools& tools, const std::string& target, const std::string& dir,
                    int jobs);

// The staged procedure TimescaleDB documents for pg_restore, its one copy (the
// bench scripts run it through bench/staged_pg_restore_main.cc): CREATE EXTENSION
// and timescaledb_pre_restore(); pre-data; the _timescaledb_catalog and
// _timescaledb_config data alone, in one job (its rows depend on each other);
// the other data with -j JOBS; post-data with -j JOBS;
// timescaledb_post_restore() (run even when a step failed).
// `phase`, when not kAll, runs one step only, so that a script can time the
// steps one by one (bench/scaling_bench.sh): kStart is CREATE EXTENSION,
// timescaledb_pre_restore() and pre-data; kEnd is timescaledb_post_restore().
enum class StagedPhase { kAll, kStart, kCatalog, kData, kPostData, kEnd };
Status RunStagedPgRestore(const PgTools& tools, const std::string& target, const std::string& dir,
                          int jobs, StagedPhase phase = StagedPhase::kAll);

// Sum of the sizes of the regular files under `path` (an archive).
uint64_t DirectoryBytes(const std::string& path);

}  // namespace hyperdump::bench

#endif  // HYPERDUMP_BENCH_BENCH_PG_H_
