#include "engine/plan/dump_plan.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/plan/plan_json.h"

namespace hyperdump::engine {
namespace {

TableInfo Table(std::string name, int64_t bytes, int64_t pages,
                TableKind kind = TableKind::kTable) {
  TableInfo t;
  t.schema = "public";
  t.name = std::move(name);
  t.bytes = bytes;
  t.pages = pages;
  t.kind = kind;
  return t;
}

TEST(PlanJobsTest, SmallTablesAreOneJobEachLargestFirst) {
  auto jobs = PlanJobs({Table("a", 100, 1), Table("b", 300, 1), Table("c", 200, 1)}, 1000);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].id, "t000001");
  EXPECT_EQ(jobs[1].id, "t000002");
  EXPECT_EQ(jobs[2].id, "t000000");
  for (const auto& j : jobs) EXPECT_FALSE(j.range.has_value());
}

TEST(PlanJobsTest, LargeTableRangesTileAllBlocksAndEndOpen) {
  // 10 pieces of 1000 bytes over 1003 blocks.
  auto jobs = PlanJobs({Table("big", 10000, 1003)}, 1000);
  ASSERT_EQ(jobs.size(), 10u);
  std::sort(jobs.begin(), jobs.end(),
            [](const DataJob& a, const DataJob& b) { return a.id < b.id; });
  int64_t next = 0;
  for (size_t k = 0; k < jobs.size(); ++k) {
    ASSERT_TRUE(jobs[k].range.has_value());
    EXPECT_EQ(jobs[k].range->start_block, next);
    if (k + 1 < jobs.size()) {
      int64_t len = jobs[k].range->end_block - jobs[k].range->start_block;
      EXPECT_TRUE(len == 100 || len == 101) << len;
      next = jobs[k].range->end_block;
    } else {
      EXPECT_EQ(jobs[k].range->end_block, 0) << "the last range must run to the end";
    }
  }
  EXPECT_EQ(jobs[0].id, "t000000.r000");
  EXPECT_EQ(jobs[9].id, "t000000.r009");
}

TEST(PlanJobsTest, NeverMorePiecesThanBlocksAndNoSplitWhenDisabled) {
  auto few = PlanJobs({Table("toasty", 1 << 20, 2)}, 1000);
  EXPECT_EQ(few.size(), 2u);
  auto off = PlanJobs({Table("big", 1 << 30, 1 << 17)}, 0);
  ASSERT_EQ(off.size(), 1u);
  EXPECT_FALSE(off[0].range.has_value());
}

TEST(PlanJobsTest, ExtensionConfigTablesAreNeverSplit) {
  auto jobs = PlanJobs({Table("cfg", 1 << 20, 128, TableKind::kExtensionConfig)}, 1000);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_FALSE(jobs[0].range.has_value());
}

// A chunk larger than --split-larger-than stays one job: ranges of it would
// be read through TimescaleDB's planner (ONLY chunk reads as empty).
TEST(PlanJobsTest, TimescaleDbTablesAreNeverSplit) {
  for (TableKind kind : {TableKind::kChunk, TableKind::kCompressedChunk, TableKind::kHypertable}) {
    auto jobs = PlanJobs({Table("big_chunk", 1 << 20, 128, kind)}, 1000);
    ASSERT_EQ(jobs.size(), 1u) << TableKindName(kind);
    EXPECT_FALSE(jobs[0].range.has_value()) << TableKindName(kind);
  }
  EXPECT_EQ(PlanJobs({Table("big", 1 << 20, 128, TableKind::kPartition)}, 1000).size(), 128u);
}

