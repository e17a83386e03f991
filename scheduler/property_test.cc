// Property tests on random DAGs of thousands of jobs, seeded so every run is
// the same graph and the same outcomes: every dependency respected, never
// more than N running, conflict keys exclusive, every job run exactly once or
// reported. First on the Plan stepped by hand in random completion orders,
// then on the threaded Run, checked from the RecorderSink timeline.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "scheduler/plan.h"
#include "scheduler/runner.h"

namespace hyperdump::scheduler {
namespace {

using ms = std::chrono::milliseconds;

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct RandomDag {
  JobGraph graph;
  std::vector<std::pair<JobId, JobId>> edges;
  std::vector<std::vector<uint32_t>> keys;  // per job, as numbers
  uint64_t seed;
  JobId hard_failure = UINT32_MAX;  // this job fails hard on its first attempt

  // A job's answer depends only on (seed, job, attempt): the same in every
  // interleaving. Mostly Done; some Retry, some Requeue, never past attempt 4.
  JobOutcome OutcomeFor(JobId id, int attempt) const {
    if (id == hard_failure)
      return JobOutcome::Fail(Internal("hard failure in job " + std::to_string(id)));
    const uint64_t r = Mix(seed ^ (uint64_t{id} << 20) ^ static_cast<uint64_t>(attempt)) % 100;
    if (attempt < 4 && r < 6) {
      return JobOutcome::Retry(Status(StatusCode::kDatabase, "deadlock detected", "40P01"));
    }
    if (attempt < 4 && r < 12) return JobOutcome::Requeue(ms(r % 2), "lock busy");
    return JobOutcome::Done();
  }
};

// `n` jobs in a random order of ids; each depends on up to 3 jobs placed
// shortly before it in a hidden topological order, so there are long chains,
// wide fan-outs and fan-ins. 10% of jobs take one or two of 16 conflict keys.
std::unique_ptr<RandomDag> MakeDag(uint64_t seed, int n) {
  auto dag = std::make_unique<RandomDag>();
  dag->seed = seed;
  std::mt19937_64 rng(seed);
  std::vector<JobId> id_at(static_cast<size_t>(n));
  std::iota(id_at.begin(), id_at.end(), 0);
  std::shuffle(id_at.begin(), id_at.end(), rng);
  dag->keys.resize(static_cast<size_t>(n));
  for (int id = 0; id < n; ++id) {
    JobSpec spec;
    spec.name = "job " + std::to_string(id);
    spec.kind = "random";
    spec.weight = 1 + rng() % 1000;
    if (rng() % 10 == 0) {
      const int count = 1 + static_cast<int>(rng() % 2);
      for (int k = 0; k < count; ++k) {
        const uint32_t key = static_cast<uint32_t>(rng() % 16);
        auto& keys = dag->keys[id];
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
        keys.push_back(key);
        spec.conflict_keys.push_back("key " + std::to_string(key));
      }
    }
    dag->graph.Add(std::move(spec));
  }
  for (int pos = 1; pos < n; ++pos) {
    const int deps = static_cast<int>(rng() % 4);
    for (int d = 0; d < deps; ++d) {
      const int window = std::min(pos, 40);
      const int before = pos - 1 - static_cast<int>(rng() % window);
      dag->graph.AddDependency(id_at[before], id_at[pos]);
      dag->edges.emplace_back(id_at[before], id_at[pos]);
    }
  }
  EXPECT_TRUE(dag->graph.Validate().ok());
  return dag;
}

// Every job reachable from `from` through dependencies, `from` excluded.
std::set<JobId> Descendants(const JobGraph& g, JobId from) {
  std::set<JobId> seen;
  std::vector<JobId> stack = {from};
  while (!stack.empty()) {
    const JobId id = stack.back();
    stack.pop_back();
    for (JobId next : g.dependents(id)) {
      if (seen.insert(next).second) stack.push_back(next);
    }
  }
  return seen;
}

// Each job is in exactly one list, and the lists agree with the states.
void ExpectReportConsistent(const RunReport& r, size_t jobs) {
  ASSERT_EQ(r.jobs.size(), jobs);
  std::vector<int> listed(jobs, 0);
  for (JobId id : r.failed) {
    EXPECT_EQ(r.jobs[id].state, JobReport::kFailed);
    ++listed[id];
  }
  for (JobId id : r.cancelled) {
    EXPECT_EQ(r.jobs[id].state, JobReport::kCancelled);
    ++listed[id];
  }
  for (JobId id : r.not_started) {
    EXPECT_EQ(r.jobs[id].state, JobReport::kNotStarted);
    EXPECT_EQ(r.jobs[id].attempts, 0);
    ++listed[id];
  }
  for (JobId id = 0; id < jobs; ++id) {
    EXPECT_EQ(r.jobs[id].id, id);
    EXPECT_EQ(listed[id], r.jobs[id].state == JobReport::kDone ? 0 : 1) << "job " << id;
    EXPECT_EQ(r.jobs[id].status.ok(), r.jobs[id].state == JobReport::kDone) << "job " << id;
  }
}

// Steps the Plan: fills free slots, then completes one running job chosen at
// random, with the DAG's outcome; advances made-up time. Checks every
// invariant as it goes and returns the final report.
RunReport StepRandomly(const RandomDag& dag, int slots, uint64_t seed) {
  const JobGraph& g = dag.graph;
  PlanOptions o;
  o.slots = slots;
  o.max_attempts = 10;
  o.backoff_initial = ms(1);
  o.backoff_max = ms(4);
  const Plan::TimePoint t0{};
  Plan plan(g, o, t0);
  std::mt19937_64 rng(seed);
  std::vector<bool> done(g.size(), false);
  std::vector<int> done_calls(g.size(), 0);
  std::vector<JobId> running;  // job per running entry
  std::vector<int> slot_of(g.size(), -1);
  std::vector<bool> slot_busy(static_cast<size_t>(slots), false);
  std::map<uint32_t, JobId> key_held;
  int64_t now = 0;
  while (!plan.finished()) {
    for (int slot = 0; slot < slots; ++slot) {
      if (slot_busy[slot]) continue;
      const std::optional<JobId> id = plan.Next(slot, t0 + ms(now));
      if (!id) break;
      EXPECT_FALSE(done[*id]) << "job " << *id << " started again after Done";
      EXPECT_EQ(slot_of[*id], -1) << "job " << *id << " started twice at once";
      for (const auto& [before, after] : dag.edges) {
        if (after == *id) {
          EXPECT_TRUE(done[before]) << before << " must finish before " << *id;
        }
      }
      for (uint32_t key : dag.keys[*id]) {
        EXPECT_FALSE(key_held.count(key)) << "key " << key << " held twice";
        key_held[key] = *id;
      }
      slot_busy[slot] = true;
      slot_of[*id] = slot;
      running.push_back(*id);
      EXPECT_LE(static_cast<int>(running.size()), slots);
      EXPECT_EQ(plan.running_count(), static_cast<int>(running.size()));
    }
    if (running.empty()) {
      // Only delayed jobs remain: jump to the first one's time.
      const auto wake = plan.NextWakeup();
      EXPECT_TRUE(wake.has_value()) << "nothing runs, nothing is delayed, yet not finished";
      if (!wake) break;
      now = std::chrono::duration_cast<ms>(*wake - t0).count();
      continue;
    }
    const size_t pick = rng() % running.size();
    const JobId id = running[pick];
    running.erase(running.begin() + static_cast<std::ptrdiff_t>(pick));
    now += static_cast<int64_t>(rng() % 3);
    const JobOutcome outcome = dag.OutcomeFor(id, plan.attempts(id));
    for (uint32_t key : dag.keys[id]) key_held.erase(key);
    slot_busy[slot_of[id]] = false;
    slot_of[id] = -1;
    if (outcome.kind() == JobOutcome::Kind::kDone) {
      done[id] = true;
      ++done_calls[id];
    }
    plan.Complete(id, outcome, t0 + ms(now));
  }
  const RunReport report = plan.Report();
  for (JobId id = 0; id < g.size(); ++id) {
    EXPECT_EQ(done_calls[id], report.jobs[id].state == JobReport::kDone ? 1 : 0) << "job " << id;
  }
  return report;
}

TEST(PlanPropertyTest, RandomDagsRunEveryJobOnceInDependencyOrder) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const auto dag = MakeDag(seed, 3000);
    const int slots = 1 + static_cast<int>(seed % 8);
    const RunReport r = StepRandomly(*dag, slots, seed * 7);
    ExpectReportConsistent(r, dag->graph.size());
    EXPECT_TRUE(r.ok()) << r.first_error.message();
    EXPECT_GT(r.retries, 0);
    EXPECT_GT(r.requeues, 0);
  }
}

