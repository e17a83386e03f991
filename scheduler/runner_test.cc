// The threaded executor: real worker threads on oneTBB. No test depends on
// timing; where one job must wait for another, it waits on an event.
#include "scheduler/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace hyperdump::scheduler {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using ms = std::chrono::milliseconds;

// A one-shot flag threads can wait for. Waits are bounded only so that a bug
// shows up as a failed test instead of a hung one.
class Signal {
 public:
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool WaitForIt() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [this] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

// Signals when an event of `type` arrives, and records like RecorderSink.
class WatchingSink : public EventSink {
 public:
  explicit WatchingSink(Event::Type type) : type_(type) {}
  void OnEvent(const Event& e) override {
    recorder.OnEvent(e);
    if (e.type == type_) seen.Notify();
  }
  RecorderSink recorder;
  Signal seen;

 private:
  Event::Type type_;
};

JobSpec Job(std::string name, JobFn fn, uint64_t weight = 1) {
  JobSpec spec;
  spec.name = std::move(name);
  spec.kind = "test";
  spec.weight = weight;
  spec.fn = std::move(fn);
  return spec;
}

JobFn Trivial() {
  return [](JobContext&) { return JobOutcome::Done(); };
}

TEST(RunTest, RunsEveryJobAfterItsDependencies) {
  std::mutex mu;
  std::vector<std::string> order;
  auto record = [&](std::string name) {
    return [&, name](JobContext&) {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(name);
      return JobOutcome::Done();
    };
  };
  JobGraph g;
  const JobId schema = g.Add(Job("schema", record("schema")));
  const JobId data = g.Add(Job("data", record("data")));
  const JobId index = g.Add(Job("index", record("index")));
  g.AddDependency(schema, data);
  g.AddDependency(data, index);
  RunOptions o;
  o.slots = 3;
  const RunReport r = scheduler::Run(g, o);
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(order, ElementsAre("schema", "data", "index"));
  EXPECT_EQ(r.jobs.size(), 3u);
}

TEST(RunTest, EmptyGraphIsOk) { EXPECT_TRUE(scheduler::Run(JobGraph(), RunOptions()).ok()); }

TEST(RunTest, AllSlotsRunAtOnceEvenWithMoreSlotsThanCores) {
  // Eight jobs that each wait until all eight are running: this finishes only
  // if eight slots really run concurrently (the machine may have 2 cores).
  constexpr int kSlots = 8;
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  std::set<int> slots_seen;
  JobGraph g;
  for (int i = 0; i < kSlots; ++i) {
    g.Add(Job("wait " + std::to_string(i), [&](JobContext& ctx) {
      std::unique_lock<std::mutex> lock(mu);
      slots_seen.insert(ctx.slot);
      ++arrived;
      cv.notify_all();
      const bool all =
          cv.wait_for(lock, std::chrono::seconds(60), [&] { return arrived == kSlots; });
      return all ? JobOutcome::Done() : JobOutcome::Fail(Internal("not all slots ran at once"));
    }));
  }
  RunOptions o;
  o.slots = kSlots;
  const RunReport r = scheduler::Run(g, o);
  EXPECT_TRUE(r.ok()) << r.first_error.message();
  EXPECT_EQ(slots_seen.size(), size_t{kSlots});
}

TEST(RunTest, JobAloneSeesEveryOtherSlotSpare) {
  std::atomic<int> first_spare{-1}, last_spare{-1};
  JobGraph g;
  const JobId first = g.Add(Job("first", [&](JobContext& ctx) {
    first_spare = ctx.spare_slots;
    return JobOutcome::Done();
  }));
  const JobId last = g.Add(Job("last", [&](JobContext& ctx) {
    last_spare = ctx.spare_slots;
    return JobOutcome::Done();
  }));
  g.AddDependency(first, last);
  RunOptions o;
  o.slots = 4;
  EXPECT_TRUE(scheduler::Run(g, o).ok());
  EXPECT_EQ(first_spare.load(), 3);
  EXPECT_EQ(last_spare.load(), 3);
}

TEST(RunTest, NoSlotIsSpareWhileReadyJobsWaitForThem) {
  // Four jobs on four slots, each waiting until all run: when each started,
  // the others were running or ready, so none had a spare slot.
  constexpr int kSlots = 4;
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  std::vector<int> spare;
  JobGraph g;
  for (int i = 0; i < kSlots; ++i) {
    g.Add(Job("wait " + std::to_string(i), [&](JobContext& ctx) {
      std::unique_lock<std::mutex> lock(mu);
      spare.push_back(ctx.spare_slots);
      ++arrived;
      cv.notify_all();
      cv.wait_for(lock, std::chrono::seconds(60), [&] { return arrived == kSlots; });
      return JobOutcome::Done();
    }));
  }
  RunOptions o;
  o.slots = kSlots;
  EXPECT_TRUE(scheduler::Run(g, o).ok());
  EXPECT_THAT(spare, ElementsAre(0, 0, 0, 0));
}

TEST(RunTest, SpareSlotsCountOnlySlotsWithNothingToRun) {
  // Three slots; `long` runs until `short`'s dependent has started, so that
  // `after` starts beside one running job with nothing else ready: one
  // spare slot (the third), not two.
  Signal after_started;
  std::atomic<int> after_spare{-1};
  JobGraph g;
  g.Add(Job(
      "long",
      [&](JobContext&) {
        return after_started.WaitForIt() ? JobOutcome::Done() : JobOutcome::Fail(Internal("hung"));
      },
      100));
  const JobId short_job = g.Add(Job("short", Trivial(), 1));
  const JobId after = g.Add(Job("after", [&](JobContext& ctx) {
    after_spare = ctx.spare_slots;
    after_started.Notify();
    return JobOutcome::Done();
  }));
  g.AddDependency(short_job, after);
  RunOptions o;
  o.slots = 3;
  EXPECT_TRUE(scheduler::Run(g, o).ok());
  EXPECT_EQ(after_spare.load(), 1);
}

TEST(RunTest, SlotIsNeverSharedAndStaysInRange) {
  constexpr int kSlots = 3;
  std::vector<std::atomic<int>> in_use(kSlots);
  std::atomic<int> running{0}, max_running{0}, bad{0};
  JobGraph g;
  for (int i = 0; i < 300; ++i) {
    g.Add(Job("j" + std::to_string(i), [&](JobContext& ctx) {
      if (ctx.slot < 0 || ctx.slot >= kSlots || in_use[ctx.slot].exchange(1) != 0) ++bad;
      const int now = ++running;
      int seen = max_running.load();
      while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::yield();
      --running;
      in_use[ctx.slot].store(0);
      return JobOutcome::Done();
    }));
  }
  RunOptions o;
  o.slots = kSlots;
  EXPECT_TRUE(scheduler::Run(g, o).ok());
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LE(max_running.load(), kSlots);
}

TEST(RunTest, TransientFailureIsRetriedWithTheAttemptNumber) {
  std::vector<int> attempts;
  JobGraph g;
  g.Add(Job("flaky", [&](JobContext& ctx) {
    attempts.push_back(ctx.attempt);
    if (ctx.attempt < 3) {
      return JobOutcome::Retry(Status(StatusCode::kDatabase, "could not serialize", "40001"));
    }
    return JobOutcome::Done();
  }));
  RunOptions o;
  o.backoff_initial = ms(1);
  o.backoff_max = ms(2);
  const RunReport r = scheduler::Run(g, o);
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(attempts, ElementsAre(1, 2, 3));
  EXPECT_EQ(r.retries, 2);
  EXPECT_EQ(r.jobs[0].attempts, 3);
}

TEST(RunTest, RequeuedJobDoesNotHoldItsSlot) {
  // One slot. "busy" asks to be requeued for a while; "other" must run in
  // between instead of the slot idling.
  std::mutex mu;
  std::vector<std::string> order;
  JobGraph g;
  g.Add(Job(
      "busy",
      [&](JobContext& ctx) {
        std::lock_guard<std::mutex> lock(mu);
        order.push_back("busy " + std::to_string(ctx.attempt));
        if (ctx.attempt == 1) return JobOutcome::Requeue(ms(300), "lock held");
        return JobOutcome::Done();
      },
      /*weight=*/10));
  g.Add(Job("other", [&](JobContext&) {
    std::lock_guard<std::mutex> lock(mu);
    order.push_back("other");
    return JobOutcome::Done();
  }));
  const RunReport r = scheduler::Run(g, RunOptions());
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(order, ElementsAre("busy 1", "other", "busy 2"));
  EXPECT_EQ(r.jobs[0].requeues, 1);
}

// Two slots: "bad" fails once "slow" is running; "slow" goes on only once the
// failure has been recorded (the run is stopping); "later" must never start.
struct FailureScenario {
  explicit FailureScenario(FailurePolicy policy) {
    graph.Add(Job(
        "bad",
        [this](JobContext&) {
          slow_started.WaitForIt();
          return JobOutcome::Fail(
              Status(StatusCode::kDatabase, "relation \"t\" does not exist", "42P01"));
        },
        10));
    graph.Add(Job(
        "slow",
        [this, policy](JobContext& ctx) {
          slow_started.Notify();
          sink.seen.WaitForIt();
          if (policy == FailurePolicy::kCancelRunning) {
            // The flag is set before the failing job's loop goes on; the bound
            // only turns a bug into a failure instead of a hang.
            for (int i = 0; i < 60000 && !ctx.cancelled(); ++i) std::this_thread::sleep_for(ms(1));
          }
          slow_saw_cancel = ctx.cancelled();
          if (ctx.cancelled()) return JobOutcome::Fail(Cancelled("canceling statement"));
          return JobOutcome::Done();
        },
        9));
    graph.Add(Job("later", [this](JobContext&) {
      later_ran = true;
      return JobOutcome::Done();
    }));
    options.slots = 2;
    options.on_failure = policy;
    options.sink = &sink;
    options.on_cancel_slot = [this](int slot) {
      std::lock_guard<std::mutex> lock(mu);
      cancelled_slots.push_back(slot);
    };
  }

