// Scheduler overhead per job: what the scheduler costs on top of the jobs
// themselves, measured with jobs that do nothing. A database round trip is
// tens of microseconds at best, so this must stay far below that (issue 4:
// well under 50 us a job). Results: docs/benchmarks.md.
//
//   build-release/bench/scheduler_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <chrono>

#include "scheduler/plan.h"
#include "scheduler/runner.h"

namespace hyperdump::scheduler {
namespace {

JobSpec Trivial(JobId i) {
  JobSpec spec;
  spec.name = "job " + std::to_string(i);
  spec.kind = "noop";
  spec.fn = [](JobContext&) { return JobOutcome::Done(); };
  return spec;
}

// n jobs, each after the previous one.
JobGraph Chain(int n) {
  JobGraph g;
  for (int i = 0; i < n; ++i) {
    const JobId id = g.Add(Trivial(static_cast<JobId>(i)));
    if (i > 0) g.AddDependency(id - 1, id);
  }
  return g;
}

// One root, then n-1 jobs that all wait for it.
JobGraph FanOut(int n) {
  JobGraph g;
  const JobId root = g.Add(Trivial(0));
  for (int i = 1; i < n; ++i) g.AddDependency(root, g.Add(Trivial(static_cast<JobId>(i))));
  return g;
}

void SetPerJob(benchmark::State& state, int jobs) {
  state.SetItemsProcessed(state.iterations() * jobs);
  // Seconds per job (shown scaled, e.g. "1.2u" = 1.2 microseconds).
  state.counters["per_job"] = benchmark::Counter(
      jobs, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

template <JobGraph (*Make)(int)>
void BM_Run(benchmark::State& state) {
  const int jobs = static_cast<int>(state.range(0));
  const JobGraph g = Make(jobs);
  RunOptions o;
  o.slots = static_cast<int>(state.range(1));
  for (auto _ : state) {
    const RunReport r = Run(g, o);
    if (!r.ok()) state.SkipWithError(r.first_error.message().c_str());
  }
  SetPerJob(state, jobs);
}
BENCHMARK_TEMPLATE(BM_Run, Chain)
    ->ArgNames({"jobs", "slots"})
    ->Args({100000, 1})
    ->Args({100000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_Run, FanOut)
    ->ArgNames({"jobs", "slots"})
    ->Args({100000, 1})
    ->Args({100000, 2})
    ->Args({100000, 8})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The state machine alone, stepped on one thread: the part of the overhead
// that is scheduling decisions rather than threads and locks.
template <JobGraph (*Make)(int)>
void BM_PlanOnly(benchmark::State& state) {
  const int jobs = static_cast<int>(state.range(0));
  const JobGraph g = Make(jobs);
  PlanOptions o;
  o.slots = 1;
  const auto now = std::chrono::steady_clock::now();
  for (auto _ : state) {
    Plan plan(g, o, now);
    while (const auto id = plan.Next(0, now)) plan.Complete(*id, JobOutcome::Done(), now);
    if (!plan.finished()) state.SkipWithError("plan did not finish");
  }
  SetPerJob(state, jobs);
}
BENCHMARK_TEMPLATE(BM_PlanOnly, Chain)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_PlanOnly, FanOut)->Arg(100000)->Unit(benchmark::kMillisecond);

// Building and validating the graph (done once per dump or restore).
template <JobGraph (*Make)(int)>
void BM_BuildAndValidate(benchmark::State& state) {
  const int jobs = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const JobGraph g = Make(jobs);
    if (!g.Validate().ok()) state.SkipWithError("invalid graph");
  }
  SetPerJob(state, jobs);
}
BENCHMARK_TEMPLATE(BM_BuildAndValidate, Chain)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_BuildAndValidate, FanOut)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hyperdump::scheduler

BENCHMARK_MAIN();