TEST(PlanPropertyTest, HardFailureReportsEveryJobAndStartsNoDependent) {
  for (uint64_t seed = 11; seed <= 16; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto dag = MakeDag(seed, 3000);
    dag->hard_failure = static_cast<JobId>(Mix(seed) % 3000);
    const RunReport r = StepRandomly(*dag, 4, seed);
    ExpectReportConsistent(r, dag->graph.size());
    EXPECT_FALSE(r.ok());
    ASSERT_EQ(r.failed.size(), 1u);
    EXPECT_EQ(r.failed[0], dag->hard_failure);
    EXPECT_EQ(r.first_error.message(), "hard failure in job " + std::to_string(dag->hard_failure));
    for (JobId d : Descendants(dag->graph, dag->hard_failure)) {
      EXPECT_EQ(r.jobs[d].state, JobReport::kNotStarted) << "dependent " << d;
    }
  }
}

// --- The threaded Run, checked from its timeline -------------------------

struct Timeline {
  std::vector<Event> events;
  // Index of the first kStarted and of the kFinished of each job, or -1.
  std::vector<int64_t> first_start, finish;
  int max_running = 0;
};

Timeline Analyze(const std::vector<Event>& events, size_t jobs, int slots) {
  Timeline t;
  t.events = events;
  t.first_start.assign(jobs, -1);
  t.finish.assign(jobs, -1);
  std::vector<int64_t> slot_job(static_cast<size_t>(slots), -1);
  int running = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    switch (e.type) {
      case Event::kStarted:
        EXPECT_GE(e.slot, 0);
        EXPECT_LT(e.slot, slots);
        EXPECT_EQ(slot_job[e.slot], -1) << "slot " << e.slot << " given to two jobs";
        slot_job[e.slot] = e.job;
        if (t.first_start[e.job] < 0) t.first_start[e.job] = static_cast<int64_t>(i);
        t.max_running = std::max(t.max_running, ++running);
        break;
      case Event::kFinished:
        EXPECT_EQ(t.finish[e.job], -1) << "job " << e.job << " finished twice";
        t.finish[e.job] = static_cast<int64_t>(i);
        [[fallthrough]];
      case Event::kRetry:
      case Event::kRequeued:
      case Event::kFailed:
      case Event::kCancelled:
        EXPECT_EQ(slot_job[e.slot], static_cast<int64_t>(e.job)) << "ended on the wrong slot";
        slot_job[e.slot] = -1;
        --running;
        break;
      case Event::kQueued:
      case Event::kProgress:
        break;
    }
  }
  EXPECT_EQ(running, 0);
  return t;
}