  JobGraph graph;
  RunOptions options;
  WatchingSink sink{Event::kFailed};
  Signal slow_started;
  std::atomic<bool> later_ran{false};
  std::atomic<bool> slow_saw_cancel{false};
  std::mutex mu;
  std::vector<int> cancelled_slots;
};

TEST(RunTest, HardFailureLetsRunningJobsFinishAndReportsTheRest) {
  FailureScenario s(FailurePolicy::kFinishRunning);
  const RunReport r = scheduler::Run(s.graph, s.options);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(s.later_ran);
  EXPECT_FALSE(s.slow_saw_cancel);
  EXPECT_TRUE(s.cancelled_slots.empty());
  EXPECT_EQ(r.jobs[0].state, JobReport::kFailed);
  EXPECT_EQ(r.jobs[1].state, JobReport::kDone);
  EXPECT_THAT(r.failed, ElementsAre(0u));
  EXPECT_THAT(r.not_started, ElementsAre(2u));
  EXPECT_EQ(r.first_error.sqlstate(), "42P01");
}

TEST(RunTest, HardFailureCancelsRunningJobsWhenAsked) {
  FailureScenario s(FailurePolicy::kCancelRunning);
  const RunReport r = scheduler::Run(s.graph, s.options);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(s.later_ran);
  EXPECT_TRUE(s.slow_saw_cancel);
  ASSERT_EQ(s.cancelled_slots.size(), 1u);
  EXPECT_THAT(r.failed, ElementsAre(0u));
  EXPECT_THAT(r.cancelled, ElementsAre(1u));
  EXPECT_THAT(r.not_started, ElementsAre(2u));
  EXPECT_EQ(r.first_error.message(), "relation \"t\" does not exist");
  EXPECT_EQ(r.jobs[1].status.message(), "canceling statement");
  // The slot told to cancel is the one "slow" started on.
  for (const Event& e : s.sink.recorder.events()) {
    if (e.type == Event::kStarted && e.name == "slow") {
      EXPECT_EQ(e.slot, s.cancelled_slots[0]);
    }
  }
}

TEST(RunTest, InterruptCancelsRunningJobsAndStartsNoMore) {
  std::atomic<bool> interrupt{false};
  std::atomic<int> cancels{0};
  std::atomic<bool> after_ran{false};
  JobGraph g;
  const JobId first = g.Add(Job("copy big", [&](JobContext& ctx) {
    interrupt = true;  // as the SIGINT handler would
    for (int i = 0; i < 60000 && !ctx.cancelled(); ++i) std::this_thread::sleep_for(ms(1));
    return ctx.cancelled() ? JobOutcome::Fail(Cancelled("canceling statement"))
                           : JobOutcome::Done();
  }));
  const JobId after = g.Add(Job("index big", [&](JobContext&) {
    after_ran = true;
    return JobOutcome::Done();
  }));
  const JobId small = g.Add(Job("copy small", Trivial()));
  g.AddDependency(first, after);
  g.AddDependency(first, small);  // keep it from starting before the interrupt
  RunOptions o;
  o.slots = 2;
  o.interrupt = &interrupt;
  o.on_cancel_slot = [&](int) { ++cancels; };
  const RunReport r = scheduler::Run(g, o);
  EXPECT_FALSE(after_ran);
  EXPECT_EQ(cancels.load(), 1);
  EXPECT_EQ(r.first_error.code(), StatusCode::kCancelled);
  EXPECT_EQ(r.first_error.message(), "interrupted: the run was stopped before all jobs finished");
  EXPECT_THAT(r.cancelled, ElementsAre(first));
  EXPECT_THAT(r.not_started, UnorderedElementsAre(after, small));
  EXPECT_EQ(ExitCodeFor(r.first_error), kExitInterrupted);
}

TEST(RunTest, InterruptBeforeTheRunStartsNothing) {
  std::atomic<bool> interrupt{true};
  std::atomic<int> ran{0};
  JobGraph g;
  for (int i = 0; i < 10; ++i)
    g.Add(Job("j", [&](JobContext&) {
      ++ran;
      return JobOutcome::Done();
    }));
  RunOptions o;
  o.slots = 4;
  o.interrupt = &interrupt;
  const RunReport r = scheduler::Run(g, o);
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(r.not_started.size(), 10u);
  EXPECT_EQ(r.first_error.code(), StatusCode::kCancelled);
}

TEST(RunTest, ThrowingJobIsAHardFailureNotACrash) {
  JobGraph g;
  g.Add(Job("throws", [](JobContext&) -> JobOutcome { throw std::runtime_error("oops"); }));
  const RunReport r = scheduler::Run(g, RunOptions());
  EXPECT_EQ(r.first_error.code(), StatusCode::kInternal);
  EXPECT_EQ(r.first_error.message(), "job 'throws' threw: oops");
}

TEST(RunTest, CyclicGraphRunsNothingAndSaysWhy) {
  std::atomic<int> ran{0};
  JobGraph g;
  const JobId a = g.Add(Job("a", [&](JobContext&) {
    ++ran;
    return JobOutcome::Done();
  }));
  const JobId b = g.Add(Job("b", Trivial()));
  g.AddDependency(a, b);
  g.AddDependency(b, a);
  const RunReport r = scheduler::Run(g, RunOptions());
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(r.first_error.message(),
            "dependency cycle: 'a' -> 'b' -> 'a'; each job waits for the next, so none can start");
  EXPECT_THAT(r.not_started, ElementsAre(a, b));
}

TEST(RunTest, BadOptionsAreRejected) {
  JobGraph g;
  g.Add(Job("a", Trivial()));
  RunOptions o;
  o.slots = 0;
  EXPECT_EQ(scheduler::Run(g, o).first_error.message(),
            "the number of parallel jobs must be at least 1 (got 0)");
  JobGraph no_fn;
  JobSpec empty;
  empty.name = "empty";
  no_fn.Add(empty);
  EXPECT_EQ(scheduler::Run(no_fn, RunOptions()).first_error.message(),
            "job 'empty' has no function to run");
}

TEST(RunTest, ProgressReachesTheSinkFromTheJob) {
  RecorderSink sink;
  JobGraph g;
  g.Add(Job("copy t", [](JobContext& ctx) {
    ctx.AddProgress(100, 1);
    ctx.AddProgress(50, 2);
    return JobOutcome::Done();
  }));
  RunOptions o;
  o.sink = &sink;
  ASSERT_TRUE(scheduler::Run(g, o).ok());
  std::vector<std::string> types;
  uint64_t bytes = 0;
  for (const Event& e : sink.events()) {
    types.push_back(EventTypeName(e.type));
    bytes += e.bytes;
  }
  EXPECT_THAT(types, ElementsAre("queued", "started", "progress", "progress", "finished"));
  EXPECT_EQ(bytes, 150u);
}

}  // namespace
}  // namespace hyperdump::scheduler
