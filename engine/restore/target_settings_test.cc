#include "engine/restore/target_settings.h"

#include <gtest/gtest.h>

namespace hyperdump::engine {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;

TargetSettings Defaults() {  // PostgreSQL 15's
  return {"replica", int64_t{1} << 30, int64_t{64} << 20, true};
}

TEST(SettingsAdviceTest, SmallRestoresGetNoAdvice) {
  EXPECT_EQ(SettingsAdvice(Defaults(), 900 * kMiB, 500 * kMiB), "");
}

TEST(SettingsAdviceTest, DefaultsBeforeABigRestoreNameEachSettingItsEffectAndTheFix) {
  EXPECT_EQ(SettingsAdvice(Defaults(), 10 * kGiB, 8 * kGiB),
            "the target's settings leave speed on the table: max_wal_size = 1.0 GiB against "
            "10.0 GiB of data: about 10 checkpoints will run during the restore, each followed "
            "by whole pages in WAL (full_page_writes); max_wal_size = '10GB' for the restore "
            "avoids them; wal_level = replica: every row loaded is written to WAL too; on a "
            "server with no standby and no WAL archiving yet, wal_level = minimal (with "
            "max_wal_senders = 0; a restart) lets each table's COPY skip WAL, as hyperdump loads "
            "a table in the transaction that empties it; maintenance_work_mem = 64.0 MiB: the "
            "index builds of the largest table (8.0 GiB) sort on disk; maintenance_work_mem = "
            "'1GB' (ALTER ROLE ... SET maintenance_work_mem, or in postgresql.conf) keeps them "
            "in memory (hyperdump changes no server setting)");
}

TEST(SettingsAdviceTest, ATunedServerGetsNone) {
  TargetSettings tuned{"minimal", int64_t{16} << 30, int64_t{2} << 30, false};
  EXPECT_EQ(SettingsAdvice(tuned, 10 * kGiB, 8 * kGiB), "");
  // wal_level = minimal writes no WAL for the loads: max_wal_size is moot.
  tuned.max_wal_size_bytes = int64_t{1} << 30;
  EXPECT_EQ(SettingsAdvice(tuned, 10 * kGiB, 8 * kGiB), "");
}

TEST(SettingsAdviceTest, MaintenanceWorkMemIsAskedForAQuarterOfTheLargestTable) {
  TargetSettings s{"minimal", int64_t{16} << 30, int64_t{64} << 20, true};
  EXPECT_EQ(SettingsAdvice(s, 2 * kGiB, 1 * kGiB),
            "the target's settings leave speed on the table: maintenance_work_mem = 64.0 MiB: "
            "the index builds of the largest table (1.0 GiB) sort on disk; maintenance_work_mem "
            "= '256MB' (ALTER ROLE ... SET maintenance_work_mem, or in postgresql.conf) keeps "
            "them in memory (hyperdump changes no server setting)");
}

TEST(ParallelIndexBuildTest, WithNoSpareSlotTheBuildRunsAloneAtTheTargetsMemory) {
  const IndexBuildSettings s = ParallelIndexBuild(0, int64_t{64} << 20);
  EXPECT_EQ(s.parallel_workers, 0);
  EXPECT_EQ(s.work_mem_bytes, 0);
  EXPECT_EQ(IndexBuildSql(s), "SET LOCAL max_parallel_maintenance_workers = 0;");
}

TEST(ParallelIndexBuildTest, SpareSlotsBecomeWorkersWithTheirShareOfMemory) {
  const IndexBuildSettings s = ParallelIndexBuild(3, int64_t{64} << 20);
  EXPECT_EQ(s.parallel_workers, 3);
  EXPECT_EQ(s.work_mem_bytes, int64_t{256} << 20);
  EXPECT_EQ(IndexBuildSql(s),
            "SET LOCAL max_parallel_maintenance_workers = 3; SET LOCAL maintenance_work_mem = "
            "'262144kB';");
}

TEST(ParallelIndexBuildTest, WorkersAreCappedByPostgresqlsThirtyTwoMegabytesEach) {
  // 16 MB a slot: 4 slots' memory (64 MB) feeds a leader and one worker.
  const IndexBuildSettings s = ParallelIndexBuild(3, int64_t{16} << 20);
  EXPECT_EQ(s.parallel_workers, 1);
  EXPECT_EQ(s.work_mem_bytes, int64_t{64} << 20);
}

TEST(ParallelIndexBuildTest, UnknownMemoryLeavesItAndUsesTheSpareSlots) {
  const IndexBuildSettings s = ParallelIndexBuild(2, 0);
  EXPECT_EQ(s.parallel_workers, 2);
  EXPECT_EQ(s.work_mem_bytes, 0);
}

}  // namespace
}  // namespace hyperdump::engine