struct Counters {
  explicit Counters(size_t jobs, int slots)
      : done_calls(jobs), key_in_use(16), slot_in_use(static_cast<size_t>(slots)) {}
  std::vector<std::atomic<int>> done_calls;
  std::vector<std::atomic<int>> key_in_use;
  std::vector<std::atomic<int>> slot_in_use;
  std::atomic<int> running{0}, max_running{0}, violations{0};
};

RunReport RunDag(RandomDag& dag, RunOptions o, Counters& c) {
  // The same graph with functions that check exclusivity as they run.
  JobGraph g;
  for (JobId id = 0; id < dag.graph.size(); ++id) {
    JobSpec spec = dag.graph.job(id);
    spec.fn = [&dag, &c, id](JobContext& ctx) {
      if (c.slot_in_use[ctx.slot].exchange(1) != 0) ++c.violations;
      for (uint32_t key : dag.keys[id]) {
        if (c.key_in_use[key].exchange(1) != 0) ++c.violations;
      }
      const int now = ++c.running;
      int seen = c.max_running.load();
      while (now > seen && !c.max_running.compare_exchange_weak(seen, now)) {
      }
      ctx.AddProgress(dag.graph.job(id).weight, 1);
      const JobOutcome outcome = dag.OutcomeFor(id, ctx.attempt);
      if (outcome.kind() == JobOutcome::Kind::kDone) ++c.done_calls[id];
      --c.running;
      for (uint32_t key : dag.keys[id]) c.key_in_use[key].store(0);
      c.slot_in_use[ctx.slot].store(0);
      return outcome;
    };
    g.Add(std::move(spec));
  }
  for (const auto& [before, after] : dag.edges) g.AddDependency(before, after);
  o.max_attempts = 10;
  o.backoff_initial = ms(0);
  o.backoff_max = ms(1);
  return Run(g, o);
}

