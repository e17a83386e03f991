#include "scheduler/graph.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hyperdump::scheduler {
namespace {

using ::testing::HasSubstr;

JobSpec Named(std::string name, uint64_t weight = 1) {
  JobSpec spec;
  spec.name = std::move(name);
  spec.weight = weight;
  return spec;
}

TEST(JobGraphTest, AssignsDenseIdsInOrderOfAdd) {
  JobGraph g;
  EXPECT_EQ(g.Add(Named("a")), 0u);
  EXPECT_EQ(g.Add(Named("b")), 1u);
  EXPECT_EQ(g.size(), 2u);
  EXPECT_EQ(g.job(1).name, "b");
}

TEST(JobGraphTest, AcyclicGraphIsValid) {
  JobGraph g;
  const JobId a = g.Add(Named("a")), b = g.Add(Named("b")), c = g.Add(Named("c"));
  g.AddDependency(a, b);
  g.AddDependency(a, c);
  g.AddDependency(b, c);
  EXPECT_TRUE(g.Validate().ok());
  EXPECT_EQ(g.TopologicalOrder(), (std::vector<JobId>{a, b, c}));
  EXPECT_EQ(g.dependency_count(c), 2u);
  EXPECT_EQ(g.dependents(a), (std::vector<JobId>{b, c}));
}

TEST(JobGraphTest, EmptyGraphIsValid) { EXPECT_TRUE(JobGraph().Validate().ok()); }

TEST(JobGraphTest, CycleErrorNamesEveryJobOnIt) {
  JobGraph g;
  const JobId outside = g.Add(Named("schema"));
  const JobId a = g.Add(Named("copy t1")), b = g.Add(Named("index t1")),
              c = g.Add(Named("fk t1->t2"));
  g.AddDependency(outside, a);
  g.AddDependency(a, b);
  g.AddDependency(b, c);
  g.AddDependency(c, a);
  const Status s = g.Validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "dependency cycle: 'copy t1' -> 'index t1' -> 'fk t1->t2' -> 'copy t1'; each job "
            "waits for the next, so none can start");
  EXPECT_TRUE(g.TopologicalOrder().empty());
}

TEST(JobGraphTest, SelfDependencyIsACycle) {
  JobGraph g;
  const JobId a = g.Add(Named("vacuum"));
  g.AddDependency(a, a);
  EXPECT_THAT(g.Validate().message(), HasSubstr("dependency cycle: 'vacuum' -> 'vacuum'"));
}

TEST(JobGraphTest, LongCycleIsNamedByItsFirstJobsAndLength) {
  JobGraph g;
  for (int i = 0; i < 100; ++i) g.Add(Named("j" + std::to_string(i)));
  for (JobId i = 0; i < 100; ++i) g.AddDependency(i, (i + 1) % 100);
  const std::string m = g.Validate().message();
  EXPECT_THAT(m, HasSubstr("'j0' -> 'j1' -> "));
  EXPECT_THAT(m, HasSubstr("'j31' -> ... (100 jobs in all) -> 'j0'"));
  EXPECT_THAT(m, ::testing::Not(HasSubstr("'j32'")));
}

TEST(JobGraphTest, DependencyOnUnknownJobIsAnError) {
  JobGraph g;
  g.Add(Named("a"));
  g.AddDependency(0, 5);
  EXPECT_EQ(g.Validate().message(), "dependency 0 -> 5 names a job that was never added (1 jobs)");
}

TEST(JobGraphTest, CriticalPathWeightIsHeaviestPathToTheEnd) {
  //  a(1) -> b(10) -> d(1)
  //  a(1) -> c(2)  -> d(1)
  //  e(5)
  JobGraph g;
  const JobId a = g.Add(Named("a", 1)), b = g.Add(Named("b", 10)), c = g.Add(Named("c", 2)),
              d = g.Add(Named("d", 1)), e = g.Add(Named("e", 5));
  g.AddDependency(a, b);
  g.AddDependency(a, c);
  g.AddDependency(b, d);
  g.AddDependency(c, d);
  const std::vector<uint64_t> w = g.CriticalPathWeights();
  EXPECT_EQ(w[a], 12u);
  EXPECT_EQ(w[b], 11u);
  EXPECT_EQ(w[c], 3u);
  EXPECT_EQ(w[d], 1u);
  EXPECT_EQ(w[e], 5u);
}

TEST(JobGraphTest, CriticalPathWeightSaturates) {
  JobGraph g;
  const JobId a = g.Add(Named("a", UINT64_MAX - 1)), b = g.Add(Named("b", 5));
  g.AddDependency(a, b);
  EXPECT_EQ(g.CriticalPathWeights()[a], UINT64_MAX);
}

}  // namespace
}  // namespace hyperdump::scheduler
