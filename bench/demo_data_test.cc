#include "bench/demo_data.h"

#include <gtest/gtest.h>

namespace hyperdump::bench {
namespace {

TEST(PlanDemoTest, ScalesTheLargeTablesWithTheTargetSize) {
  DemoOptions small{.target_bytes = 50ull << 20, .timescaledb = true, .partitions = 24};
  DemoOptions large = small;
  large.target_bytes = 500ull << 20;
  DemoPlan s = PlanDemo(small);
  DemoPlan l = PlanDemo(large);
  EXPECT_GT(l.orders, 9 * s.orders);
  EXPECT_GT(l.readings, 9 * (s.readings - s.readings_default));
  EXPECT_GT(l.metrics, 9 * s.metrics);
  EXPECT_EQ(s.regions, l.regions);  // dimension tables do not scale
  EXPECT_EQ(s.metrics % s.metrics_chunks, 0);
  EXPECT_EQ(s.compressed_chunks, 2);
}

TEST(PlanDemoTest, WithoutTimescaleDbHasNoHypertable) {
  DemoPlan p = PlanDemo({.target_bytes = 10ull << 20, .timescaledb = false, .partitions = 3});
  EXPECT_EQ(p.metrics, 0);
  EXPECT_EQ(p.metrics_chunks, 0);
  EXPECT_EQ(p.partitions, 3);
  EXPECT_GE(p.readings - p.readings_default, 300);  // at least 100 rows a partition
}

TEST(PlanDemoTest, TinySizesKeepEveryTableNonTrivial) {
  DemoPlan p = PlanDemo({.target_bytes = 1, .timescaledb = true, .partitions = 1});
  EXPECT_GE(p.orders, 1000);
  EXPECT_GE(p.metrics, 100);
  EXPECT_EQ(p.metrics_chunks, 1);
  EXPECT_EQ(p.compressed_chunks, 0);  // never compress the only chunk
}

TEST(PlanDemoTest, TheSkewedShapePutsNineTenthsOfTheDataInOrders) {
  for (bool timescaledb : {true, false}) {
    DemoOptions o{.target_bytes = 1ull << 30, .timescaledb = timescaledb, .partitions = 24};
    o.shape = DemoShape::kSkewed;
    DemoPlan p = PlanDemo(o);
    const double orders = p.orders * 330.0;  // bytes a row, as PlanDemo counts
    const double rest = p.readings * 150.0 + p.metrics * 110.0;
    EXPECT_GT(orders / (orders + rest), 0.88) << timescaledb;
    EXPECT_LT(orders / (orders + rest), 0.92) << timescaledb;
    EXPECT_EQ(p.metrics_chunks, timescaledb ? 24 : 0);
  }
}

TEST(DemoShapeTest, NamesRoundTripAndUnknownOnesAreRefused) {
  for (DemoShape s : {DemoShape::kDemo, DemoShape::kSkewed}) {
    EXPECT_EQ(*ParseDemoShape(DemoShapeName(s)), s);
  }
  Result<DemoShape> bad = ParseDemoShape("lopsided");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--shape lopsided: unknown shape (known: demo, skewed)");
}

}  // namespace
}  // namespace hyperdump::bench
