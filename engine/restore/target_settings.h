// Advice on the target server's settings before a restore: which of them
// leave speed on the table for this much data, with the expected effect
// (issue 13). hyperdump never changes a server setting; it only says so.
#ifndef HYPERDUMP_ENGINE_RESTORE_TARGET_SETTINGS_H_
#define HYPERDUMP_ENGINE_RESTORE_TARGET_SETTINGS_H_

#include <cstdint>
#include <string>

#include "base/status.h"
#include "engine/pg/pg.h"

namespace hyperdump::engine {

// The settings that decide how much work a bulk load costs the server.
struct TargetSettings {
  std::string wal_level;  // "minimal", "replica", "logical"
  int64_t max_wal_size_bytes = 0;
  int64_t maintenance_work_mem_bytes = 0;
  bool full_page_writes = true;
};

Result<TargetSettings> ReadTargetSettings(PgConnection& conn);

// One note naming each setting that costs a restore of `data_bytes` (whose
// largest table holds `largest_table_bytes`) avoidable work, and what to
// set instead; "" when there is nothing to say (small restores never get
// advice). A pure function of its arguments.
std::string SettingsAdvice(const TargetSettings& settings, uint64_t data_bytes,
                           uint64_t largest_table_bytes);

// How one index build runs (issue 13 part 4): the session settings a job
// that builds an index (CREATE INDEX, a key) sets for its own transaction.
struct IndexBuildSettings {
  int parallel_workers = 0;    // max_parallel_maintenance_workers
  int64_t work_mem_bytes = 0;  // maintenance_work_mem; 0: leave the target's
};

// The settings of an index build that starts with `spare_slots` slots idle
// (scheduler::JobContext::spare_slots) on a target whose
// maintenance_work_mem is `maintenance_work_mem_bytes` (0 when unknown).
// The build takes the idle slots' cores as parallel workers and their
// memory: maintenance_work_mem x (1 + spare), so that the restore as a whole
// never asks for more than one maintenance_work_mem per slot, which is what
// N builds at the target's own setting would use. PostgreSQL gives a
// parallel build's participants at least 32 MB each, so the workers are
// capped by that memory; with no spare slot the build runs alone (the
// server's default of 2 workers would put 3 processes on a slot's core).
// A pure function.
IndexBuildSettings ParallelIndexBuild(int spare_slots, int64_t maintenance_work_mem_bytes);

// The SQL that applies `s` to the current transaction ("SET LOCAL ...;").
std::string IndexBuildSql(const IndexBuildSettings& s);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_TARGET_SETTINGS_H_
