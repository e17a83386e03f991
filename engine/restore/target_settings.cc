#include "engine/restore/target_settings.h"

#include <algorithm>

#include "base/units.h"

namespace hyperdump::engine {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;

// `bytes` rounded up, as a setting's value: "3GB", "256MB".
std::string SettingSize(uint64_t bytes) {
  if (bytes >= kGiB) return std::to_string((bytes + kGiB - 1) / kGiB) + "GB";
  return std::to_string((bytes + kMiB - 1) / kMiB) + "MB";
}

}  // namespace

Result<TargetSettings> ReadTargetSettings(PgConnection& conn) {
  HD_ASSIGN_OR_RETURN(
      PgResult r, conn.Exec("SELECT current_setting('wal_level'), "
                            "pg_catalog.pg_size_bytes(current_setting('max_wal_size')), "
                            "pg_catalog.pg_size_bytes(current_setting('maintenance_work_mem')), "
                            "current_setting('full_page_writes')"));
  TargetSettings s;
  s.wal_level = r.GetString(0, 0);
  s.max_wal_size_bytes = r.GetInt(0, 1);
  s.maintenance_work_mem_bytes = r.GetInt(0, 2);
  s.full_page_writes = r.GetString(0, 3) == "on";
  return s;
}

std::string SettingsAdvice(const TargetSettings& s, uint64_t data_bytes,
                           uint64_t largest_table_bytes) {
  std::string advice;
  auto add = [&advice](const std::string& item) { advice += (advice.empty() ? "" : "; ") + item; };
  // A restore writes about its data again as WAL (and its indexes): past
  // max_wal_size a checkpoint starts, flushing every dirty page, and with
  // full_page_writes each page touched after it is logged whole again.
  const uint64_t max_wal = static_cast<uint64_t>(std::max<int64_t>(s.max_wal_size_bytes, 0));
  if (s.wal_level != "minimal" && data_bytes >= kGiB && max_wal < data_bytes) {
    add("max_wal_size = " + HumanBytes(max_wal) + " against " + HumanBytes(data_bytes) +
        " of data: about " + std::to_string(data_bytes / std::max<uint64_t>(max_wal, 1)) +
        " checkpoints will run during the restore" +
        (s.full_page_writes ? ", each followed by whole pages in WAL (full_page_writes)" : "") +
        "; max_wal_size = '" + SettingSize(data_bytes) + "' for the restore avoids them");
  }
  if (s.wal_level != "minimal" && data_bytes >= kGiB) {
    add("wal_level = " + s.wal_level +
        ": every row loaded is written to WAL too; on a server with no standby and no WAL "
        "archiving yet, wal_level = minimal (with max_wal_senders = 0; a restart) lets each "
        "table's COPY skip WAL, as hyperdump loads a table in the transaction that empties it");
  }
  // An index build sorts in maintenance_work_mem; past it the sort spills.
  const uint64_t mwm = static_cast<uint64_t>(std::max<int64_t>(s.maintenance_work_mem_bytes, 0));
  if (largest_table_bytes >= 512 * kMiB &&
      mwm < std::min<uint64_t>(largest_table_bytes / 4, kGiB)) {
    add("maintenance_work_mem = " + HumanBytes(mwm) + ": the index builds of the largest table (" +
        HumanBytes(largest_table_bytes) + ") sort on disk; " + "maintenance_work_mem = '" +
        SettingSize(std::min<uint64_t>(largest_table_bytes / 4, kGiB)) +
        "' (ALTER ROLE ... SET maintenance_work_mem, or in postgresql.conf) keeps them in memory");
  }
  if (advice.empty()) return advice;
  return "the target's settings leave speed on the table: " + advice +
         " (hyperdump changes no server setting)";
}

IndexBuildSettings ParallelIndexBuild(int spare_slots, int64_t maintenance_work_mem_bytes) {
  // PostgreSQL's own floor (plan_create_index_workers): each participant of
  // a parallel build, the leader included, needs 32 MB of maintenance_work_mem.
  constexpr int64_t kPerParticipant = int64_t{32} << 20;
  const int spare = std::max(spare_slots, 0);
  IndexBuildSettings s;
  if (maintenance_work_mem_bytes <= 0) {
    s.parallel_workers = spare;
    return s;
  }
  if (spare == 0) return s;
  s.work_mem_bytes = maintenance_work_mem_bytes * (1 + spare);
  s.parallel_workers =
      static_cast<int>(std::clamp<int64_t>(s.work_mem_bytes / kPerParticipant - 1, 0, spare));
  return s;
}

std::string IndexBuildSql(const IndexBuildSettings& s) {
  std::string sql =
      "SET LOCAL max_parallel_maintenance_workers = " + std::to_string(s.parallel_workers) + ";";
  if (s.work_mem_bytes > 0) {
    sql += " SET LOCAL maintenance_work_mem = '" + std::to_string(s.work_mem_bytes / 1024) + "kB';";
  }
  return sql;
}

}  // namespace hyperdump::engine
