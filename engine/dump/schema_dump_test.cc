#include "engine/dump/schema_dump.h"

#include <gtest/gtest.h>

namespace hyperdump::engine {
namespace {

DumpPlan PlanOf(std::vector<std::pair<std::string, std::string>> names) {
  DumpPlan plan;
  for (auto& [schema, name] : names) {
    TableInfo t;
    t.schema = schema;
    t.name = name;
    plan.tables.push_back(t);
  }
  return plan;
}

TEST(TableFinderTest, FindsEachTableByItsExactNameInAnyOrder) {
  // Not sorted, as the plan's extension configuration tables come first.
  const DumpPlan plan = PlanOf({{"_timescaledb_catalog", "hypertable"},
                                {"public", "m"},
                                {"_timescaledb_internal", "_hyper_1_2_chunk"},
                                {"_timescaledb_internal", "_hyper_1_10_chunk"},
                                {"Public", "M"}});
  const TableFinder finder(plan);
  EXPECT_EQ(finder.Find("_timescaledb_catalog", "hypertable"), 0u);
  EXPECT_EQ(finder.Find("public", "m"), 1u);
  EXPECT_EQ(finder.Find("_timescaledb_internal", "_hyper_1_2_chunk"), 2u);
  EXPECT_EQ(finder.Find("_timescaledb_internal", "_hyper_1_10_chunk"), 3u);
  EXPECT_EQ(finder.Find("Public", "M"), 4u);  // case matters, as in the catalog
}

TEST(TableFinderTest, TellsNamesWithDotsApartAndFindsNoOtherTable) {
  const DumpPlan plan = PlanOf({{"a.b", "c"}, {"a", "b.c"}});
  const TableFinder finder(plan);
  EXPECT_EQ(finder.Find("a.b", "c"), 0u);
  EXPECT_EQ(finder.Find("a", "b.c"), 1u);
  EXPECT_EQ(finder.Find("a", "b"), std::nullopt);
  EXPECT_EQ(finder.Find("a.b.c", ""), std::nullopt);
  EXPECT_EQ(TableFinder(DumpPlan{}).Find("public", "m"), std::nullopt);
}

}  // namespace
}  // namespace hyperdump::engine