void ExpectTimelineRespectsTheGraph(const RandomDag& dag, const Timeline& t, const RunReport& r) {
  for (const auto& [before, after] : dag.edges) {
    if (t.first_start[after] < 0) continue;
    ASSERT_GE(t.finish[before], 0) << after << " started but " << before << " never finished";
    EXPECT_LT(t.finish[before], t.first_start[after]) << before << " before " << after;
  }
  for (JobId id = 0; id < dag.graph.size(); ++id) {
    EXPECT_EQ(t.finish[id] >= 0, r.jobs[id].state == JobReport::kDone) << "job " << id;
    EXPECT_EQ(t.first_start[id] < 0, r.jobs[id].state == JobReport::kNotStarted) << "job " << id;
  }
}

TEST(RunPropertyTest, RandomDagsOnThreadsRespectDependenciesSlotsAndKeys) {
  for (uint64_t seed = 21; seed <= 23; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto dag = MakeDag(seed, 3000);
    const int slots = 2 + static_cast<int>(seed % 3);
    RecorderSink sink;
    Counters c(dag->graph.size(), slots);
    RunOptions o;
    o.slots = slots;
    o.sink = &sink;
    const RunReport r = RunDag(*dag, o, c);
    EXPECT_TRUE(r.ok()) << r.first_error.message();
    ExpectReportConsistent(r, dag->graph.size());
    const Timeline t = Analyze(sink.events(), dag->graph.size(), slots);
    ExpectTimelineRespectsTheGraph(*dag, t, r);
    EXPECT_LE(t.max_running, slots);
    EXPECT_LE(c.max_running.load(), slots);
    EXPECT_EQ(c.violations.load(), 0);
    for (JobId id = 0; id < dag->graph.size(); ++id) EXPECT_EQ(c.done_calls[id].load(), 1);
    EXPECT_GT(r.retries, 0);
    EXPECT_GT(r.requeues, 0);
  }
}

TEST(RunPropertyTest, HardFailureOnThreadsReportsEveryJob) {
  for (uint64_t seed = 31; seed <= 34; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto dag = MakeDag(seed, 2000);
    dag->hard_failure = static_cast<JobId>(Mix(seed) % 2000);
    RecorderSink sink;
    Counters c(dag->graph.size(), 3);
    RunOptions o;
    o.slots = 3;
    o.sink = &sink;
    o.on_failure = seed % 2 ? FailurePolicy::kCancelRunning : FailurePolicy::kFinishRunning;
    const RunReport r = RunDag(*dag, o, c);
    ExpectReportConsistent(r, dag->graph.size());
    ASSERT_EQ(r.failed.size(), 1u);
    EXPECT_EQ(r.failed[0], dag->hard_failure);
    const Timeline t = Analyze(sink.events(), dag->graph.size(), 3);
    ExpectTimelineRespectsTheGraph(*dag, t, r);
    EXPECT_EQ(c.violations.load(), 0);
    for (JobId d : Descendants(dag->graph, dag->hard_failure)) {
      EXPECT_EQ(r.jobs[d].state, JobReport::kNotStarted);
    }
    // Nothing starts once the failure is recorded.
    int64_t failed_at = -1;
    for (size_t i = 0; i < t.events.size(); ++i) {
      if (t.events[i].type == Event::kFailed) failed_at = static_cast<int64_t>(i);
      if (failed_at >= 0) {
        EXPECT_NE(t.events[i].type, Event::kStarted) << "event " << i;
      }
    }
    for (JobId id = 0; id < dag->graph.size(); ++id) {
      EXPECT_EQ(c.done_calls[id].load(), r.jobs[id].state == JobReport::kDone ? 1 : 0);
    }
  }
}

}  // namespace
}  // namespace hyperdump::scheduler