// --split-larger-than auto: a table splits only when it alone exceeds a
// worker's share (1.25x), into ranges of about that share.
TEST(PlanJobsTest, ByBalanceATableSplitsOnlyWhenItWouldOutlastTheOtherWorkers) {
  constexpr int64_t kMiB = int64_t{1} << 20;
  // 232 MiB beside 231 MiB in many chunks, 2 workers: the big table is one
  // worker's share, the chunks the other's: no split.
  std::vector<TableInfo> demo = {Table("orders", 232 * kMiB, 29696)};
  for (int i = 0; i < 21; ++i) {
    demo.push_back(Table("chunk" + std::to_string(i), 11 * kMiB, 1408, TableKind::kChunk));
  }
  EXPECT_EQ(PlanJobs(demo, kSplitByBalance, 2).size(), 22u);

  // One table holds nearly everything: 2 workers, 2 ranges; 4 workers, 4.
  std::vector<TableInfo> skewed = {Table("big", 1000 * kMiB, 128000),
                                   Table("small", 10 * kMiB, 1280)};
  auto two = PlanJobs(skewed, kSplitByBalance, 2);
  ASSERT_EQ(two.size(), 3u);
  EXPECT_EQ(two[0].id, "t000000.r000");
  EXPECT_EQ(two[1].id, "t000000.r001");
  EXPECT_EQ(PlanJobs(skewed, kSplitByBalance, 4).size(), 5u);

  // One worker never splits; a small database never splits below 32 MiB.
  EXPECT_EQ(PlanJobs(skewed, kSplitByBalance, 1).size(), 2u);
  EXPECT_EQ(
      PlanJobs({Table("t", 40 * kMiB, 5120), Table("u", kMiB, 128)}, kSplitByBalance, 8).size(),
      3u);  // 40 MiB: ceil(40 / 32) = 2 ranges, not 8
}

TEST(TableKindNameTest, NamesAreStable) {
  EXPECT_STREQ(TableKindName(TableKind::kTable), "table");
  EXPECT_STREQ(TableKindName(TableKind::kPartition), "partition");
  EXPECT_STREQ(TableKindName(TableKind::kInheritanceChild), "inheritance_child");
  EXPECT_STREQ(TableKindName(TableKind::kChunk), "chunk");
  EXPECT_STREQ(TableKindName(TableKind::kCompressedChunk), "compressed_chunk");
  EXPECT_STREQ(TableKindName(TableKind::kHypertable), "hypertable");
  EXPECT_STREQ(TableKindName(TableKind::kExtensionConfig), "extension_config");
}

TEST(PlanJsonTest, CarriesTablesJobsRangesAndSequences) {
  DumpPlan plan;
  plan.server.database = "db";
  TableInfo cfg = Table("bgw_job", 100, 1, TableKind::kExtensionConfig);
  cfg.copy_filter = "WHERE id >= 1000";
  cfg.load_after = {"_timescaledb_catalog.hypertable"};
  plan.tables = {cfg, Table("big", 3000, 30)};
  plan.jobs = PlanJobs(plan.tables, 1000);
  plan.sequences.push_back({"public", "s", "public.t.id", 42, true});
  plan.large_objects = 3;
  nlohmann::json j = plan;
  EXPECT_EQ(j["tables"][0]["kind"], "extension_config");
  EXPECT_EQ(j["tables"][0]["copy_filter"], "WHERE id >= 1000");
  EXPECT_EQ(j["tables"][0]["load_after"][0], "_timescaledb_catalog.hypertable");
  EXPECT_EQ(j["jobs"].size(), 4u);
  EXPECT_EQ(j["jobs"][0]["object"], "public.big");
  EXPECT_EQ(j["jobs"][0]["range"], nlohmann::json::array({0, 10}));
  EXPECT_EQ(j["sequences"][0]["last_value"], 42);
  EXPECT_EQ(j["large_objects"], 3);
  std::string text = FormatPlan(plan);
  EXPECT_NE(text.find("t000001.r002"), std::string::npos);
  EXPECT_NE(text.find("[20,end)"), std::string::npos);
  EXPECT_NE(text.find("after _timescaledb_catalog.hypertable"), std::string::npos);
  EXPECT_NE(text.find("LARGE OBJECTS: 3"), std::string::npos);
}

}  // namespace
}  // namespace hyperdump::engine
