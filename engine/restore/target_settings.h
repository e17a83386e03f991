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

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_RESTORE_TARGET_SETTINGS_H_
