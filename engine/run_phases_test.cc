#include "engine/run_phases.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hyperdump::engine {
namespace {

using scheduler::Event;
using scheduler::JobId;

struct PhaseRecorder : RunObserver {
  void OnPhase(const std::string& name) override { phases.push_back(name); }
  std::vector<std::string> phases;
};

struct CountingSink : scheduler::EventSink {
  void OnEvent(const Event&) override { ++events; }
  int events = 0;
};

JobId Add(scheduler::JobGraph& g, const std::string& kind, std::vector<JobId> after = {}) {
  JobId id = g.Add(scheduler::JobSpec{kind, kind, 1, {}, nullptr});
  for (JobId b : after) g.AddDependency(b, id);
  return id;
}

Event Finished(JobId id) {
  Event e;
  e.type = Event::kFinished;
  e.job = id;
  return e;
}

TEST(RestorePhaseSinkTest, NamesTheEarliestStageWithUnfinishedJobsAndForwards) {
  scheduler::JobGraph g;
  JobId pre = Add(g, "schema");
  JobId catalog = Add(g, "catalog", {pre});
  JobId copy1 = Add(g, "copy", {catalog});
  JobId copy2 = Add(g, "copy", {catalog});
  JobId index = Add(g, "index", {copy1});
  JobId analyze = Add(g, "analyze", {copy1, index});
  JobId rest = Add(g, "schema", {index, copy2});
  PhaseRecorder observer;
  CountingSink next;
  RestorePhaseSink sink(&next, observer, g);
  EXPECT_EQ(observer.phases, std::vector<std::string>{"pre-data"});
  for (JobId id : {pre, catalog, copy1, index}) sink.OnEvent(Finished(id));
  // copy2 still loads: the index finished early, but the phase is still data.
  EXPECT_EQ(observer.phases, (std::vector<std::string>{"pre-data", "catalog", "data"}));
  sink.OnEvent(Finished(copy2));
  sink.OnEvent(Finished(rest));
  sink.OnEvent(Finished(analyze));
  EXPECT_EQ(observer.phases,
            (std::vector<std::string>{"pre-data", "catalog", "data", "post-data", "analyze"}));
  EXPECT_EQ(next.events, 7);
}

TEST(RestorePhaseSinkTest, SkipsAStageWhoseJobsAllFinishedEarlier) {
  scheduler::JobGraph g;
  JobId pre = Add(g, "schema");
  JobId catalog = Add(g, "catalog", {pre});
  JobId copy = Add(g, "copy", {catalog});
  JobId analyze = Add(g, "analyze", {copy});
  JobId rest = Add(g, "schema", {copy});
  PhaseRecorder observer;
  RestorePhaseSink sink(nullptr, observer, g);
  for (JobId id : {pre, catalog, copy, analyze, rest}) sink.OnEvent(Finished(id));
  EXPECT_EQ(observer.phases,
            (std::vector<std::string>{"pre-data", "catalog", "data", "post-data"}));
}

TEST(DumpEstimateTest, CountsRowsUnlessATableWithPagesWasNeverAnalyzed) {
  DumpPlan plan;
  TableInfo a;
  a.bytes = 8192 * 10;
  a.pages = 10;
  a.rows_estimate = 500;
  TableInfo empty;  // no pages, no rows: says nothing either way
  plan.tables = {a, empty};
  RunEstimate e = DumpEstimate(plan);
  EXPECT_EQ(e.rows, 500u);
  EXPECT_EQ(e.bytes, 0u);  // rows are what the display measures against
  TableInfo unanalyzed;
  unanalyzed.bytes = 8192 * 4;
  unanalyzed.pages = 4;
  plan.tables.push_back(unanalyzed);
  e = DumpEstimate(plan);
  EXPECT_EQ(e.rows, 500u);
  EXPECT_EQ(e.bytes, 8192u * 14);
}

}  // namespace
}  // namespace hyperdump::engine
